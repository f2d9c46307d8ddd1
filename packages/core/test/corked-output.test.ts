import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CorkedOutput, type FrameSink } from '../src/transport.js';
import { nextEvent, waitUntil } from './helpers.js';
import { countWrites, socketPair } from './socket-pair.js';

/** The session side of a CorkedOutput over a real socket: frames are strings. */
class StringSink implements FrameSink<string> {
  open = true;
  written: string[] = [];
  constructor(private readonly socket: Socket) {}
  canWrite(): boolean {
    return this.open;
  }
  writeFrame(frame: string): void {
    this.written.push(frame);
    this.socket.write(frame);
  }
}

describe('CorkedOutput', () => {
  it('sends a turn of writes in one write, and bufferedBytes reads the backlog from before it', async () => {
    const { server, client, received } = await socketPair();
    const counts = countWrites(server);
    const output = new CorkedOutput(server, new StringSink(server));
    expect(output.bufferedBytes).toBe(0);
    for (let i = 0; i < 20; i++) output.write(`${i};`);
    // The socket holds every byte, but none of it is the client's fault yet.
    expect(server.writableLength).toBeGreaterThan(0);
    expect(output.bufferedBytes).toBe(0);
    const expected = Array.from({ length: 20 }, (_, i) => `${i};`).join('');
    await waitUntil(() => received() === expected, client, 'data');
    expect(counts.writes).toBe(1);
    expect(output.bufferedBytes).toBe(server.writableLength);
  });

  it('writes deferred presence before anything written after it, in seq order', async () => {
    const { server, client, received } = await socketPair();
    const output = new CorkedOutput(server, new StringSink(server));
    output.defer('+bob;');
    output.defer('+carol;');
    expect(output.deferredCount).toBe(2);
    expect(server.writableLength).toBe(0);
    output.write('[alice]: hi;');
    expect(output.deferredCount).toBe(0);
    await waitUntil(() => received() === '+bob;+carol;[alice]: hi;', client, 'data');
  });

  it('the presence flush sends held frames when nothing else is written', async () => {
    const { server, client, received } = await socketPair();
    const output = new CorkedOutput(server, new StringSink(server));
    const arrived = nextEvent(client, 'data');
    output.defer('+bob;');
    await arrived;
    await waitUntil(() => received() === '+bob;', client, 'data');
    expect(output.deferredCount).toBe(0);
  });

  it('drops held frames once the session can no longer write', async () => {
    const { server } = await socketPair();
    const sink = new StringSink(server);
    const output = new CorkedOutput(server, sink);
    output.defer('+bob;');
    sink.open = false;
    output.flushDeferred();
    expect(sink.written).toEqual([]);
    expect(output.deferredCount).toBe(0);
    // A later flush (the scheduled one) finds nothing to do.
    output.flushDeferred();
    expect(sink.written).toEqual([]);
  });

  it('prepare() corks and writes held presence ahead of a write made by another path', async () => {
    const { server, client, received } = await socketPair();
    const output = new CorkedOutput(server, new StringSink(server));
    output.defer('+bob;');
    output.prepare();
    server.write('reply;'); // e.g. ws.send of a command's reply
    expect(server.writableCorked).toBe(1);
    await waitUntil(() => received() === '+bob;reply;', client, 'data');
  });
});
