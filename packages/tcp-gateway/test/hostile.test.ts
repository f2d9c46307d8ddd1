import { ConnectionGate } from '@chatgate/core/transport';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanarySession } from '../../../test-support/canary-session.js';
import {
  Client,
  createTestRoom,
  left,
  lengthPrefixed,
  Observer,
  peerChat,
  recordingLogger,
  startListener,
} from './helpers.js';

const greeting = (name: string) =>
  `* welcome, you are ${name}. Type /help for commands, /nick NAME to change your name.\n`;

/** A room with all three dialects and two well-behaved line members, user1 → user2. */
async function hostileRoom(limits: Parameters<typeof createTestRoom>[0] = {}) {
  const room = createTestRoom(limits);
  const logger = recordingLogger();
  // Hostile input, not connection churn, is under test: the connect rate is raised.
  const gate = new ConnectionGate({
    connectBurstPerAddress: 10_000,
    connectsPerSecondPerAddress: 10_000,
  });
  const common = { room, logger, gate, nameTimeoutMs: 300 };
  const line = await startListener({ ...common, dialect: 'line' });
  const at = await startListener({ ...common, dialect: 'at' });
  const peer = await startListener({ ...common, dialect: 'peer' });
  const sender = await Client.connect(line.port);
  await sender.read(greeting('user1'));
  const receiver = await Client.connect(line.port);
  await receiver.read(greeting('user2'));
  let probes = 0;
  /** user1 says something; user2 must get it (whatever else it was sent meanwhile). */
  const probe = async () => {
    const text = `probe ${++probes}`;
    await sender.send(`${text}\n`);
    await receiver.readThrough(`[user1]: ${text}\n`);
  };
  const ports = { line: line.port, at: at.port, peer: peer.port };
  return { room, logger, ports, probe, sender, receiver };
}

function noBugsLogged(logger: ReturnType<typeof recordingLogger>): void {
  expect(logger.records.filter((r) => r.level === 'error')).toEqual([]);
}

const text = fc.string({ maxLength: 40, unit: 'grapheme' });

/** Byte soup biased towards the things framers care about. */
const token = fc.oneof(
  fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes)),
  fc
    .constantFrom(
      '\n',
      '\r\n',
      '\r',
      '/nick x\n',
      '/nick user2\n',
      '@people\n',
      '/users\n',
      '@user2 hi\n',
      '/msg\n',
      '/history 100\n',
      '/join #dev\n',
      '/join ##\n',
      '/part\n',
      '/part main\n',
      '/switch dev\n',
      '/rooms\n',
      '/who dev\n',
      '/quit\n',
      '@\n',
      '\x1b[2J',
      'user1',
      '<MSGENCD>',
      '<EXTENCD>',
    )
    .map((s) => Buffer.from(s)),
  fc.constantFrom(
    Buffer.from([0xff, 0xfb, 0x01]),
    Buffer.from([0xff, 0xfa]),
    Buffer.from([0xff]),
    Buffer.from([0xe2, 0x82]),
    Buffer.from([0xf0, 0x9f]),
    Buffer.from([0, 0]),
    Buffer.from([0xff, 0xff]),
  ),
  fc.tuple(text, text).map(([name, body]) => lengthPrefixed(peerChat(name, body))),
  fc.nat(0xffff).map((n) => Buffer.from([n >> 8, n & 0xff])),
);

const hostileInput = fc.record({
  dialect: fc.constantFrom('line', 'at', 'peer') as fc.Arbitrary<'line' | 'at' | 'peer'>,
  chunks: fc.array(token, { maxLength: 16 }),
  ending: fc.constantFrom('end', 'destroy', 'reset', 'stay'),
});

