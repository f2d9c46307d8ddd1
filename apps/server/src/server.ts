import type { AddressInfo } from 'node:net';
import { type Logger, Room, type TokenVerifier } from '@chatgate/core';
import { ConnectionGate, createWebSocketErrorHandler } from '@chatgate/core/transport';
import { RedisEngine } from '@chatgate/engine-redis';
import { rpcGateway } from '@chatgate/rpc-gateway';
import {
  createTcpListener,
  type TcpListener,
  type TcpListenerOptions,
} from '@chatgate/tcp-gateway';
import { wsGateway } from '@chatgate/ws-gateway';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from './config.js';
import { createMetrics, registerEngineMetrics, registerOpsRoutes } from './observability.js';
import { createOriginCheck } from './origin-check.js';
import { loadTls, type TlsMaterial } from './tls.js';
import { loadTokenVerifier } from './tokens.js';

export type ListenerName = keyof Config['ports'];

/** The ports actually bound, by listener (absent when off). */
export type BoundPorts = Partial<Record<ListenerName, number>>;

export class ListenError extends Error {
  override readonly name = 'ListenError';
}

const TCP_DIALECTS = ['line', 'at', 'peer'] as const;

/**
 * The combined server that the `chatgate` bin runs, driven by a full `Config` (ChatServer is
 * the group_terminal-shaped facade over it): one room, one connection gate, every listener. `start` binds every
 * listener that is on; `stop` drains: readiness 503, stop accepting, tell every client,
 * close, wait for handlers up to the drain timeout.
 */
