import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { onTestFinished } from 'vitest';

/**
 * A TCP relay between the client and the server that can cut the client's side only: the
 * client sees its connection drop while the server's side stays open and silent, as after a
 * network blip the server has not noticed yet.
 */
export async function blipProxy(upstreamPort: number) {
  const clientSides = new Set<Socket>();
  const serverSides = new Set<Socket>();
  const proxy = createServer((client) => {
    const upstream = tcpConnect(upstreamPort, '127.0.0.1');
    clientSides.add(client);
    serverSides.add(upstream);
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => {
      clientSides.delete(client);
      // Keep the server's side open: only the client noticed.
      client.unpipe(upstream);
      upstream.unpipe(client);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    for (const socket of [...clientSides, ...serverSides]) socket.destroy();
    proxy.close();
  });
  const address = proxy.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    /** Drops every client connection; the server keeps its side. */
    cut(): void {
      for (const socket of clientSides) socket.destroy();
    },
  };
}
