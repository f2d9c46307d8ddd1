/**
 * The WebSocket ceiling: the minimal `ws` broadcast server a Node developer would write.
 * Each message is sent to every other open client, one `send` per recipient.
 */
import { WebSocketServer } from 'ws';
import { announceListening, isMain, parseListenFlags, type RunningServer } from './listening.js';

export function startRawWsServer(host: string): Promise<RunningServer> {
  const wss = new WebSocketServer({ host, port: 0, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      for (const client of wss.clients) {
        if (client !== ws && client.readyState === client.OPEN) {
          client.send(data, { binary: isBinary });
        }
      }
    });
  });
  return new Promise((resolve, reject) => {
    wss.once('error', reject);
    wss.once('listening', () => {
      const address = wss.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      resolve({
        port,
        close: () =>
          new Promise((done) => {
            for (const client of wss.clients) client.terminate();
            wss.close(() => done());
          }),
      });
    });
  });
}

if (isMain(import.meta.url)) {
  const { host } = parseListenFlags(process.argv.slice(2));
  const server = await startRawWsServer(host);
  announceListening({ http: server.port });
  process.on('SIGTERM', () => process.exit(0));
}
