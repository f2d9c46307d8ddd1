/**
 * capnweb uses the global `WebSocket` (even server-side, for its ready-state constants), which
 * Node 20 lacks. Installs `ws`'s class once, only when absent; `ws` is loaded lazily so
 * browser bundles of the client helper never pull it in.
 */
export async function ensureGlobalWebSocket(): Promise<void> {
  if (typeof globalThis.WebSocket !== 'undefined') return;
  const { WebSocket } = await import('ws');
  if (typeof globalThis.WebSocket === 'undefined') {
    (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  }
}
