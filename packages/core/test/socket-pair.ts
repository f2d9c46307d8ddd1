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

/** The size of each chunk the socket hands to the kernel side, one entry per chunk. */
export function countChunks(socket: Socket): number[] {
  const sizes: number[] = [];
  const internals = socket as unknown as {
    _write: (chunk: Buffer, ...rest: unknown[]) => void;
    _writev: (chunks: Array<{ chunk: Buffer }>, ...rest: unknown[]) => void;
  };
  const write = internals._write;
  const writev = internals._writev;
  internals._write = function (this: unknown, chunk: Buffer, ...rest: unknown[]) {
    sizes.push(chunk.length);
    return write.call(this, chunk, ...rest);
  };
  internals._writev = function (this: unknown, chunks: Array<{ chunk: Buffer }>, ...rest) {
    for (const { chunk } of chunks) sizes.push(chunk.length);
    return writev.call(this, chunks, ...rest);
  };
  return sizes;
}
