import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { joinAs, OtherTransportSession, startServer } from './helpers.js';

const METHODS = [
  'join',
  'sendMessage',
  'leave',
  'connect',
  'listUsers',
  'getHistory',
  'userCount',
  'send',
  'rename',
  'input',
  'joinRoom',
  'defaultRoom',
  'constructor',
  '__proto__',
  'toString',
];

/** capnweb-shaped messages with arbitrary parts, and plain garbage. */
const rpcMessage = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc
    .tuple(
      fc.integer({ min: -3, max: 6 }),
      fc.constantFrom(...METHODS),
      fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 3 })), {
        maxLength: 3,
      }),
    )
    .map(([target, method, args]) =>
      JSON.stringify(['push', ['pipeline', target, [method], args]]),
    ),
  fc.integer({ min: -3, max: 40 }).map((id) => `["pull",${id}]`),
  fc
    .tuple(fc.integer({ min: -3, max: 40 }), fc.integer({ min: -2, max: 3 }))
    .map(([id, count]) => `["release",${id},${count}]`),
  fc.constant('["abort",["error","Error","bye"]]'),
);

/** Sends the messages over a raw socket, then waits for the server to answer or close. */
async function attack(url: string, messages: string[]): Promise<void> {
  const socket = new WebSocket(url);
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  for (const message of messages) {
    if (socket.readyState !== WebSocket.OPEN) break;
    socket.send(message);
  }
  // A last round trip (or the close) shows the server has read everything we sent.
  const pinged = new Promise<void>((resolve) => socket.once('pong', () => resolve()));
  if (socket.readyState === WebSocket.OPEN) socket.ping();
  await Promise.race([pinged, closed]);
  socket.terminate();
  await closed;
}

describe('rpc hostile > arbitrary call sequences', () => {
  it('keeps the server up, a canary pair on another transport chatting, and memory bounded', async () => {
    const { url, room } = await startServer({
      maxCallsInFlight: 32,
      roomOptions: { limits: { rateBurst: 10_000, ratePerSecond: 10_000 } },
    });
    const speaker = new OtherTransportSession();
    const listener = new OtherTransportSession();
    const canary = await room.join(speaker, { name: 'canary-a' });
    await room.join(listener, { name: 'canary-b' });
    const rpcWatcher = await joinAs(url, 'rpc-watcher');
    const rssBefore = process.memoryUsage().rss;
    let round = 0;

    await fc.assert(
      fc.asyncProperty(fc.array(rpcMessage, { minLength: 1, maxLength: 40 }), async (messages) => {
        await attack(url, messages);
        const text = `canary ${++round}`;
        await canary.say(text);
        await listener.next((e) => e.kind === 'message' && e.content === text, text);
        // The room still reaches RPC members too.
        await rpcWatcher.inbox.next(text);
      }),
      { numRuns: 60, interruptAfterTimeLimit: 20_000 },
    );

    // Nothing lost: every canary message arrived, in order.
    const seen = listener.events.flatMap((e) =>
      e.kind === 'message' && e.content.startsWith('canary ') ? [e.content] : [],
    );
    expect(seen).toEqual(Array.from({ length: round }, (_, i) => `canary ${i + 1}`));
    expect(round).toBeGreaterThan(0);
    // Generous: a leak of held calls would grow by far more than this over the runs.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
  });
});
