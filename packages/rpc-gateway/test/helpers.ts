import {
  type DisconnectReason,
  type Logger,
  type Member,
  noopLogger,
  Room,
  type RoomEvent,
  type RoomOptions,
  type Session,
} from '@chatgate/core';
import { type ConnectionGate, createWebSocketErrorHandler } from '@chatgate/core/transport';
import type { ChatGatewayApi, ChatMessage } from '@chatgate/rpc-client';
import { connectChat, ensureGlobalWebSocket } from '@chatgate/rpc-client';
import websocket from '@fastify/websocket';
import { newWebSocketRpcSession, type RpcStub, RpcTarget } from 'capnweb';
import Fastify from 'fastify';
import { onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { type RpcGatewayOptions, rpcGateway } from '../src/plugin.js';

export const WAIT_MS = 5000;

export interface TestServer {
  room: Room;
  gate: ConnectionGate | undefined;
  /** ws://127.0.0.1:PORT/rpc/ws */
  url: string;
  /** http://127.0.0.1:PORT/rpc */
  batchUrl: string;
}

/** Fastify on an ephemeral loopback port with @fastify/websocket, the gateway and a Room. */
export async function startServer(
  options: Partial<RpcGatewayOptions> & { roomOptions?: RoomOptions; maxPayload?: number } = {},
): Promise<TestServer> {
  await ensureGlobalWebSocket();
  const { roomOptions, maxPayload, ...gatewayOptions } = options;
  const room = options.room ?? new Room(roomOptions);
  const app = Fastify();
  onTestFinished(async () => {
    await room.close('shutdown');
    await app.close();
  });
  await app.register(websocket, {
    options: { maxPayload: maxPayload ?? 1024 * 1024 },
    errorHandler: createWebSocketErrorHandler(noopLogger),
  });
  await app.register(rpcGateway, { ...gatewayOptions, room });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    room,
    gate: options.gate,
    url: `ws://127.0.0.1:${address.port}${options.path ?? '/rpc/ws'}`,
    batchUrl: `http://127.0.0.1:${address.port}/rpc`,
  };
}

/** Resolves with the first value `take` returns that is not undefined, or rejects after `ms`. */
export function waitFor<T>(
  subscribe: (check: () => void) => () => void,
  take: () => T | undefined,
  what: string,
  ms = WAIT_MS,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const check = () => {
      const value = take();
      if (value === undefined) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    };
    unsubscribe = subscribe(check);
    check();
  });
}

type InboxMode = 'record' | 'throw' | 'hang';

/** A client-side callback (what the capnweb-python client passes to join) that records. */
export class Inbox extends RpcTarget {
  readonly messages: ChatMessage[] = [];
  disposed = false;
  #listeners = new Set<() => void>();
  #mode: InboxMode;

  constructor(mode: InboxMode = 'record') {
    super();
    this.#mode = mode;
  }

  onMessage(message: ChatMessage): void | Promise<void> {
    this.messages.push(message);
    this.#notify();
    if (this.#mode === 'throw') throw new Error('callback exploded');
    if (this.#mode === 'hang') return new Promise(() => {});
  }

  [Symbol.dispose](): void {
    this.disposed = true;
    this.#notify();
  }

  /** The first message (already received or next) whose text matches. */
  next(text: string | RegExp, ms = WAIT_MS): Promise<ChatMessage> {
    const matches = (m: ChatMessage) =>
      typeof text === 'string' ? m.text === text : text.test(m.text);
    return waitFor(
      (check) => this.#subscribe(check),
      () => this.messages.find(matches),
      `message ${String(text)}`,
      ms,
    );
  }

  /** Resolves once the server has released its reference to this callback. */
  whenDisposed(ms = WAIT_MS): Promise<true> {
    return waitFor(
      (check) => this.#subscribe(check),
      () => (this.disposed ? true : undefined),
      'callback disposal',
      ms,
    );
  }

  texts(): string[] {
    return this.messages.map((m) => m.text);
  }

  #subscribe(check: () => void): () => void {
    this.#listeners.add(check);
    return () => this.#listeners.delete(check);
  }

  #notify(): void {
    for (const listener of Array.from(this.#listeners)) listener();
  }
}

export interface TestClient {
  api: RpcStub<ChatGatewayApi>;
  socket: WebSocket;
  /** Resolves with the close code once the socket closes. */
  closed: Promise<number>;
}

/** The npm capnweb client over a ws socket we hold (so tests can terminate it). */
export function openClient(url: string): TestClient {
  const socket = new WebSocket(url);
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  const api = newWebSocketRpcSession<ChatGatewayApi>(socket as unknown as globalThis.WebSocket);
  onTestFinished(() => {
    socket.terminate();
  });
  return { api, socket, closed };
}

/** Joins with the original API and returns the client and its inbox. */
export async function joinAs(url: string, name: string, inbox = new Inbox()) {
  const client = openClient(url);
  const welcome = await client.api.join(name, inbox);
  return { ...client, inbox, welcome };
}

/** A logger that records every line with the bindings of the child it came from. */
export class RecordingLogger implements Logger {
  constructor(
    readonly lines: Array<{ level: string; bindings: Record<string, unknown>; msg?: string }> = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}
  debug(_obj: object, msg?: string) {
    this.lines.push({ level: 'debug', bindings: this.bindings, msg });
  }
  info(_obj: object, msg?: string) {
    this.lines.push({ level: 'info', bindings: this.bindings, msg });
  }
  warn(_obj: object, msg?: string) {
    this.lines.push({ level: 'warn', bindings: this.bindings, msg });
  }
  error(_obj: object, msg?: string) {
    this.lines.push({ level: 'error', bindings: this.bindings, msg });
  }
  child(bindings: Record<string, unknown>): Logger {
    return new RecordingLogger(this.lines, { ...this.bindings, ...bindings });
  }
}

/** A member of some other transport, in process: it records what the room gives it. */
export class OtherTransportSession implements Session<null> {
  readonly dialect = { name: 'other', encode: () => null };
  readonly bufferedBytes = 0;
  readonly events: RoomEvent[] = [];
  #listeners = new Set<() => void>();

  deliver(event: RoomEvent, _frame: null, _self: Member): void {
    this.events.push(event);
    for (const listener of Array.from(this.#listeners)) listener();
  }

  close(_reason: DisconnectReason): void {}

  next(match: (event: RoomEvent) => boolean, what: string): Promise<RoomEvent> {
    return waitFor(
      (check) => {
        this.#listeners.add(check);
        return () => this.#listeners.delete(check);
      },
      () => this.events.find(match),
      what,
    );
  }
}

/** A connectChat member whose messages are recorded (`next` waits for one), closed after the test. */
export async function recordingMember(
  url: string,
  name: string,
  resume?: { token: string; epoch: string; seq: number },
) {
  const messages: ChatMessage[] = [];
  const listeners = new Set<() => void>();
  const client = await connectChat(url, {
    name,
    onMessage: (message) => {
      messages.push(message);
      for (const check of [...listeners]) check();
    },
    ...(resume === undefined ? {} : { resume }),
  });
  onTestFinished(() => client.close());
  const next = (pick: (m: ChatMessage) => boolean, what: string) =>
    waitFor(
      (check) => {
        listeners.add(check);
        return () => listeners.delete(check);
      },
      () => messages.find(pick),
      what,
    );
  return { client, messages, next };
}
