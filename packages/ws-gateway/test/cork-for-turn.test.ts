import { connect, createServer, type Socket } from 'node:net';
import { corkForTurn } from '@chatgate/core/transport';
import { describe, expect, it, onTestFinished } from 'vitest';
import { nextEvent, waitUntil } from './helpers.js';

/** A connected net socket pair on 127.0.0.1:0; `received` collects what the client reads. */
async function socketPair(): Promise<{ server: Socket; client: Socket; received: () => string }> {
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
function countWrites(socket: Socket): { writes: number } {
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

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('corkForTurn', () => {
  it('holds a turn of writes for one write at the end of the turn, in order', async () => {
    const { server, client, received } = await socketPair();
    const counts = countWrites(server);
    expect(corkForTurn(server)).toBe(true);
    expect(corkForTurn(server)).toBe(false); // already corked this turn
    const expected: string[] = [];
    for (let i = 0; i < 50; i++) {
      server.write(`${i};`);
      expected.push(`${i};`);
    }
    expect(counts.writes).toBe(0);
    expect(server.writableLength).toBe(expected.join('').length);
    await waitUntil(() => received() === expected.join(''), client, 'data');
    expect(counts.writes).toBe(1);
    expect(server.writableCorked).toBe(0);
  });

  it('flushes every socket corked in a turn, once each, and corks afresh next turn', async () => {
    const a = await socketPair();
    const b = await socketPair();
    const countsA = countWrites(a.server);
    const countsB = countWrites(b.server);
    corkForTurn(a.server);
    corkForTurn(b.server);
    a.server.write('a1;');
    b.server.write('b1;');
    a.server.write('a2;');
    b.server.write('b2;');
    await nextTurn();
    expect([countsA.writes, countsB.writes]).toEqual([1, 1]);
    expect(corkForTurn(a.server)).toBe(true);
    a.server.write('a3;');
    a.server.write('a4;');
    await waitUntil(() => a.received() === 'a1;a2;a3;a4;', a.client, 'data');
    await waitUntil(() => b.received() === 'b1;b2;', b.client, 'data');
    expect(countsA.writes).toBe(2);
  });

  it('a socket destroyed or ended while corked does not break the shared flush', async () => {
    const gone = await socketPair();
    const ended = await socketPair();
    const live = await socketPair();
    for (const pair of [gone, ended, live]) corkForTurn(pair.server);
    gone.server.write('lost;');
    gone.server.destroy();
    ended.server.write('last;');
    ended.server.end(); // end() uncorks by itself; the later uncork is a no-op
    live.server.write('kept;');
    await nextTurn();
    await waitUntil(() => live.received() === 'kept;', live.client, 'data');
    await waitUntil(() => ended.received() === 'last;', ended.client, 'data');
    expect(gone.server.destroyed).toBe(true);
    expect(live.server.writableCorked).toBe(0);
  });
});
