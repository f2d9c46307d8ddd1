import { connect, createServer, type Socket } from 'node:net';
import { onTestFinished } from 'vitest';
import { nextEvent } from './helpers.js';

/** A connected net socket pair on 127.0.0.1:0; `received` collects what the client reads. */
export async function socketPair(): Promise<{
  server: Socket;
  client: Socket;
  received: () => string;
}> {
  const listener = createServer();
  onTestFinished(() => new Promise<void>((resolve) => listener.close(() => resolve())));
  listener.listen(0, '127.0.0.1');
  await nextEvent(listener, 'listening');
  const { port } = listener.address() as { port: number };
  const accepted = nextEvent<[Socket]>(listener, 'connection');
  const client = connect(port, '127.0.0.1');
  client.on('error', () => {});
  const [[server]] = await Promise.all([accepted, nextEvent(client, 'connect')]);
  server.on('error', () => {});
  onTestFinished(() => {
    server.destroy();
    client.destroy();
  });
  const chunks: Buffer[] = [];
  client.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { server, client, received: () => Buffer.concat(chunks).toString() };
}

/** Counts the writes the socket hands to the kernel side (_write or _writev). */
export function countWrites(socket: Socket): { writes: number } {
  const counts = { writes: 0 };
  const internals = socket as unknown as Record<'_write' | '_writev', (...a: unknown[]) => void>;
  for (const key of ['_write', '_writev'] as const) {
    const original = internals[key];
    internals[key] = function (this: unknown, ...args: unknown[]) {
      counts.writes++;
      return original.apply(this, args);
    };
  }
  return counts;
}