export class Chatgate {
  readonly room: Room;
  /** The Redis engine when `--redis` is set; the room then shares its state with other nodes. */
  readonly engine: RedisEngine | undefined;
  readonly gate: ConnectionGate;
  readonly metrics: Registry;
  private readonly apps: Array<{ name: ListenerName; app: FastifyInstance }> = [];
  private readonly tcp: Array<{ name: ListenerName; listener: TcpListener }> = [];
  /** Refusals counted here; the gate counts its own caps (`total`, `per_address`). */
  readonly refusals = { origin: 0, auth: 0 };
  private tls: TlsMaterial | null = null;
  private tokens: TokenVerifier | null = null;
  private draining = false;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly config: Config,
    readonly log: PinoLogger,
  ) {
    this.engine =
      config.redis === null
        ? undefined
        : new RedisEngine({
            url: config.redis,
            nodeId: config.nodeId,
            leaseMs: config.leaseMs,
            historySize: config.historySize,
            logger: log.child({ component: 'engine' }) as unknown as Logger,
          });
    this.room = new Room({
      name: config.room,
      ...(this.engine === undefined ? {} : { engine: this.engine }),
      logger: log as unknown as Logger,
      limits: {
        rateBurst: config.rateBurst,
        ratePerSecond: config.ratePerSecond,
        maxTextChars: config.maxTextChars,
        historySize: config.historySize,
        maxBufferedBytes: config.maxBufferedBytes,
        usersPageSize: config.usersPageSize,
        roomsPerMember: config.roomsPerMember,
        maxRooms: config.maxRooms,
      },
    });
    this.gate = new ConnectionGate({
      maxConnections: config.maxConnections,
      maxPerAddress: config.maxPerAddress,
      nameTimeoutMs: config.nameTimeoutMs,
      connectBurstPerAddress: config.connectBurstPerAddress,
      connectsPerSecondPerAddress: config.connectsPerSecondPerAddress,
    });
    this.metrics = createMetrics(this.room, this.gate, () => ({
      ...this.gate.refused,
      ...this.refusals,
    }));
    if (this.engine !== undefined) registerEngineMetrics(this.metrics, this.engine);
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** What /readyz says: draining, the engine (Redis) unreachable, or ready. */
  readiness(): 'draining' | 'unavailable' | 'ready' {
    if (this.draining) return 'draining';
    return this.room.available ? 'ready' : 'unavailable';
  }

  /** Binds every listener that is on. Throws TlsError or ListenError (one line each). */
  async start(): Promise<BoundPorts> {
    const ports: BoundPorts = {};
    this.tls = loadTls(this.config);
    this.tokens = loadTokenVerifier(this.config);
    const admin = this.config.ports.admin;
    try {
      for (const name of ['http', 'gt'] as const) {
        const port = this.config.ports[name];
        if (port === null) continue;
        const app = await this.createHttpApp(name, admin === null);
        this.apps.push({ name, app });
        ports[name] = await this.bind(name, this.config.host, port, async () => {
          await app.listen({ host: this.config.host, port });
          return app.server.address() as AddressInfo;
        });
      }
      if (admin !== null) {
        const app = this.createAdminApp();
        this.apps.push({ name: 'admin', app });
        ports.admin = await this.bind('admin', this.config.adminHost, admin, async () => {
          await app.listen({ host: this.config.adminHost, port: admin });
          return app.server.address() as AddressInfo;
        });
      }
      for (const dialect of TCP_DIALECTS) {
        const port = this.config.ports[dialect];
        if (port === null) continue;
        const listener = createTcpListener({
          room: this.room,
          dialect,
          host: this.config.host,
          port,
          gate: this.gate,
          logger: this.log as unknown as Logger,
          ...(this.tls === null ? {} : { tls: this.tls.context }),
          ...this.tcpAuth(dialect),
          proxyProtocol: this.config.proxyProtocol,
        });
        this.tcp.push({ name: dialect, listener });
        ports[dialect] = await this.bind(dialect, this.config.host, port, () => listener.listen());
      }
    } catch (err) {
      await this.closeListeners();
      throw err;
    }
    return ports;
  }

  /**
   * With tokens on: line users log in with `/login TOKEN`; the at and peer dialects, which
   * cannot carry a token, are refused unless --auth-anonymous-tcp lets them in anonymously.
   */
  private tcpAuth(dialect: (typeof TCP_DIALECTS)[number]): Partial<TcpListenerOptions> {
    if (this.tokens === null) return {};
    const onRefused = () => {
      this.refusals.auth++;
    };
    if (dialect === 'line') return { login: { tokens: this.tokens, onRefused } };
    if (this.config.authAnonymousTcp) return {};
    return {
      refuseAll: {
        reason: 'this server requires a token; connect over WebSocket, RPC or the line port',
        onRefused,
      },
    };
  }

  /** Graceful stop; safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= this.drain();
    return this.stopping;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    this.log.info('draining');
    // Stop accepting first, so nobody joins while the room empties.
    // The admin port keeps answering, so probes read 503 from /readyz while we drain.
    for (const { name, app } of this.apps) if (name !== 'admin') app.server.close();
    await Promise.all(this.tcp.map(({ listener }) => listener.close()));
    await this.room.close('shutdown');
    // After the room published its members' leaves: give this node's lease up at once.
    await this.engine?.close();
    const handlersDone = await Promise.race([
      this.room.handlersIdle().then(() => true),
      new Promise<false>((resolve) =>
        setTimeout(resolve, this.config.drainTimeoutMs, false).unref(),
      ),
    ]);
    if (!handlersDone) {
      // Bounded: past the timeout no handler call starts, so the process can exit.
      const dropped = this.room.stopHandlers();
      this.log.warn({ dropped }, 'drain timed out; queued messages not handled');
    }
    await this.closeListeners();
    this.log.info('stopped');
  }

  private async closeListeners(): Promise<void> {
    await Promise.all([
      ...this.apps.map(({ app }) => app.close()),
      ...this.tcp.map(({ listener }) => listener.close()),
    ]);
  }

  private async bind(
    name: ListenerName,
    host: string,
    port: number,
    listen: () => Promise<AddressInfo>,
  ): Promise<number> {
    try {
      return (await listen()).port;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'EADDRINUSE'
          ? 'address already in use'
          : code === 'EACCES'
            ? 'permission denied'
            : code === 'EADDRNOTAVAIL'
              ? 'address not available'
              : (err as Error).message;
      throw new ListenError(`cannot listen on ${host}:${port} (${name}): ${why}`, {
        cause: err,
      });
    }
  }

  private async createHttpApp(name: 'http' | 'gt', withOps: boolean): Promise<FastifyInstance> {
    const app = Fastify({
      loggerInstance: this.log.child({ listener: name }) as unknown as FastifyBaseLogger,
      // Connection logs come from the gateways; per-request lines would only repeat them.
      logController: new LogController({ disableRequestLogging: true }),
      // Browsers keep idle connections open; do not let them hold up shutdown.
      forceCloseConnections: 'idle',
      // request.ip (caps, limits, logs) is X-Forwarded-For's client only from these proxies.
      trustProxy: this.config.trustProxy.length > 0 ? this.config.trustProxy : false,
      ...(this.tls === null ? {} : { https: { cert: this.tls.cert, key: this.tls.key } }),
    });
    // On the root, before the gateways, so it runs for /ws, /ws/:username and /rpc/ws alike.
    app.addHook(
      'onRequest',
      createOriginCheck(this.config.allowedOrigins, () => {
        this.refusals.origin++;
      }),
    );
    await app.register(websocket, {
      // ws refuses an over-size message (1009) before buffering it whole.
      options: { maxPayload: this.config.maxPayloadBytes },
      // A client's protocol error (bad UTF-8, over-size) is not a server bug, and its close
      // frame must reach the client: no terminate for those.
      errorHandler: createWebSocketErrorHandler(app.log as unknown as Logger),
    });
    const shared = { room: this.room, gate: this.gate, logger: this.log as unknown as Logger };
    await app.register(wsGateway, {
      ...shared,
      maxPayloadBytes: this.config.maxPayloadBytes,
      heartbeatMs: this.config.heartbeatMs,
      presenceListMax: this.config.presenceListMax,
      ...(this.tokens === null ? {} : { tokens: this.tokens }),
      onAuthRefused: () => {
        this.refusals.auth++;
      },
    });
    await app.register(rpcGateway, {
      ...shared,
      maxMessageSize: this.config.maxPayloadBytes,
      maxCallsInFlight: this.config.rpcMaxCallsInFlight,
      batchCors: this.config.rpcBatchCors,
      ...(this.tokens === null ? {} : { tokens: this.tokens }),
      onAuthRefused: () => {
        this.refusals.auth++;
      },
    });
    // Without --admin-port the main HTTP port keeps /metrics, and both keep the probes.
    if (withOps)
      registerOpsRoutes(app, () => this.readiness(), name === 'http' ? this.metrics : null);
    return app;
  }

  /** /healthz, /readyz and /metrics alone, on --admin-host:--admin-port, plain HTTP. */
  private createAdminApp(): FastifyInstance {
    const app = Fastify({
      loggerInstance: this.log.child({ listener: 'admin' }) as unknown as FastifyBaseLogger,
      logController: new LogController({ disableRequestLogging: true }),
      forceCloseConnections: 'idle',
    });
    registerOpsRoutes(app, () => this.readiness(), this.metrics);
    return app;
  }
}
