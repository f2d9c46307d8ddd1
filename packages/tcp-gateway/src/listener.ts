import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { type SecureContext, TLSSocket } from 'node:tls';
import { type Logger, lazyChild, noopLogger, type Room, type TokenVerifier } from '@chatgate/core';
import { ConnectionGate, DeadlineQueue } from '@chatgate/core/transport';
import { type DialectName, resolveDialect } from './dialects/index.js';
import { MAX_LINE_BYTES } from './framing/lines.js';
import { peerAddress } from './peer-address.js';
import { readProxyHeader } from './read-proxy-header.js';
import type { TcpDialect } from './tcp-dialect.js';
import {
  onSocketError,
  type SessionContext,
  type SessionOwner,
  TcpSession,
} from './tcp-session.js';

export const DEFAULT_KEEPALIVE_MS = 30_000;
export const DEFAULT_CLOSE_GRACE_MS = 2_000;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface TcpListenerOptions {
  room: Room;
  /** A built-in dialect by name, or your own. */
  dialect: DialectName | TcpDialect;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port; see `listen()`'s result). */
  port?: number;
  /** Connection caps, shared by every listener of a server. Default: a private gate. */
  gate?: ConnectionGate;
  /** Refuse every connection with this reason (e.g. the server requires tokens this dialect
   *  cannot carry); `onRefused` counts them. Default: admit per the gate. */
  refuseAll?: { reason: string; onRefused: () => void };
  /**
   * Connections join only after `/login TOKEN`, as the token's `sub` (docs/protocols.md,
   * "Tokens"); `onRefused` counts refused tokens. Only for dialects with `loginPrompt` (line).
   */
  login?: { tokens: TokenVerifier; onRefused: () => void };
  logger?: Logger;
  /** TCP keepalive probe delay; 0 turns keepalive off. Default 30 s. */
  keepAliveMs?: number;
  /** Longest line for line-framed dialects, in bytes. Default 8192. */
  maxLineBytes?: number;
  /** Deadline for dialects that await a name; 0 disables. Default `gate.options.nameTimeoutMs`. */
  nameTimeoutMs?: number;
  /** How long a closing connection may take to read its last words. Default 2 s. */
  closeGraceMs?: number;
  /** Speak TLS: every connection must complete a handshake before it joins. */
  tls?: SecureContext;
  /**
   * Every connection starts with a PROXY protocol v1 or v2 header (HAProxy, nginx stream
   * `proxy_protocol on`); its source address replaces the socket's for caps and logs. Only
   * for ports that nothing but the proxy can reach: the header is believed.
   */
  proxyProtocol?: boolean;
  /** Deadline for the PROXY header and the TLS handshake together. Default 10 s. */
  handshakeTimeoutMs?: number;
}

export interface TcpListener {
  readonly dialect: TcpDialect;
  /** Open connections, joined or not. */
  readonly connections: number;
  /** Starts listening; resolves with the bound address (the real port when `port` is 0). */
  listen(): Promise<AddressInfo>;
  address(): AddressInfo | null;
  /**
   * Stops accepting at once. With `drain: true` (default) open connections stay until they
   * leave or `room.close('shutdown')` closes them, and this resolves right away. With
   * `drain: false` every open connection is closed with `shutdown` (its farewell is sent) and
   * this resolves once all of them have closed.
   */
  close(options?: { drain?: boolean }): Promise<void>;
}

let connectionCounter = 0;

function onNameTimeout(session: TcpSession): void {
  session.nameTimedOut();
}

function destroySocket(socket: Socket): void {
  socket.destroy();
}

class NetTcpListener implements TcpListener, SessionOwner {
  readonly dialect: TcpDialect;
  private readonly server: Server;
  private readonly context: SessionContext;
  private readonly gate: ConnectionGate;
  private readonly log: Logger;
  private readonly label: string;
  private readonly sessions = new Set<TcpSession>();
  /** Connections still in their PROXY header or TLS handshake. */
  private readonly handshaking = new Set<Socket>();
  private closing = false;
  private drained: Promise<void> | undefined;
  private idle: (() => void) | undefined;

  constructor(private readonly options: TcpListenerOptions) {
    this.dialect = resolveDialect(options.dialect);
    if (options.login !== undefined && this.dialect.loginPrompt === undefined) {
      throw new TypeError(`the ${this.dialect.name} dialect cannot carry a token (no /login)`);
    }
    this.gate = options.gate ?? new ConnectionGate();
    this.label = `tcp:${this.dialect.name}`;
    this.log = (options.logger ?? noopLogger).child({
      transport: 'tcp',
      dialect: this.dialect.name,
    });
    const nameTimeoutMs = options.nameTimeoutMs ?? this.gate.options.nameTimeoutMs;
    this.context = {
      room: options.room,
      dialect: this.dialect,
      maxLineBytes: options.maxLineBytes ?? MAX_LINE_BYTES,
      login: options.login ?? null,
      nameDeadlines: nameTimeoutMs > 0 ? new DeadlineQueue(nameTimeoutMs, onNameTimeout) : null,
      closeDeadlines: new DeadlineQueue(
        options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS,
        destroySocket,
      ),
    };
    this.server = createServer(this.onConnection);
  }

