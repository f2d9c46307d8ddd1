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
