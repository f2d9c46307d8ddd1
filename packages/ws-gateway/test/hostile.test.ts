import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CanarySession } from '../../../test-support/canary-session.js';
import { joinAs, nextEvent, startGateway, type TestClient } from './helpers.js';

const TYPES = [
  'connect',
  'chat_message',
  'join_room',
  'part_room',
  'ping',
  'history',
  'users',
  'login',
  '',
  'x',
];

/** ws protocol-shaped JSON with arbitrary fields, plain garbage, and binary frames. */
const frame = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        type: fc.constantFrom(...TYPES),
        username: fc.oneof(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 2 })),
        content: fc.oneof(fc.string({ maxLength: 200 }), fc.jsonValue({ maxDepth: 2 })),
        to: fc.oneof(fc.string({ maxLength: 40 }), fc.constant('canary-b')),
        room: fc.oneof(
          fc.constantFrom('dev', '#dev', 'main', '##', 'no way'),
          fc.jsonValue({ maxDepth: 2 }),
        ),
        ref: fc.jsonValue({ maxDepth: 1 }),
      },
      { requiredKeys: ['type'] },
    )
    .map((m) => JSON.stringify(m)),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
);

async function attack(url: string, frames: Array<string | Buffer>): Promise<void> {
  const socket = new WebSocket(url);
  socket.on('error', () => {});
  const closed = nextEvent(socket, 'close', 10_000).catch(() => {});
  await Promise.race([nextEvent(socket, 'open'), closed]);
  for (const data of frames) {
    if (socket.readyState !== WebSocket.OPEN) break;
    socket.send(data);
  }
  // A last round trip (or the close) shows the server has read everything we sent.
  if (socket.readyState === WebSocket.OPEN) {
    const pong = nextEvent(socket, 'pong', 10_000).catch(() => {});
    socket.ping();
    await Promise.race([pong, closed]);
  }
  socket.terminate();
  await closed;
}

describe('ws hostile > arbitrary frames and JSON', () => {
  it('keeps the server up, a canary pair on another transport chatting, and memory bounded', async () => {
    const gw = await startGateway({
      limits: { rateBurst: 10_000, ratePerSecond: 10_000 },
      gate: {
        maxPerAddress: 10_000,
        connectBurstPerAddress: 10_000,
        connectsPerSecondPerAddress: 10_000,
      },
    });
    const speaker = await gw.room.join(new CanarySession(), { name: 'canary-a' });
    const listener = new CanarySession();
    await gw.room.join(listener, { name: 'canary-b' });
    const wsWatcher: TestClient = await joinAs(gw, 'ws-watcher');
    const rssBefore = process.memoryUsage().rss;
    let round = 0;

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/ws', '/ws/mallory', '/ws/canary-a'),
        fc.array(frame, { minLength: 1, maxLength: 30 }),
        async (path, frames) => {
          await attack(`${gw.ws}${path}`, frames);
          const text = `canary ${++round}`;
          await speaker.say(text);
          await listener.heard(text);
          await wsWatcher.next((m) => m.type === 'chat_message' && m.content === text);
        },
      ),
      { numRuns: 60, interruptAfterTimeLimit: 20_000 },
    );

    const canaryTexts = listener.texts.filter((t) => t.startsWith('canary '));
    expect(canaryTexts).toEqual(Array.from({ length: round }, (_, i) => `canary ${i + 1}`));
    expect(round).toBeGreaterThan(0);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
  });
});
