import { type Logger, lazyChild, type Room, type TokenVerifier } from '@chatgate/core';
import {
  type ConnectionGate,
  createWebSocketErrorHandler,
  DEFAULT_CONNECTION_LIMITS,
  DeadlineQueue,
  Heartbeat,
  releaseUpgrade,
} from '@chatgate/core/transport';
import { ensureGlobalWebSocket } from '@chatgate/rpc-client';
// Type-only: brings @fastify/websocket's route augmentation ({ websocket: true }).
import type {} from '@fastify/websocket';
import { RpcSession, type RpcSessionOptions } from 'capnweb';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { registerBatchEndpoint } from './batch-endpoint.js';
import { ChatApi } from './chat-api.js';
import { type AdmitMember, RpcConnection } from './rpc-connection.js';
import { SocketTransport } from './socket-transport.js';
import { startSweeper, sweepInterval } from './sweeper.js';

export interface RpcGatewayOptions {
  /** The room RPC members join. */
  room: Room;
  /** Names need a token this verifier accepts: join's/connect's `{token}`. Default: anonymous. */
  tokens?: TokenVerifier;
  /** Called once per join refused for its token. */
  onAuthRefused?: () => void;
  /**
   * Shared connection caps (label `rpc`); its `nameTimeoutMs` closes memberless sockets. Each
   * member past a connection's first takes one more slot, so the per-address cap counts
   * members.
   */
  gate?: ConnectionGate;
  /** pino-compatible; defaults to Fastify's logger. */
  logger?: Logger;
  /** WebSocket endpoint. */
  path?: string;
  /** HTTP batch endpoint for `listUsers` and `getHistory`; `false` turns it off. */
  batchPath?: string | false;
  /** A callback call unanswered this long drops its member (`timeout`). */
  callbackTimeoutMs?: number;
  /** Largest incoming RPC message, in UTF-16 code units; larger closes with 1009. */
  maxMessageSize?: number;
  /** Deepest nesting of an incoming RPC message. */
  maxDepth?: number;
  /** Members one connection may hold at once (`join` plus `connect`). */
  maxMembersPerConnection?: number;
  /**
   * Calls a WebSocket session may have in flight or answered but not released; past it the
   * session is closed with 1008. Each result held costs memory until the client releases it.
   */
  maxCallsInFlight?: number;
  /** Calls one incoming message may start (capnweb evaluates nested calls in arguments). */
  maxCallsPerMessage?: number;
  /** Calls one HTTP batch may make; more is refused with 400. */
  maxBatchCalls?: number;
  /** Bytes of one HTTP batch's answer; more is refused with 413. */
  maxBatchResponseBytes?: number;
  /** Let any web page read the batch endpoint (`Access-Control-Allow-Origin: *`). */
  batchCors?: boolean;
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
  maxCallsInFlight: 128,
  maxCallsPerMessage: 16,
  maxBatchCalls: 64,
  maxBatchResponseBytes: 1024 * 1024,
  batchCors: false,
  heartbeatMs: 30_000,
});

/** Try Again Later: the connection caps refused this socket. */
const CLOSE_REFUSED = 1013;

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

function onJoinTimeout(connection: RpcConnection): void {
  connection.joinTimedOut();
}

const ADMIT_ALWAYS: AdmitMember = () => ({ ok: true, release: () => {} });

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
    epochMs: sweepInterval([callbackTimeoutMs]),
    maxMembersPerConnection:
      options.maxMembersPerConnection ?? RPC_DEFAULTS.maxMembersPerConnection,
    maxCallsPerMessage: options.maxCallsPerMessage ?? RPC_DEFAULTS.maxCallsPerMessage,
    tokens: options.tokens ?? null,
    authRefused: options.onAuthRefused ?? (() => {}),
  };
  const maxMessageSize = options.maxMessageSize ?? RPC_DEFAULTS.maxMessageSize;
  const transportLimits = {
    maxMessageSize,
    maxCallsInFlight: options.maxCallsInFlight ?? RPC_DEFAULTS.maxCallsInFlight,
    maxBufferedBytes: room.limits.maxBufferedBytes,
  };
  const sessionOptions: RpcSessionOptions = {
    limits: { maxMessageSize, maxDepth: options.maxDepth ?? RPC_DEFAULTS.maxDepth },
  };
  const open = new Set<RpcConnection>();
  // The same deadline and heartbeat mechanisms as the other gateways (core's transport toolkit).
  const joinDeadlines = new DeadlineQueue<RpcConnection>(joinTimeoutMs, onJoinTimeout);
  const heartbeatMs = options.heartbeatMs ?? RPC_DEFAULTS.heartbeatMs;
  const heartbeat = heartbeatMs > 0 ? new Heartbeat<RpcConnection>(heartbeatMs) : null;

  const wsErrors = createWebSocketErrorHandler(log);
  // Shared by every socket (`this` is the socket): what @fastify/websocket's listener did,
  // without keeping the upgrade's request and reply alive (core's releaseUpgrade).
  function onUpgradedSocketError(this: WebSocket, err: Error): void {
    onSocketError.call(this, err);
    wsErrors(err, this);
  }

  app.get(options.path ?? RPC_DEFAULTS.path, { websocket: true }, (socket, request) => {
    releaseUpgrade(socket, onUpgradedSocketError);
    const remote = request.ip;
    const admitted = gate?.admit(remote, 'rpc') ?? { ok: true as const, release: () => {} };
    if (!admitted.ok) {
      log.warn({ transport: 'rpc', remote, reason: admitted.reason }, 'connection refused');
      socket.close(CLOSE_REFUSED, admitted.reason);
      return;
    }
    const connLog = lazyChild(log, { conn: ++connectionCounter, transport: 'rpc', remote });
    const admitMember: AdmitMember =
      gate === undefined ? ADMIT_ALWAYS : () => gate.admit(remote, 'rpc:extra-member');
    const connection = new RpcConnection(
      socket,
      room,
      connLog,
      connectionOptions,
      () => {
        open.delete(connection);
        heartbeat?.delete(connection);
        admitted.release();
      },
      joinDeadlines,
      admitMember,
    );
    connections.set(socket, connection);
    open.add(connection);
    heartbeat?.add(connection);
    socket.on('close', onSocketClose);
    socket.on('pong', onSocketPong);
    connLog.info({}, 'connected');
    const transport = new SocketTransport(socket, connection, transportLimits);
    transport.attach(new RpcSession(transport, new ChatApi(connection), sessionOptions));
  });

  const batchPath = options.batchPath ?? RPC_DEFAULTS.batchPath;
  if (batchPath !== false) {
    registerBatchEndpoint(
      app,
      room,
      {
        path: batchPath,
        maxCalls: options.maxBatchCalls ?? RPC_DEFAULTS.maxBatchCalls,
        maxResponseBytes: options.maxBatchResponseBytes ?? RPC_DEFAULTS.maxBatchResponseBytes,
        bodyLimit: maxMessageSize * 3,
        cors: options.batchCors ?? RPC_DEFAULTS.batchCors,
        sessionOptions,
      },
      log,
    );
  }

  const stopSweeper = startSweeper(open, { callbackTimeoutMs });
  app.addHook('onClose', async () => {
    stopSweeper();
    heartbeat?.stop();
    joinDeadlines.stop();
  });
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
