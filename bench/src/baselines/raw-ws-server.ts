/**
 * The WebSocket ceiling: the minimal `ws` broadcast server a Node developer would write.
 * Each text message is sent to every other open client, one `send` per recipient.
 */
import { WebSocketServer } from 'ws';
import { announceListening, parseListenFlags } from './listening.js';

const { host } = parseListenFlags(process.argv.slice(2));
const wss = new WebSocketServer({ host, port: 0, perMessageDeflate: false });

wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    for (const client of wss.clients) {
      if (client !== ws && client.readyState === client.OPEN) client.send(data, { binary: isBinary });
    }
  });
});
wss.on('listening', () => {
  const address = wss.address();
  if (typeof address === 'object' && address !== null) announceListening({ http: address.port });
});
process.on('SIGTERM', () => process.exit(0));
