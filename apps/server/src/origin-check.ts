import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/**
 * Whether a browser page at `origin` may open a WebSocket here: the server's own origin (the
 * Origin's host is the request's Host), any of `allowed`, or anything when `allowed` has `*`.
 * Host is compared, not scheme: behind a TLS-terminating proxy the page is https and we are not.
 */
export function isAllowedOrigin(
  origin: string,
  host: string | undefined,
  allowed: string[],
): boolean {
  if (allowed.includes('*')) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin === 'null') return false;
  if (allowed.includes(url.origin)) return true;
  return host !== undefined && url.host === stripDefaultPort(host.toLowerCase(), url.protocol);
}

function stripDefaultPort(host: string, protocol: string): string {
  const port = protocol === 'https:' || protocol === 'wss:' ? ':443' : ':80';
  return host.endsWith(port) ? host.slice(0, -port.length) : host;
}

/**
 * An onRequest hook for every route of an app: a WebSocket upgrade (the /ws and /rpc/ws
 * routes) whose Origin is not allowed gets HTTP 403 before the upgrade. Requests without an
 * Origin (non-browser clients, which could send any Origin anyway) pass: the check protects
 * browsers' visitors from cross-site WebSocket hijacking, it does not authenticate.
 */
export function createOriginCheck(allowed: string[], refused: (origin: string) => void) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const origin = request.headers.origin;
    if (
      origin === undefined ||
      request.headers.upgrade?.toLowerCase() !== 'websocket' ||
      isAllowedOrigin(origin, request.headers.host, allowed)
    ) {
      done();
      return;
    }
    refused(origin);
    request.log.warn({ origin, remote: request.ip, url: request.url }, 'origin refused');
    // The upgrade socket is no longer the HTTP server's: nothing would close it after the 403.
    const socket = request.raw.socket;
    reply.raw.once('finish', () => {
      socket.end();
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    });
    reply
      .code(403)
      .header('connection', 'close')
      .type('text/plain; charset=utf-8')
      .send('Origin not allowed\n');
  };
}

/** How long a refused client may take to read the 403 before its socket is destroyed. */
const CLOSE_GRACE_MS = 2000;
