import { EventEmitter } from 'node:events';
import { InProcessEngine, noopLogger, Room, type RoomLimits } from '@chatgate/core';
import {
  ConnectionGate,
  type ConnectionGateOptions,
  createWebSocketErrorHandler,
} from '@chatgate/core/transport';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { type WsGatewayOptions, wsGateway } from '../src/index.js';

export const WAIT_MS = 5_000;

/** Resolves on the emitter's next `event`, rejects after `ms`. Set it up before the action. */
export function nextEvent<T extends unknown[] = unknown[]>(
  emitter: NodeJS.EventEmitter,
  event: string,
  ms = WAIT_MS,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${ms} ms waiting for '${event}'`));
    }, ms);
    const listener = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    };
    emitter.once(event, listener);
  });
}

/** Polls nothing: re-checks `condition` each time `emitter` emits `event`, with a timeout. */
export async function waitUntil(
  condition: () => boolean,
  emitter: NodeJS.EventEmitter,
  event: string,
  ms = WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`condition not met within ${ms} ms`);
    await nextEvent(emitter, event, left);
  }
}

/** A ConnectionGate that emits 'release' whenever a connection gives its place back. */
export class ObservedGate extends ConnectionGate {
  readonly events = new EventEmitter();

  override admit(address: string, transport?: string) {
    const result = super.admit(address, transport);
    if (!result.ok) return result;
    const release = result.release;
    return {
      ok: true as const,
      release: () => {
        release();
        this.events.emit('release');
      },
    };
  }
}

export interface Gateway {
  app: FastifyInstance;
  room: Room;
  gate: ObservedGate;
  port: number;
  /** http://127.0.0.1:PORT */
  http: string;
  /** ws://127.0.0.1:PORT */
  ws: string;
}

export interface GatewaySetup {
  limits?: Partial<RoomLimits>;
  gate?: Partial<ConnectionGateOptions>;
  /** ws server maxPayload given to @fastify/websocket (the server's job). */
  wsMaxPayload?: number;
  plugin?: Partial<Omit<WsGatewayOptions, 'room' | 'gate'>>;
  prefix?: string;
  /** Listen on this port instead of an ephemeral one (only to restart a server in place). */
  port?: number;
  /** The room's and its engine's clock (event timestamps), e.g. to date messages in the past. */
  now?: () => number;
}

/** A real Fastify server with the gateway on 127.0.0.1, port 0; closed after the test. */
export async function startGateway(setup: GatewaySetup = {}): Promise<Gateway> {
  const room = new Room({
    limits: setup.limits ?? {},
    ...(setup.now === undefined
      ? {}
      : { now: setup.now, engine: new InProcessEngine({ now: setup.now }) }),
  });
  const gate = new ObservedGate(setup.gate ?? {});
  const app = Fastify({ logger: false });
  onTestFinished(async () => {
    await app.close();
    await room.close('shutdown');
  });
  await app.register(websocket, {
    options: setup.wsMaxPayload === undefined ? {} : { maxPayload: setup.wsMaxPayload },
    errorHandler: createWebSocketErrorHandler(noopLogger),
  });
  await app.register(wsGateway, {
    room,
    gate,
    ...setup.plugin,
    ...(setup.prefix === undefined ? {} : { prefix: setup.prefix }),
  } as WsGatewayOptions);
  await app.listen({ port: setup.port ?? 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    app,
    room,
    gate,
    port: address.port,
    http: `http://127.0.0.1:${address.port}`,
    ws: `ws://127.0.0.1:${address.port}`,
  };
}

export type ServerMessage = Record<string, unknown> & { type: string };

/**
 * A real `ws` client that records every frame, so a test can wait for "the next message of
 * this type" without racing the socket.
 */
export class TestClient {
  readonly frames: string[] = [];
  readonly messages: ServerMessage[] = [];
  /** Index of the next message `next()` looks at. */
  private cursor = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  closeInfo: { code: number; reason: string } | undefined;

  constructor(readonly socket: WebSocket) {
    socket.on('error', () => {});
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? `<binary ${String(data)}>` : String(data);
      this.frames.push(text);
      try {
        this.messages.push(JSON.parse(text) as ServerMessage);
      } catch {
        this.messages.push({ type: '<not json>', text });
      }
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: String(reason) };
        resolve(this.closeInfo);
      });
    });
  }

  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const socket = new WebSocket(url, options);
    const client = new TestClient(socket);
    onTestFinished(() => {
      socket.terminate();
    });
    await Promise.race([
      nextEvent(socket, 'open'),
      nextEvent<[Error]>(socket, 'error').then(([err]) => Promise.reject(err)),
    ]);
    return client;
  }

  send(message: object | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  say(content: string, to?: string): void {
    this.send(
      to === undefined ? { type: 'chat_message', content } : { type: 'chat_message', content, to },
    );
  }

  /** The next message (after the last one returned) matching `match`; skips others. */
  async next(
    match: ((m: ServerMessage) => boolean) | string = () => true,
    ms = WAIT_MS,
  ): Promise<ServerMessage> {
    const test = typeof match === 'string' ? (m: ServerMessage) => m.type === match : match;
    const deadline = Date.now() + ms;
    for (;;) {
      while (this.cursor < this.messages.length) {
        const message = this.messages[this.cursor++]!;
        if (test(message)) return message;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.closeInfo !== undefined) {
        throw new Error(
          `no matching message within ${ms} ms (closed: ${JSON.stringify(this.closeInfo)}); got ${JSON.stringify(this.messages.slice(-5))}`,
        );
      }
      await Promise.race([nextEvent(this.socket, 'message', left), this.closed]).catch(() => {});
    }
  }

  /** The frame text of the next message matching `match` (exact-string assertions). */
  async nextFrame(match: ((m: ServerMessage) => boolean) | string): Promise<string> {
    const message = await this.next(match);
    return this.frames[this.messages.indexOf(message)]!;
  }

  waitClosed(ms = WAIT_MS): Promise<{ code: number; reason: string }> {
    return Promise.race([
      this.closed,
      new Promise<never>((_, reject) => {
        setTimeout(() => reject(new Error(`not closed within ${ms} ms`)), ms).unref();
      }),
    ]);
  }
}

/** Opens `/ws`, sends connect, waits for connect_response and welcome. */
export async function joinAs(gw: Gateway, name: string, path = '/ws'): Promise<TestClient> {
  const client = await TestClient.open(`${gw.ws}${path}`);
  client.send({ type: 'connect', username: name });
  const response = await client.next('connect_response');
  if (response.success !== true) throw new Error(`join refused: ${JSON.stringify(response)}`);
  await client.next('welcome');
  return client;
}
