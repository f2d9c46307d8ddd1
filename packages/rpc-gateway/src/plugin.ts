import { type Logger, lazyChild, type Room } from '@chatgate/core';
import { type ConnectionGate, DEFAULT_CONNECTION_LIMITS } from '@chatgate/core/transport';
// Type-only: brings @fastify/websocket's route augmentation ({ websocket: true }).
import type {} from '@fastify/websocket';
import { newHttpBatchRpcResponse, newWebSocketRpcSession, type RpcSessionOptions } from 'capnweb';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { ChatApi, ChatReadTarget } from './chat-api.js';
import { RpcConnection } from './rpc-connection.js';
import { ensureGlobalWebSocket } from './websocket-shim.js';

export interface RpcGatewayOptions {
  /** The room RPC members join. */
  room: Room;
  /** Shared connection caps (label `rpc`); its `nameTimeoutMs` closes memberless sockets. */
  gate?: ConnectionGate;
  /** pino-compatible; defaults to Fastify's logger. */
  logger?: Logger;
  /** WebSocket endpoint. */
  path?: string;
  /** HTTP batch endpoint for `listUsers` and `getHistory`; `false` turns it off. */
  batchPath?: string | false;
  /** A callback call unanswered this long drops its member (`timeout`). */
  callbackTimeoutMs?: number;
  /** Largest incoming RPC message, in UTF-16 code units (capnweb checks before parsing). */
  maxMessageSize?: number;
  /** Deepest nesting of an incoming RPC message. */
  maxDepth?: number;
  /** Members one connection may hold at once (`join` plus `connect`). */
  maxMembersPerConnection?: number;
  /** A connection without a member is closed after this long (default: the gate's). */
  joinTimeoutMs?: number;
  /** Ping interval; a socket that has not answered by the next ping is dropped. 0: off. */
  heartbeatMs?: number;
}

export const RPC_DEFAULTS = Object.freeze({
  path: '/rpc/ws',
  batchPath: '/rpc',
  callbackTimeoutMs: 10_000,
  maxMessageSize: 64 * 1024,
  maxDepth: 64,
  maxMembersPerConnection: 8,
  heartbeatMs: 30_000,
});

/** The longest the sweep for silent callbacks and idle connections sleeps. */
const MAX_SWEEP_MS = 1000;

/** Try Again Later: the connection caps refused this socket. */
const CLOSE_REFUSED = 1013;
const CLOSE_POLICY = 1008;

let connectionCounter = 0;

/** Each socket's connection, so one shared listener per event serves every socket. */
const connections = new WeakMap<WebSocket, RpcConnection>();

function onSocketClose(this: WebSocket, code: number): void {
  const connection = connections.get(this);
  if (connection === undefined) return;
  connection.log.info({ code }, 'disconnected');
  connection.onSocketClosed();
}

function onSocketPong(this: WebSocket): void {
  const connection = connections.get(this);
  if (connection !== undefined) connection.alive = true;
}

function onSocketError(this: WebSocket, err: Error): void {
  connections.get(this)?.log.debug({ err }, 'socket error');
}

