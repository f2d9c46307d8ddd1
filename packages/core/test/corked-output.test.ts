import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CorkedOutput, type FrameSink, POLLS_BEFORE_WRITE } from '../src/transport.js';
import { nextEvent, nextTurn, waitUntil } from './helpers.js';
import { countChunks, countWrites, socketPair } from './socket-pair.js';

/** The session side of a CorkedOutput over a real socket: frames are strings. */
class StringSink implements FrameSink<string> {
  open = true;
  written: string[] = [];
  constructor(private readonly socket: Socket) {}
  canWrite(): boolean {
    return this.open;
  }
  /** Frames starting with `!` stand for one only the sink can send (like ws.send). */
  bytesOf(frame: string): Buffer | null {
    return frame.startsWith('!') ? null : Buffer.from(frame);
  }
  writeFrame(frame: string): void {
    this.written.push(frame);
    this.socket.write(frame);
  }
}

describe('CorkedOutput', () => {
  it('sends a turn of writes as one buffer in one write, and bufferedBytes leaves the turn out', async () => {
    const { server, client, received } = await socketPair();
    const counts = countWrites(server);
    const chunks = countChunks(server);
    const output = new CorkedOutput(server, new StringSink(server));
    expect(output.bufferedBytes).toBe(0);
    for (let i = 0; i < 20; i++) output.write(`${i};`);
    // Held until the turn ends; none of it is the client's fault yet.
    expect(server.writableLength).toBe(0);
    expect(output.bufferedBytes).toBe(0);
    const expected = Array.from({ length: 20 }, (_, i) => `${i};`).join('');
    await waitUntil(() => received() === expected, client, 'data');
    expect(counts.writes).toBe(1);
    expect(chunks).toEqual([expected.length]);
    expect(output.bufferedBytes).toBe(server.writableLength);
  });

  it('a turn of one frame writes it when the turn ends, once; a turn of an empty one writes nothing', async () => {
    const { server, client, received } = await socketPair();
    const counts = countWrites(server);
    const output = new CorkedOutput(server, new StringSink(server));
    output.write('only;');
    expect(counts.writes).toBe(0);
    await waitUntil(() => received() === 'only;', client, 'data');
    expect(counts.writes).toBe(1);
    output.write('');
    // The write would come POLLS_BEFORE_WRITE polls after the turn; wait past it by one.
    for (let i = 0; i <= POLLS_BEFORE_WRITE + 1; i++) await nextTurn();
    expect(counts.writes).toBe(1);
  });

  it('a frame only the sink can send goes after the held ones, in the same write', async () => {
    const { server, client, received } = await socketPair();
    const counts = countWrites(server);
    const sink = new StringSink(server);
    const output = new CorkedOutput(server, sink);
    output.write('a;');
    output.write('!b;');
    output.write('c;');
    expect(sink.written).toEqual(['!b;']);
    await waitUntil(() => received() === 'a;!b;c;', client, 'data');
    expect(counts.writes).toBe(1);
  });

  it('joins at most 64 KiB into one buffer; larger turns still leave in one writev, in order', async () => {
    const { server, client, received } = await socketPair();
    const counts = countWrites(server);
    const output = new CorkedOutput(server, new StringSink(server));
    const big = 'x'.repeat(40 * 1024);
    output.write(`1${big};`);
    output.write(`2${big};`);
    output.write('3;');
    const expected = `1${big};2${big};3;`;
    await waitUntil(() => received() === expected, client, 'data');
    expect(counts.writes).toBe(1);
  });

  it("at a turn's end every output hands over its frames before the first socket is written", async () => {
    // The pass over outputs and sessions makes no system call between its steps; the write
    // pass touches only sockets (docs/architecture.md, step 9).
    const pairs = [await socketPair(), await socketPair(), await socketPair()];
    const steps: string[] = [];
    pairs.forEach(({ server }, i) => {
      const sink = new StringSink(server);
      const canWrite = sink.canWrite.bind(sink);
      sink.canWrite = () => {
        steps.push(`visit ${i}`);
        return canWrite();
      };
      const write = server.write.bind(server) as (chunk: Uint8Array) => boolean;
      server.write = ((chunk: Uint8Array) => {
        steps.push(`write ${i}`);
        return write(chunk);
      }) as typeof server.write;
      new CorkedOutput(server, sink).write(`to ${i};`);
    });
    await Promise.all(
      pairs.map(({ client, received }, i) =>
        waitUntil(() => received() === `to ${i};`, client, 'data'),
      ),
    );
    expect(steps).toEqual(['visit 0', 'visit 1', 'visit 2', 'write 0', 'write 1', 'write 2']);
  });

  it('drops the held frames of a socket that closed before the turn ended', async () => {
    const { server, client, received } = await socketPair();
    const errors: Error[] = [];
    server.on('error', (err) => errors.push(err));
    const sink = new StringSink(server);
    const output = new CorkedOutput(server, sink);
    output.write('lost;');
    sink.open = false;
    const closed = nextEvent(client, 'end');
    server.end('bye;');
    await closed;
    await new Promise((resolve) => setImmediate(resolve));
    // Writing them after end() would have been an ERR_STREAM_WRITE_AFTER_END.
    expect(errors).toEqual([]);
    expect(received()).toBe('bye;');
  });

  it('keeps a frame held while the turn is being written, for the next turn', async () => {
    const { server, client, received } = await socketPair();
    const output = new CorkedOutput(server, new StringSink(server));
    // A write whose side effect holds another frame (a listener reacting to the write).
    const write = server.write.bind(server) as (chunk: Uint8Array) => boolean;
    let reacted = false;
    server.write = ((chunk: Uint8Array) => {
      if (!reacted) {
        reacted = true;
        output.write('late;');
      }
      return write(chunk);
    }) as typeof server.write;
    output.write('first;');
    await waitUntil(() => received() === 'first;late;', client, 'data');
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
    output.write('[alice]: hi;');
    output.prepare();
    server.write('reply;'); // e.g. ws.send of a command's reply
    expect(server.writableCorked).toBe(1);
    await waitUntil(() => received() === '+bob;[alice]: hi;reply;', client, 'data');
  });
});
