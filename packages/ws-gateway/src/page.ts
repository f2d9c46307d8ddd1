import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** The browser client's files, next to `src/` and `dist/` alike, so both find them. */
const PUBLIC_DIR = new URL('../public/', import.meta.url);

/** Where the page's script and stylesheet are served, under the plugin's prefix. */
export const ASSET_DIR = '/chatgate';

// Data only via textContent in the page; the CSP makes injected markup inert even if a bug
// slipped through.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function readPublic(name: string): string {
  return readFileSync(new URL(name, PUBLIC_DIR), 'utf8');
}

/**
 * Serves the browser client: `GET /` (HTML, told the WebSocket path) and its script,
 * stylesheet and icon. Files are read once, at registration; nothing is built at serve time.
 */
export function registerPage(fastify: FastifyInstance, wsPath: string): void {
  const assets = `${fastify.prefix}${ASSET_DIR}`;
  const html = readPublic('index.html')
    .replaceAll('{{WS_PATH}}', escapeAttribute(wsPath))
    .replaceAll('{{ASSETS}}', escapeAttribute(assets));
  const files: Array<[string, string, string]> = [
    ['/', 'text/html; charset=utf-8', html],
    [`${ASSET_DIR}/client.js`, 'text/javascript; charset=utf-8', readPublic('client.js')],
    [`${ASSET_DIR}/style.css`, 'text/css; charset=utf-8', readPublic('style.css')],
    [`${ASSET_DIR}/favicon.svg`, 'image/svg+xml', readPublic('favicon.svg')],
  ];
  for (const [url, type, body] of files) {
    fastify.get(url, (_request, reply) => {
      reply.headers(SECURITY_HEADERS).type(type).send(body);
    });
  }
}
