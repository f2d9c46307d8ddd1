import { rootCertificates } from 'node:tls';
import type { ConnectionOptions } from '../chat-connection.js';

/** TLS options trusting `ca` on top of the system roots (a bare `ca` would replace them). */
export function withCa(options: ConnectionOptions): { ca?: Array<string | Buffer> } {
  return options.ca === undefined ? {} : { ca: [...rootCertificates, options.ca] };
}

let lastSocketError: string | undefined;

/** Why the last RPC WebSocket failed (capnweb reports only "WebSocket connection failed."). */
export function lastRpcSocketError(): string | undefined {
  return lastSocketError;
}

/**
 * capnweb opens its socket with `new globalThis.WebSocket(url)`, which takes no TLS options
 * and hides the cause of a failure. Install ws's class with `ca` built in and the cause kept,
 * before the RPC client would install the plain one.
 */
export async function installRpcWebSocket(options: ConnectionOptions): Promise<void> {
  const { WebSocket } = await import('ws');
  const tls = withCa(options);
  class ClientWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, tls);
      this.on('error', (err: Error) => {
        lastSocketError = err.message;
      });
    }
  }
  (globalThis as { WebSocket?: unknown }).WebSocket = ClientWebSocket;
}