async function rpcGatewayPlugin(app: FastifyInstance, options: RpcGatewayOptions): Promise<void> {
  const room = options.room;
  if (room === undefined) throw new Error('@chatgate/rpc-gateway: the `room` option is required');
  await ensureGlobalWebSocket();

  const log = options.logger ?? (app.log as unknown as Logger);
  const gate = options.gate;
  const callbackTimeoutMs = options.callbackTimeoutMs ?? RPC_DEFAULTS.callbackTimeoutMs;
  const joinTimeoutMs =
    options.joinTimeoutMs ?? gate?.options.nameTimeoutMs ?? DEFAULT_CONNECTION_LIMITS.nameTimeoutMs;
  const connectionOptions = {
    callbackTimeoutMs,
    epochMs: Math.max(10, Math.min(MAX_SWEEP_MS, Math.floor(callbackTimeoutMs / 4))),
    maxMembersPerConnection:
      options.maxMembersPerConnection ?? RPC_DEFAULTS.maxMembersPerConnection,
  };
  const maxMessageSize = options.maxMessageSize ?? RPC_DEFAULTS.maxMessageSize;
  const sessionOptions: RpcSessionOptions = {
    limits: { maxMessageSize, maxDepth: options.maxDepth ?? RPC_DEFAULTS.maxDepth },
  };
  const open = new Set<RpcConnection>();

  app.get(options.path ?? RPC_DEFAULTS.path, { websocket: true }, (socket, request) => {
    socket.on('error', onSocketError);
    const remote = request.ip;
    const admitted = gate?.admit(remote, 'rpc') ?? { ok: true as const, release: () => {} };
    if (!admitted.ok) {
      log.warn({ transport: 'rpc', remote, reason: admitted.reason }, 'connection refused');
      socket.close(CLOSE_REFUSED, admitted.reason);
      return;
    }
    const connLog = lazyChild(log, { conn: ++connectionCounter, transport: 'rpc', remote });
    const connection = new RpcConnection(
      socket,
      room,
      connLog,
      connectionOptions,
      () => {
        open.delete(connection);
        admitted.release();
      },
      Date.now(),
    );
    connections.set(socket, connection);
    open.add(connection);
    socket.on('close', onSocketClose);
    socket.on('pong', onSocketPong);
    connLog.info({}, 'connected');
    // capnweb's own types for WebSocket are the DOM's; ws's class is compatible at runtime.
    newWebSocketRpcSession(socket as unknown as globalThis.WebSocket, new ChatApi(connection), {
      ...sessionOptions,
    });
  });

  const batchPath = options.batchPath ?? RPC_DEFAULTS.batchPath;
  if (batchPath !== false) {
    // Encapsulated (see `encapsulate: true` below): these parsers apply to this plugin only.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
      done(null, body);
    });
    const readApi = new ChatReadTarget(room);
    app.post(batchPath, { bodyLimit: maxMessageSize * 3 }, async (request, reply) =>
      answerBatch(request, reply, readApi, sessionOptions, log),
    );
  }

  // One sweep for every connection: dead peers, silent callbacks and memberless sockets. No
  // timer per socket or per call.
  const heartbeatMs = options.heartbeatMs ?? RPC_DEFAULTS.heartbeatMs;
  const periods = [callbackTimeoutMs, joinTimeoutMs, ...(heartbeatMs > 0 ? [heartbeatMs] : [])];
  const sweepMs = Math.max(10, Math.min(MAX_SWEEP_MS, Math.floor(Math.min(...periods) / 4)));
  let lastHeartbeat = Date.now();
  const sweeper = setInterval(() => {
    const now = Date.now();
    const beat = heartbeatMs > 0 && now - lastHeartbeat >= heartbeatMs;
    if (beat) lastHeartbeat = now;
    for (const connection of open) {
      if (beat) {
        if (!connection.alive) {
          connection.log.info({ heartbeatMs }, 'no answer to ping; dropping the connection');
          connection.drop('timeout');
          continue;
        }
        connection.ping();
      }
      if (connection.members.size === 0) {
        if (now - connection.memberlessSince > joinTimeoutMs) {
          connection.log.info({}, 'closing a connection that joined no one');
          connection.close(CLOSE_POLICY, 'join timeout');
        }
        continue;
      }
      for (const session of connection.members) {
        if (!session.expired(now)) continue;
        session.member?.log.warn(
          { pending: session.pendingCalls, timeoutMs: callbackTimeoutMs },
          'callback did not answer; dropping the member',
        );
        void session.member?.disconnect('timeout');
      }
    }
  }, sweepMs);
  sweeper.unref();
  app.addHook('onClose', async () => {
    clearInterval(sweeper);
  });
}

async function answerBatch(
  request: FastifyRequest,
  reply: FastifyReply,
  readApi: ChatReadTarget,
  sessionOptions: RpcSessionOptions,
  log: Logger,
): Promise<string> {
  const body = typeof request.body === 'string' ? request.body : '';
  let response: Response;
  try {
    response = await newHttpBatchRpcResponse(
      new Request('http://rpc.invalid/', { method: 'POST', body }),
      readApi,
      sessionOptions,
    );
  } catch (err) {
    log.debug({ err, transport: 'rpc', remote: request.ip }, 'bad rpc batch');
    reply.code(400).type('text/plain; charset=utf-8');
    return 'Bad RPC batch';
  }
  reply
    .code(response.status)
    .type('text/plain; charset=utf-8')
    // Read-only public data, and WebSockets are cross-origin anyway.
    .header('access-control-allow-origin', '*');
  return response.text();
}

/**
 * Cap'n Web RPC for chatgate: a WebSocket endpoint (default `/rpc/ws`) whose main object has
 * the capnweb-python chat example's API plus `connect`, and an HTTP batch endpoint (default
 * `/rpc`) for the read-only calls. Needs `@fastify/websocket` registered first.
 */
export const rpcGateway = fp(rpcGatewayPlugin, {
  name: '@chatgate/rpc-gateway',
  fastify: '5.x',
  dependencies: ['@fastify/websocket'],
  encapsulate: true,
});
