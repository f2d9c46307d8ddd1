import { ConnectionGate } from '@chatgate/core/transport';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import type { MemberApiShape } from '../src/index.js';
import {
  Inbox,
  joinAs,
  OtherTransportSession,
  openClient,
  startServer,
  waitFor,
} from './helpers.js';

/** A WebSocket speaking capnweb's wire format by hand, as an attacker's script would. */
function rawClient(url: string) {
  const socket = new WebSocket(url);
  socket.on('error', () => {});
  const received: string[] = [];
  const listeners = new Set<() => void>();
  socket.on('message', (data) => {
    received.push(String(data));
    for (const listener of Array.from(listeners)) listener();
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  const opened = new Promise<void>((resolve) => socket.once('open', () => resolve()));
  onTestFinished(() => socket.terminate());
  const next = (match: (m: string) => boolean, what: string) =>
    waitFor(
      (check) => {
        listeners.add(check);
        return () => listeners.delete(check);
      },
      () => received.find(match),
      what,
    );
  return { socket, received, closed, opened, next };
}

const GET_HISTORY = '["push",["pipeline",0,["getHistory"],[]]]';

/** A canary pair on another transport: `say` must reach `hears` with nothing lost. */
async function canaryPair(room: import('@chatgate/core').Room) {
  const speaker = new OtherTransportSession();
  const listener = new OtherTransportSession();
  const a = await room.join(speaker, { name: 'canary-a' });
  await room.join(listener, { name: 'canary-b' });
  return {
    listener,
    speaker: a,
    async check(text: string) {
      await a.say(text);
      await listener.next((e) => e.kind === 'message' && e.content === text, text);
    },
  };
}

describe('rpc bounds > calls in flight per session', () => {
  it('closes with 1008 a session that pushes calls and never pulls or releases them', async () => {
    const { url, room } = await startServer({ maxCallsInFlight: 32 });
    const canary = await canaryPair(room);
    const attacker = rawClient(url);
    await attacker.opened;
    // Without the bound every push holds its result until released: 100,000 of these held
    // about 550 MB of heap.
    for (let i = 0; i < 500; i++) attacker.socket.send(GET_HISTORY);
    expect(await attacker.closed).toBe(1008);
    await canary.check('still chatting');
  });

  it('lets a session keep making calls that it awaits, far past the bound in total', async () => {
    const { url } = await startServer({ maxCallsInFlight: 8 });
    const alice = await joinAs(url, 'alice');
    for (let i = 0; i < 40; i++) await alice.api.getHistory();
    // Pipelined together, under the bound (the joined member holds an entry of its own).
    const calls = Array.from({ length: 6 }, () => alice.api.listUsers());
    expect(await Promise.all(calls)).toHaveLength(6);
  });

  it('refuses nested calls past the per-message bound with a clear error', async () => {
    const { url, room } = await startServer();
    const canary = await canaryPair(room);
    const attacker = rawClient(url);
    await attacker.opened;
    const nested = Array.from({ length: 200 }, () => ['pipeline', 0, ['getHistory'], []]);
    attacker.socket.send(JSON.stringify(['push', ['pipeline', 0, ['listUsers'], [[nested]]]]));
    attacker.socket.send('["pull",1]');
    const answer = await attacker.next((m) => m.startsWith('["reject",1'), 'the rejection');
    expect(answer).toContain('calls in one RPC message');
    await canary.check('nested calls refused');
  });
});

describe('rpc bounds > message size', () => {
  it('closes with 1009 on a message over maxMessageSize', async () => {
    const { url, room } = await startServer({ maxMessageSize: 1000 });
    const canary = await canaryPair(room);
    const attacker = rawClient(url);
    await attacker.opened;
    attacker.socket.send(`["push",["pipeline",0,["listUsers"],["${'x'.repeat(2000)}"]]]`);
    expect(await attacker.closed).toBe(1009);
    await canary.check('after the big message');
  });
});

describe('rpc bounds > unread replies', () => {
  it('drops a member whose unread replies pass maxBufferedBytes, as too_slow', async () => {
    const { url, room } = await startServer({
      roomOptions: { limits: { maxBufferedBytes: 64 * 1024, rateBurst: 1000 } },
    });
    const canary = await canaryPair(room);
    const speaker = canary.speaker;
    // Replies of about 200 KB each: history full of long messages.
    for (let i = 0; i < 50; i++) await speaker.say(`${i} ${'y'.repeat(3900)}`);
    const mallory = await joinAs(url, 'mallory');
    // Stop reading: the kernel buffers fill, then the server's.
    (mallory.socket as unknown as { _socket: import('node:net').Socket })._socket.pause();
    for (let id = 2; id < 100; id++) {
      mallory.socket.send(GET_HISTORY);
      mallory.socket.send(`["pull",${id}]`);
    }
    const left = await canary.listener.next(
      (e) => e.kind === 'leave' && e.name === 'mallory',
      'mallory dropped',
    );
    expect(left).toMatchObject({ reason: 'too_slow' });
    expect(room.stats.drops.too_slow).toBeGreaterThan(0);
    await canary.check('after the slow reader');
  });
});

describe('rpc bounds > POST /rpc', () => {
  const pairs = (n: number) =>
    Array.from({ length: n }, (_, i) => `${GET_HISTORY}\n["pull",${i + 1}]`).join('\n');

  it('refuses a batch with more calls than maxBatchCalls, with a clear 400', async () => {
    const { batchUrl, room } = await startServer({ maxBatchCalls: 10 });
    const canary = await canaryPair(room);
    const response = await fetch(batchUrl, { method: 'POST', body: pairs(11) });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('At most 10 calls per batch');
    const ok = await fetch(batchUrl, { method: 'POST', body: pairs(10) });
    expect(ok.status).toBe(200);
    await canary.check('after the batch');
  });

  it('refuses a batch whose answer passes maxBatchResponseBytes with 413', async () => {
    const { batchUrl, room } = await startServer({
      maxBatchResponseBytes: 100_000,
      roomOptions: { limits: { rateBurst: 1000 } },
    });
    const canary = await canaryPair(room);
    const speaker = canary.speaker;
    for (let i = 0; i < 20; i++) await speaker.say(`${i} ${'z'.repeat(3900)}`);
    const response = await fetch(batchUrl, { method: 'POST', body: pairs(5) });
    expect(response.status).toBe(413);
    expect(await response.text()).toContain('over 100000 bytes');
    await canary.check('after the big answer');
  });

  it('sends no wildcard CORS header unless batchCors allows it', async () => {
    const closed = await startServer();
    const plain = await fetch(closed.batchUrl, { method: 'POST', body: pairs(1) });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    const open = await startServer({ batchCors: true });
    const allowed = await fetch(open.batchUrl, { method: 'POST', body: pairs(1) });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('rpc bounds > rate limits on actions that reach other members', () => {
  // A slow refill, so however slow the machine, 30 tries in a row meet an empty bucket.
  const slowRefill = { roomOptions: { limits: { rateBurst: 5, ratePerSecond: 0.5 } } };

  it('rate-limits rename() like any message', async () => {
    const { url, room } = await startServer(slowRefill);
    const canary = await canaryPair(room);
    const client = openClient(url);
    const me = (await client.api.connect('renamer', new Inbox())) as unknown as MemberApiShape;
    const outcomes: string[] = [];
    for (let i = 0; i < 30; i++) {
      outcomes.push(
        await me.rename(`renamer${i}`).then(
          () => 'ok',
          (err: { code?: string }) => err.code ?? 'error',
        ),
      );
    }
    expect(outcomes.filter((o) => o === 'ok').length).toBeLessThan(10);
    expect(outcomes).toContain('rate_limited');
    await canary.check('after the renames');
  });

  it('rate-limits join/leave cycles on one connection', async () => {
    const { url, room } = await startServer(slowRefill);
    const canary = await canaryPair(room);
    const client = openClient(url);
    const outcomes: string[] = [];
    for (let i = 0; i < 30; i++) {
      try {
        await client.api.join('cycler', new Inbox());
        await client.api.leave('cycler');
        outcomes.push('ok');
      } catch (err) {
        outcomes.push((err as { code?: string }).code ?? 'error');
      }
    }
    expect(outcomes).toContain('rate_limited');
    expect(outcomes.filter((o) => o === 'ok').length).toBeLessThan(10);
    await canary.check('after the cycles');
  });

  it('counts members, not sockets, against the per-address cap', async () => {
    const gate = new ConnectionGate({ maxPerAddress: 3 });
    const { url, room } = await startServer({ gate });
    const canary = await canaryPair(room);
    const client = openClient(url);
    await client.api.connect('m1', new Inbox());
    await client.api.connect('m2', new Inbox());
    await client.api.connect('m3', new Inbox());
    await expect(client.api.connect('m4', new Inbox())).rejects.toThrow(
      'Too many connections from your address.',
    );
    // Another socket from the same address is refused too: three members hold the slots.
    const second = openClient(url);
    expect(await second.closed).toBe(1013);
    await canary.check('after the cap');
  });
});
