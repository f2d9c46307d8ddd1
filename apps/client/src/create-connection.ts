import type { Transport } from './args.js';
import type { ChatConnection, ConnectionHandlers, ConnectionOptions } from './chat-connection.js';
import { RpcConnection } from './transports/rpc-connection.js';
import { TcpConnection } from './transports/tcp-connection.js';
import { WsConnection } from './transports/ws-connection.js';

/** A connection over `transport` to `url` (not yet joined). */
export function createConnection(
  transport: Transport,
  url: string,
  handlers: ConnectionHandlers,
  options: ConnectionOptions = {},
): ChatConnection {
  switch (transport) {
    case 'rpc':
      return new RpcConnection(url, handlers, options);
    case 'ws':
      return new WsConnection(url, handlers, options);
    case 'tcp':
      return new TcpConnection(url, handlers, options);
  }
}
