import { type Logger, lazyChild, type Room, type TokenVerifier } from '@chatgate/core';
import {
  ConnectionGate,
  createWebSocketErrorHandler,
  DeadlineQueue,
  Heartbeat,
  releaseUpgrade,
} from '@chatgate/core/transport';
import type {} from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { CLOSE_TRY_AGAIN_LATER } from './close-codes.js';
import { JsonDialect, jsonDialect } from './json-dialect.js';
import { registerPage } from './page.js';
import { encodeError } from './protocol.js';
import { type GatewayContext, WsSession } from './ws-session.js';

export interface WsGatewayOptions {
  /** The room every connection joins. */
  room: Room;
  /** Admission control shared with the server's other listeners (label `ws`). Default: a
   *  private gate with core's defaults (10,000 total, 64 per address, 30 s name timeout). */
  gate?: ConnectionGate;
  /** pino-compatible logger; default the Fastify instance's logger. */
  logger?: Logger;
  /** Names need a token that this verifier accepts (connect's `token`). Default: anonymous. */
  tokens?: TokenVerifier;
  /** Called once per connection refused for a missing, invalid or expired token. */
  onAuthRefused?: () => void;
  /** WebSocket route; `${path}/:username` is the group_terminal route. Default `/ws`. */
  path?: string;
  /** Largest client message in bytes; larger closes with 1009. Default 65536. */
  maxPayloadBytes?: number;
  /** Public messages replayed to a member as it joins. Default 50; 0 turns replay off. */
  historyReplay?: number;
  /**
   * Rooms larger than this get counts instead of names: the welcome carries `count` without
   * `users`, and joins and leaves arrive as one `presence` count frame per flush. Default 500.
   */
  presenceListMax?: number;
  /** Ping interval; a peer that misses a ping is dropped by the next one. Default 30000; 0 off. */
  heartbeatMs?: number;
  /** Serve the browser client at `/`. Default true. */
  servePage?: boolean;
}

export const DEFAULT_PATH = '/ws';
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;
export const DEFAULT_HISTORY_REPLAY = 50;
export const DEFAULT_HEARTBEAT_MS = 30_000;
/** How long a peer gets to answer our close frame before its socket is destroyed. */
export const CLOSE_GRACE_MS = 2_000;

let connectionCounter = 0;

function terminateIfOpen(ws: WebSocket): void {
  if (ws.readyState !== ws.CLOSED) ws.terminate();
}

function noop(): void {}

function upgradeRequired(_request: FastifyRequest, reply: FastifyReply): void {
  reply
    .code(426)
    .header('upgrade', 'websocket')
    .type('text/plain; charset=utf-8')
    .send('This is a WebSocket endpoint.\n');
}

async function wsGatewayPlugin(fastify: FastifyInstance, options: WsGatewayOptions): Promise<void> {
  const { room } = options;
  if (room === undefined || room === null)
    throw new TypeError('@chatgate/ws-gateway: room is required');
  const gate = options.gate ?? new ConnectionGate();
  const log: Logger = options.logger ?? (fastify.log as unknown as Logger);
  const path = options.path ?? DEFAULT_PATH;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;

  const ctx: GatewayContext = {
    room,
    maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    historyReplay: options.historyReplay ?? DEFAULT_HISTORY_REPLAY,
    nameDeadlines: new DeadlineQueue<WsSession>(gate.options.nameTimeoutMs, (session) =>
      session.nameTimedOut(),
    ),
    closeDeadlines: new DeadlineQueue<WebSocket>(CLOSE_GRACE_MS, terminateIfOpen),
    heartbeat: heartbeatMs > 0 ? new Heartbeat<WsSession>(heartbeatMs) : null,
    sessions: new Set(),
    dialect:
      options.presenceListMax === undefined
        ? jsonDialect
        : new JsonDialect({ presenceListMax: options.presenceListMax }),
    tokens: options.tokens ?? null,
    authRefused: options.onAuthRefused ?? (() => {}),
  };

  const wsErrors = createWebSocketErrorHandler(log);
  // Shared by every socket (`this` is the socket): a connection costs no closure here.
  function onWsError(this: WebSocket, err: Error): void {
    wsErrors(err, this);
  }

  const accept = (ws: WebSocket, request: FastifyRequest, pathName: string | undefined) => {
    const remote = request.ip;
    releaseUpgrade(ws, onWsError);
    const conn = `ws-${++connectionCounter}`;
    const connLog = lazyChild(log, { conn, transport: 'ws', dialect: 'json', remote });
    const admitted = gate.admit(remote, 'ws');
    if (!admitted.ok) {
      // Refused before joining: say why in a frame (group_terminal prints `message`), then close.
      ws.on('error', noop);
      connLog.warn({ reason: admitted.reason }, 'connection refused');
      ws.send(encodeError('server_busy', admitted.reason));
      ws.close(CLOSE_TRY_AGAIN_LATER, 'server busy');
      ctx.closeDeadlines.add(ws);
      return;
    }
    WsSession.accept(ws, ctx, { log: connLog, pathName, release: admitted.release });
  };

  fastify.route({
    method: 'GET',
    url: path,
    handler: upgradeRequired,
    wsHandler: (ws, request) => accept(ws, request, undefined),
  });
  fastify.route<{ Params: { username: string } }>({
    method: 'GET',
    url: `${path}/:username`,
    handler: upgradeRequired,
    wsHandler: (ws, request) => accept(ws, request, request.params.username),
  });

  if (options.servePage ?? true) registerPage(fastify, `${fastify.prefix}${path}`);

  // Going down: tell our clients (1001 `shutdown`) before @fastify/websocket's own preClose.
  fastify.addHook('preClose', async () => {
    for (const session of ctx.sessions) session.close('shutdown');
  });
  fastify.addHook('onClose', async () => {
    ctx.heartbeat?.stop();
    ctx.nameDeadlines.stop();
    for (const session of ctx.sessions) session.close('shutdown');
  });
}

/**
 * The WebSocket gateway as a Fastify plugin: `GET ${path}` and `GET ${path}/:username` speak the
 * JSON protocol (see README), `GET /` serves the browser client. Register @fastify/websocket first.
 */
export const wsGateway = fp(wsGatewayPlugin, {
  fastify: '5.x',
  name: '@chatgate/ws-gateway',
  dependencies: ['@fastify/websocket'],
  encapsulate: true,
});
