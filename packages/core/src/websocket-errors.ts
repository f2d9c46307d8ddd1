import type { Logger } from './log.js';

/** The part of a `ws` WebSocket this needs. */
export interface Terminable {
  terminate(): void;
}

/** True for `ws`'s WS_ERR_* codes: a client broke the protocol (bad UTF-8, over-size…). */
export function isClientProtocolError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('WS_ERR_');
}

/**
 * An errorHandler for @fastify/websocket. On a client's protocol error `ws` has already sent
 * the close frame with the right code (1007, 1009…) and ends the socket itself (bounded by its
 * close timeout); terminating here would reset the connection before the client reads that
 * frame, so the client would see 1006. Anything else is our bug: log it and terminate.
 */
export function createWebSocketErrorHandler(log: Logger): (err: Error, socket: Terminable) => void {
  return (err, socket) => {
    if (isClientProtocolError(err)) {
      log.warn({ err: err.message }, 'websocket client error');
      return;
    }
    log.error({ err }, 'websocket handler failed');
    socket.terminate();
  };
}

/** The parts of a `ws` WebSocket and its socket that `releaseUpgrade` touches. */
interface UpgradedSocket extends Terminable {
  removeAllListeners(event: 'error'): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  /** ws's socket (not public API, stable across ws 8). */
  _socket?: { _httpMessage?: { detachSocket?(socket: unknown): void } | null } | null;
}

/**
 * Lets go of the HTTP upgrade once a WebSocket is open. @fastify/websocket's 'error' listener
 * closes over the upgrade's Fastify request and reply, and the socket keeps the HTTP response
 * it was assigned (which keeps the request and its headers): about 3 KB per connection for as
 * long as it is open (bench README, "Where an idle member's bytes go"). This puts `onError` in
 * that listener's place (the same job, without them) and detaches the response.
 */
export function releaseUpgrade(ws: UpgradedSocket, onError: (err: Error) => void): void {
  ws.removeAllListeners('error');
  ws.on('error', onError);
  const socket = ws._socket;
  const response = socket?._httpMessage;
  if (socket && response) {
    response.detachSocket?.(socket);
    socket._httpMessage = null;
  }
}
