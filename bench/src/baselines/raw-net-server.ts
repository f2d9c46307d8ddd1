/**
 * The line TCP ceiling: the minimal `net` broadcast server a Node developer would write.
 * Each complete line is written to every other socket, one `write` per recipient.
 */
import net from 'node:net';
import { announceListening, isMain, parseListenFlags, type RunningServer } from './listening.js';

export function startRawNetServer(host: string): Promise<RunningServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    let pending: Buffer | null = null;
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      const data = pending === null ? chunk : Buffer.concat([pending, chunk]);
      let start = 0;
      for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, start)) {
        const line = data.subarray(start, nl + 1);
        for (const other of sockets) if (other !== socket) other.write(line);
        start = nl + 1;
      }
      pending = start < data.length ? data.subarray(start) : null;
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      resolve({
        port,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

if (isMain(import.meta.url)) {
  const { host } = parseListenFlags(process.argv.slice(2));
  const server = await startRawNetServer(host);
  announceListening({ line: server.port });
  process.on('SIGTERM', () => process.exit(0));
}