  get connections(): number {
    return this.sessions.size;
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(
        { host: this.options.host ?? '127.0.0.1', port: this.options.port ?? 0 },
        () => {
          this.server.off('error', onError);
          this.server.on('error', (err) => this.log.error({ err }, 'listener error'));
          const address = this.server.address() as AddressInfo;
          this.log.info({ address: address.address, port: address.port }, 'listening');
          resolve(address);
        },
      );
    });
  }

  address(): AddressInfo | null {
    const address = this.server.address();
    return address !== null && typeof address === 'object' ? address : null;
  }

  close(options: { drain?: boolean } = {}): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      if (this.server.listening) this.server.close();
      for (const socket of this.handshaking) socket.destroy();
    }
    if (options.drain !== false || this.sessions.size === 0) return Promise.resolve();
    this.drained ??= new Promise<void>((resolve) => {
      this.idle = resolve;
    });
    for (const session of Array.from(this.sessions)) session.shutdown();
    return this.drained;
  }

  sessionClosed(session: TcpSession): void {
    this.sessions.delete(session);
    if (this.sessions.size === 0 && this.idle !== undefined) {
      const idle = this.idle;
      this.idle = undefined;
      this.drained = undefined;
      idle();
    }
  }

  private readonly onConnection = (socket: Socket): void => {
    socket.on('error', onSocketError);
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.options.proxyProtocol !== true) {
      this.admit(socket, peerAddress(socket) ?? 'unknown');
      return;
    }
    this.track(socket);
    readProxyHeader(socket, this.handshakeTimeoutMs, (result) => {
      this.handshaking.delete(socket);
      if (!result.ok) {
        this.log.warn({ remote: peerAddress(socket), reason: result.message }, 'bad PROXY header');
        socket.destroy();
        return;
      }
      this.admit(socket, result.source?.address ?? peerAddress(socket) ?? 'unknown');
    });
  };

  private get handshakeTimeoutMs(): number {
    return this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  }

  private track(socket: Socket): void {
    this.handshaking.add(socket);
    socket.once('close', () => this.handshaking.delete(socket));
  }

  private admit(raw: Socket, remote: string): void {
    if (this.closing) {
      raw.destroy();
      return;
    }
    const refuseAll = this.options.refuseAll;
    refuseAll?.onRefused();
    const admission: { ok: true; release: () => void } | { ok: false; reason: string } =
      refuseAll === undefined
        ? this.gate.admit(remote, this.label)
        : { ok: false, reason: refuseAll.reason };
    const socket = this.options.tls === undefined ? raw : this.wrapTls(raw);
    if (!admission.ok) {
      this.log.warn({ remote, reason: admission.reason }, 'connection refused');
      this.context.closeDeadlines.add(socket);
      socket.resume();
      const notice = this.dialect.refuseConnection(admission.reason);
      if (notice === null) socket.end();
      else socket.end(notice);
      return;
    }
    const keepAliveMs = this.options.keepAliveMs ?? DEFAULT_KEEPALIVE_MS;
    if (keepAliveMs > 0) raw.setKeepAlive(true, keepAliveMs);
    raw.setNoDelay(true);
    // Lazy: a pino child per idle connection costs ~1 KB; most never log past warn.
    const log = lazyChild(this.log, { conn: ++connectionCounter, remote });
    const session = new TcpSession(socket, this.context, log, admission.release, this);
    this.sessions.add(session);
    if (socket === raw) {
      log.info({}, 'connected');
      session.start();
      // After a PROXY header the socket was paused, holding any bytes that followed it.
      raw.resume();
      return;
    }
    // Nobody joins before the handshake: a client speaking plain text must not be announced.
    this.handshaking.add(socket);
    const timer = setTimeout(() => socket.destroy(), this.handshakeTimeoutMs).unref();
    socket.once('close', () => {
      clearTimeout(timer);
      if (!this.handshaking.delete(socket)) return;
      admission.release();
      this.sessionClosed(session);
    });
    socket.once('secure', () => {
      clearTimeout(timer);
      this.handshaking.delete(socket);
      log.info({ tls: (socket as TLSSocket).getProtocol() }, 'connected');
      session.start();
    });
  }

  private wrapTls(raw: Socket): TLSSocket {
    const socket = new TLSSocket(raw, { isServer: true, secureContext: this.options.tls });
    // Handshake failures (a plain-text client, a bad certificate) are the client's problem.
    socket.on('error', onSocketError);
    return socket;
  }
}

/** A node:net listener that puts every connection in `room`, speaking `dialect`. */
export function createTcpListener(options: TcpListenerOptions): TcpListener {
  return new NetTcpListener(options);
}