describe('hostile input', () => {
  it('never crashes, stalls or costs another member a message (fast-check)', async () => {
    const { room, ports, probe, logger } = await hostileRoom();
    // A canary pair on another transport (in process), besides the line pair of `probe`.
    const speaker = await room.join(new CanarySession(), { name: 'canary-a' });
    const listener = new CanarySession();
    await room.join(listener, { name: 'canary-b' });
    const rssBefore = process.memoryUsage().rss;
    let round = 0;
    await fc.assert(
      fc.asyncProperty(hostileInput, async ({ dialect, chunks, ending }) => {
        const hostile = await Client.connect(ports[dialect]);
        for (const chunk of chunks) {
          if (hostile.closed) break;
          await hostile.send(chunk).catch(() => {});
        }
        if (ending === 'end') hostile.end();
        else if (ending === 'destroy') hostile.socket.destroy();
        else if (ending === 'reset') hostile.socket.resetAndDestroy();
        await probe();
        const text = `canary ${++round}`;
        await speaker.say(text);
        await listener.heard(text);
      }),
      { numRuns: 100 },
    );
    noBugsLogged(logger);
    const canaryTexts = listener.texts.filter((t) => t.startsWith('canary '));
    expect(canaryTexts).toEqual(Array.from({ length: round }, (_, i) => `canary ${i + 1}`));
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
  });

  it('survives every hostile stream split at every byte into one peer connection', async () => {
    const { ports, probe, logger } = await hostileRoom();
    const stream = Buffer.concat([
      lengthPrefixed(peerChat('eve', 'hi')),
      Buffer.from([0x00, 0x10, 0x41]),
    ]);
    for (let at = 1; at < stream.length; at += 7) {
      const hostile = await Client.connect(ports.peer);
      await hostile.send(stream.subarray(0, at));
      await hostile.send(stream.subarray(at));
      hostile.socket.destroy();
      await probe();
    }
    noBugsLogged(logger);
  });

  it('keeps others whole while a partial frame waits forever and then times out', async () => {
    const { ports, probe, room } = await hostileRoom();
    const observer = await Observer.join(room);
    const hostile = await Client.connect(ports.peer);
    // Claims 65535 bytes, sends 10: the decoder waits, the name deadline closes it.
    await hostile.send(Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.alloc(10, 0x41)]));
    await probe();
    await hostile.waitClosed();
    await probe();
    // Only the observer's own join: the half-framed peer never got a name.
    expect(observer.events.filter((e) => e.kind === 'join')).toHaveLength(1);
  });

  it('cuts off a line flood with default rate limits and keeps the room going', async () => {
    const { ports, probe, room } = await hostileRoom({ rateBurst: 20, ratePerSecond: 10 });
    const observer = await Observer.join(room);
    const flooder = await Client.connect(ports.line);
    await flooder.read(greeting('user3'));
    const gone = observer.next(left('user3'));
    await flooder.send('spam\n'.repeat(5000)).catch(() => {});
    const event = await gone;
    expect(event).toMatchObject({ reason: 'flooding' });
    await flooder.readThrough('* error: disconnected for flooding\n');
    await flooder.waitClosed();
    await probe();
  });

  it('discards megabytes without a newline, then takes the next line', async () => {
    const { ports, probe, receiver } = await hostileRoom();
    const hog = await Client.connect(ports.line);
    await hog.read(greeting('user3'));
    await receiver.read('* user3 joined the chat\n');
    const mib = Buffer.alloc(1024 * 1024, 0x62);
    for (let i = 0; i < 8; i++) await hog.send(mib);
    await hog.send('\nback to normal\n');
    await hog.read('* error: line too long (at most 8192 bytes); discarded\n');
    await receiver.read('[user3]: back to normal\n');
    await probe();
  });

  it('floods of peer frames and at chunks do not cost others messages', async () => {
    const { ports, probe } = await hostileRoom();
    const peer = await Client.connect(ports.peer);
    const frames = Array.from({ length: 2000 }, (_, i) => lengthPrefixed(peerChat('pf', `m${i}`)));
    await peer.send(Buffer.concat(frames));
    const at = await Client.connect(ports.at);
    await at.send('af');
    for (let i = 0; i < 200; i++) at.socket.write(`@all chunk ${i}`);
    await probe();
    await probe();
  });

  it('disconnects a client that floods commands and never reads its replies', async () => {
    const { ports, probe, room } = await hostileRoom({
      maxBufferedBytes: 32 * 1024,
      rateBurst: 1e9,
      ratePerSecond: 1e9,
    });
    const observer = await Observer.join(room);
    const deaf = await Client.connect(ports.line);
    deaf.socket.pause();
    const gone = observer.next(left('user3'), 10_000);
    const help = Buffer.from('/help\n'.repeat(2000));
    for (let i = 0; i < 200 && !deaf.closed && room.has('user3'); i++) {
      await deaf.send(help).catch(() => {});
      await probe();
    }
    expect(await gone).toMatchObject({ reason: 'too_slow' });
    await probe();
  });

  it('leaves silent connections alone (line) or closes them on time (at, peer)', async () => {
    const { ports, probe, room } = await hostileRoom();
    const observer = await Observer.join(room);
    const quietLine = await Client.connect(ports.line);
    const quietAt = await Client.connect(ports.at);
    const quietPeer = await Client.connect(ports.peer);
    await quietLine.read(greeting('user3'));
    await probe();
    await quietAt.read('[ERROR] No username received');
    await quietAt.waitClosed();
    await quietPeer.waitClosed();
    await probe();
    expect(quietLine.closed).toBe(false);
    expect(room.has('user3')).toBe(true);
    expect(observer.count(left('user3'))).toBe(0);
  });
});
