import { connect, createServer, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import {
  type Dialect,
  type DisconnectReason,
  InProcessEngine,
  type Logger,
  type Member,
  Room,
  type RoomEvent,
  type RoomLimits,
  type Session,
} from '@chatgate/core';
import { expect, onTestFinished } from 'vitest';
import { createTcpListener, type TcpListener, type TcpListenerOptions } from '../src/index.js';

export const WAIT_MS = 5_000;

/** 2026-11-22T10:04:11.777 local time, so peer timestamps read the same in any zone. */
export const FIXED_TS = new Date(2026, 10, 22, 10, 4, 11, 777).getTime();
export const FIXED_ISO = '2026-11-22T10:04:11.777000';

/** Resolves when `check` returns true, re-checking on `poke`; rejects after `ms`. */
function waitUntil(
  check: () => boolean,
  subscribe: (poke: () => void) => () => void,
  ms: number,
  what: () => string,
): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${ms} ms waiting for ${what()}`));
    }, ms);
    const unsubscribe = subscribe(() => {
      if (!check()) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}

/** Waits for a condition nothing emits an event for (room state), checking every few ms. */
export function waitFor(check: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  return waitUntil(
    check,
    (poke) => {
      const timer = setInterval(poke, 5);
      return () => clearInterval(timer);
    },
    ms,
    () => what,
  );
}

export function createTestRoom(limits: Partial<RoomLimits> = {}, now?: () => number): Room {
  const room = new Room({
    engine: new InProcessEngine('local', now),
    limits: { rateBurst: 1000, ratePerSecond: 1000, ...limits },
  });
  onTestFinished(() => room.close('shutdown'));
  return room;
}

export async function startListener(
  options: Omit<TcpListenerOptions, 'host' | 'port'>,
): Promise<{ listener: TcpListener; port: number }> {
  const listener = createTcpListener({ ...options, host: '127.0.0.1', port: 0 });
  onTestFinished(() => listener.close({ drain: false }));
  const address = await listener.listen();
  return { listener, port: address.port };
}

/**
 * A raw TCP client that records every byte. `read(x)` waits for the next bytes and asserts
 * they are exactly `x`, so consecutive reads prove nothing else arrived in between.
 */
export class Client {
  private chunks: Buffer[] = [];
  private total = 0;
  private cursor = 0;
  private readonly pokes = new Set<() => void>();
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.total += chunk.length;
      this.poke();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.poke();
    });
  }

  static connect(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, noDelay: true });
      const client = new Client(socket);
      onTestFinished(() => {
        socket.destroy();
      });
      socket.once('connect', () => resolve(client));
      socket.once('error', reject);
    });
  }

  /**
   * A TLS client trusting `ca`. `before` is written in plain text first (a PROXY header), then
   * the handshake runs over the same socket.
   */
  static connectTls(port: number, ca: Buffer, before?: Buffer): Promise<Client> {
    return new Promise((resolve, reject) => {
      const raw = connect({ host: '127.0.0.1', port, noDelay: true });
      onTestFinished(() => {
        raw.destroy();
      });
      raw.once('error', reject);
      raw.once('connect', () => {
        if (before !== undefined) raw.write(before);
        const socket = connectTls({ socket: raw, ca, servername: 'localhost' });
        const client = new Client(socket);
        socket.once('secureConnect', () => resolve(client));
        socket.once('error', reject);
      });
    });
  }

  /** Everything received so far. */
  get bytes(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** Bytes received and not yet consumed by read(). */
  get unread(): Buffer {
    return this.bytes.subarray(this.cursor);
  }

  send(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Waits for exactly `expected` as the next bytes. */
  async read(expected: string | Buffer, ms = WAIT_MS): Promise<void> {
    const want = typeof expected === 'string' ? Buffer.from(expected, 'utf8') : expected;
    await this.until(
      () => this.total - this.cursor >= want.length,
      ms,
      () => show(want),
    );
    const got = this.bytes.subarray(this.cursor, this.cursor + want.length);
    this.cursor += want.length;
    expect(show(got)).toBe(show(want));
  }

  /** Waits for the next `n` bytes and returns them. */
  async take(n: number, ms = WAIT_MS): Promise<Buffer> {
    await this.until(
      () => this.total - this.cursor >= n,
      ms,
      () => `${n} bytes`,
    );
    const got = Buffer.from(this.bytes.subarray(this.cursor, this.cursor + n));
    this.cursor += n;
    return got;
  }

  /** Waits until unread bytes include `text`; consumes up to and including it. */
  async readThrough(text: string, ms = WAIT_MS): Promise<string> {
    const needle = Buffer.from(text, 'utf8');
    await this.until(
      () => this.unread.includes(needle),
      ms,
      () => JSON.stringify(text),
    );
    const end = this.unread.indexOf(needle) + needle.length;
    const got = this.unread.subarray(0, end).toString('utf8');
    this.cursor += end;
    return got;
  }

  /** Asserts nothing arrived beyond what was read. */
  expectNothingUnread(): void {
    expect(this.unread.toString('latin1')).toBe('');
  }

  waitClosed(ms = WAIT_MS): Promise<void> {
    return this.until(
      () => this.closed,
      ms,
      () => 'the connection to close',
    );
  }

  end(): void {
    this.socket.end();
  }

  private until(check: () => boolean, ms: number, what: () => string): Promise<void> {
    return waitUntil(
      check,
      (poke) => {
        this.pokes.add(poke);
        return () => this.pokes.delete(poke);
      },
      ms,
      () => `${what()}; have ${show(this.unread)}${this.closed ? ' (closed)' : ''}`,
    );
  }

  private poke(): void {
    for (const poke of Array.from(this.pokes)) poke();
  }
}

function show(bytes: Buffer): string {
  return JSON.stringify(bytes.toString('latin1'));
}

const observerDialect: Dialect<null> = { name: 'observer', encode: () => null };

/** A member that sees events as the room applies them, to wait on without a socket. */
export class Observer implements Session<null> {
  readonly dialect = observerDialect;
  readonly bufferedBytes = 0;
  readonly events: RoomEvent[] = [];
  member!: Member;
  private readonly pokes = new Set<() => void>();

  static async join(room: Room, name = 'observer'): Promise<Observer> {
    const observer = new Observer();
    observer.member = await room.join(observer, { name });
    return observer;
  }

  deliver(event: RoomEvent): void {
    this.events.push(event);
    for (const poke of Array.from(this.pokes)) poke();
  }

  close(_reason: DisconnectReason): void {}

  /** Waits for an event matching `match` and returns it. */
  async next(match: (event: RoomEvent) => boolean, ms = WAIT_MS): Promise<RoomEvent> {
    const from = this.events.length;
    let found: RoomEvent | undefined;
    const check = () => {
      found ??= this.events.slice(from).find(match);
      return found !== undefined;
    };
    await waitUntil(
      check,
      (poke) => {
        this.pokes.add(poke);
        return () => this.pokes.delete(poke);
      },
      ms,
      () => `a room event; saw ${JSON.stringify(this.events.slice(from))}`,
    );
    return found!;
  }

  /** Waits for an event that already happened or is still to come. */
  async seen(match: (event: RoomEvent) => boolean, ms = WAIT_MS): Promise<RoomEvent> {
    const earlier = this.events.find(match);
    return earlier ?? this.next(match, ms);
  }

  count(match: (event: RoomEvent) => boolean): number {
    return this.events.filter(match).length;
  }
}

export const joined = (name: string) => (e: RoomEvent) => e.kind === 'join' && e.name === name;
export const left = (name: string) => (e: RoomEvent) => e.kind === 'leave' && e.name === name;
export const said = (content: string) => (e: RoomEvent) =>
  e.kind === 'message' && e.content === content;

/** A pino-like logger that keeps every record with its bindings. */
export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  bindings: Record<string, unknown>;
  obj: object;
  msg: string | undefined;
}

export function recordingLogger(
  records: LogRecord[] = [],
  bindings: Record<string, unknown> = {},
): Logger & { records: LogRecord[] } {
  const at =
    (level: LogRecord['level']) =>
    (obj: object, msg?: string): void => {
      records.push({ level, bindings, obj, msg });
    };
  return {
    records,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(records, { ...bindings, ...more }),
  };
}

/** A 2-byte big-endian length then the UTF-8 bytes, written out independently of src. */
export function lengthPrefixed(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
}

/** A lab3 chat payload as the original peers send it. */
export function peerChat(sender: string, text: string, iso = FIXED_ISO): string {
  return `[${iso}] - ${sender}:\x1b[32m ${text}\n\x1b[0m<MSGENCD>`;
}

export function peerLeave(sender: string, iso = FIXED_ISO): string {
  return `\n[${iso}]|\n\x1b[35m${sender}  has left the chat... \x1b[0m <EXTENCD>`;
}

/**
 * The server side of a fresh connection to a plain `net` server on `host` (what Node alone
 * makes of a socket), and the client's own address.
 */
export async function acceptedByPlainServer(
  host: string,
): Promise<{ server: Socket; clientAddress: string }> {
  const listener = createServer();
  onTestFinished(() => new Promise<void>((resolve) => listener.close(() => resolve())));
  await new Promise<void>((resolve) => listener.listen(0, host, resolve));
  const { port } = listener.address() as { port: number };
  const server = new Promise<Socket>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no connection')), WAIT_MS);
    listener.once('connection', (socket: Socket) => {
      clearTimeout(timer);
      onTestFinished(() => socket.destroy());
      resolve(socket);
    });
  });
  const client = connect(port, host);
  onTestFinished(() => client.destroy());
  await new Promise<void>((resolve) => client.once('connect', resolve));
  return { server: await server, clientAddress: client.localAddress! };
}

/** A socket's own property names and symbols, sorted: what its hidden class is made of. */
export const ownKeys = (socket: Socket): string[] => Reflect.ownKeys(socket).map(String).sort();
