import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { writeCoalesced } from '../src/write-coalesced.js';

async function socketPair(): Promise<{ writer: Socket; reader: Socket }> {
  const server = createServer();
  onTestFinished(() => {
    server.close();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const accepted = once(server, 'connection');
  const writer = connect({ host: '127.0.0.1', port });
  const [reader] = (await accepted) as [Socket];
  await once(writer, 'connect');
  onTestFinished(() => {
    writer.destroy();
    reader.destroy();
  });
  return { writer, reader };
}

describe('writeCoalesced', () => {
  it('holds a turn of writes in one corked batch and sends them in order after it', async () => {
    const { writer, reader } = await socketPair();
    const chunks = Array.from({ length: 100 }, (_, i) => Buffer.from(`frame ${i};`));
    for (const chunk of chunks) writeCoalesced(writer, chunk);
    // Still this turn: nothing has gone to the kernel, and the backlog counts every byte.
    expect(writer.writableCorked).toBe(1);
    const total = chunks.reduce((n, c) => n + c.length, 0);
    expect(writer.writableLength).toBe(total);
    const received: Buffer[] = [];
    let length = 0;
    await new Promise<void>((resolve) => {
      reader.on('data', (chunk: Buffer) => {
        received.push(chunk);
        length += chunk.length;
        if (length >= total) resolve();
      });
    });
    expect(Buffer.concat(received)).toEqual(Buffer.concat(chunks));
    expect(writer.writableCorked).toBe(0);
  });
});
