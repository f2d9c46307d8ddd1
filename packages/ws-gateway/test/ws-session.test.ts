import type { Logger } from '@chatgate/core';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { joinAs, nextEvent, startGateway, TestClient, waitUntil } from './helpers.js';

/** Checks the room still works for `bystander` after something bad happened elsewhere. */
async function stillDelivers(speaker: TestClient, bystander: TestClient, text: string) {
  speaker.say(text);
  const message = await bystander.next((m) => m.type === 'chat_message' && m.content === text);
  expect(message.sender).toBeDefined();
}

describe('bad input from a joined client', () => {
  it('invalid JSON gets an error frame and the connection stays', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    alice.send('{"type": "chat_message", "content": ');
    expect(await alice.next('error')).toMatchObject({ type: 'error', code: 'invalid_json' });
    await stillDelivers(alice, bob, 'after bad json');
  });

  it.each([
    ['an array', '[1,2,3]', 'invalid_json'],
    ['null', 'null', 'invalid_json'],
    ['a number', '42', 'invalid_json'],
    ['a missing type', '{"content":"x"}', 'invalid_message'],
    ['a non-string content', '{"type":"chat_message","content":{"x":1}}', 'invalid_message'],
    ['a non-string to', '{"type":"chat_message","content":"x","to":7}', 'invalid_message'],
  ])('%s gets %s and the connection stays', async (_label, frame, code) => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    alice.send(frame);
    expect(await alice.next('error')).toMatchObject({ code });
    await stillDelivers(alice, bob, 'still fine');
  });

  it('unknown message types are ignored without a reply', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    alice.send({ type: 'typing', state: true });
    alice.send({ type: '__proto__' });
    await stillDelivers(alice, bob, 'after unknown');
    await alice.next((m) => m.content === 'after unknown');
    expect(alice.messages.filter((m) => m.type === 'error')).toEqual([]);
  });

  it('a second connect is an error, not a rename', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    alice.send({ type: 'connect', username: 'eve' });
    expect(await alice.next('error')).toMatchObject({ code: 'already_connected' });
    expect(gw.room.users()).toEqual(['alice']);
  });

  it('a binary frame closes with 1003; the others see a protocol leave and carry on', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    const carol = await joinAs(gw, 'carol');
    alice.socket.send(Buffer.from('{"type":"chat_message","content":"bin"}'), { binary: true });
    expect((await alice.waitClosed()).code).toBe(1003);
    expect(await bob.next('leave')).toMatchObject({ name: 'alice', reason: 'protocol' });
    await stillDelivers(carol, bob, 'after binary');
  });

  it('a frame over the ws maxPayload is closed by ws with 1009', async () => {
    const gw = await startGateway({ wsMaxPayload: 65536 });
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    alice.say('y'.repeat(70_000));
    expect((await alice.waitClosed()).code).toBe(1009);
    expect(await bob.next('leave')).toMatchObject({ name: 'alice', reason: 'protocol' });
    const carol = await joinAs(gw, 'carol');
    await stillDelivers(carol, bob, 'after oversize');
  });

  it('maxPayloadBytes is enforced even when the ws server allows more (1009)', async () => {
    const gw = await startGateway({ plugin: { maxPayloadBytes: 1024 } });
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    alice.say('z'.repeat(900)); // under the limit, with the JSON around it
    await bob.next('chat_message');
    alice.say('z'.repeat(2000));
    expect((await alice.waitClosed()).code).toBe(1009);
    expect(await bob.next('leave')).toMatchObject({ name: 'alice', reason: 'protocol' });
  });

  it('invalid UTF-8 in a text frame is closed by ws (1007) without hurting the room', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    // ws validates UTF-8 on receive only, so the client can send the broken bytes as text.
    alice.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await alice.waitClosed()).code).toBe(1007);
    expect(await bob.next('leave')).toMatchObject({ name: 'alice', reason: 'protocol' });
    const carol = await joinAs(gw, 'carol');
    await stillDelivers(carol, bob, 'after bad utf8');
  });

  it('rate limiting answers rate_limited; persistent flooding says bye and closes 1008', async () => {
    const gw = await startGateway({
      limits: { rateBurst: 2, ratePerSecond: 0.001, floodDisconnectAfter: 3 },
    });
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    for (let i = 0; i < 3; i++) alice.say(`spam ${i}`);
    expect(await alice.next('error')).toMatchObject({ code: 'rate_limited' });
    for (let i = 3; i < 6; i++) alice.say(`spam ${i}`);
    expect(await alice.next('bye')).toMatchObject({ reason: 'flooding' });
    expect((await alice.waitClosed()).code).toBe(1008);
    expect(await bob.next('leave')).toMatchObject({ name: 'alice', reason: 'flooding' });
    const bobSaw = bob.messages.filter((m) => m.type === 'chat_message').map((m) => m.content);
    expect(bobSaw).toEqual(['spam 0', 'spam 1']);
  });
});

describe('bad input before joining', () => {
  it('a binary first frame closes with 1003 and never joins', async () => {
    const gw = await startGateway();
    const bob = await joinAs(gw, 'bob');
    const client = await TestClient.open(`${gw.ws}/ws/alice`);
    client.socket.send(Buffer.from('{"type":"connect","username":"alice"}'), { binary: true });
    expect((await client.waitClosed()).code).toBe(1003);
    expect(client.messages).toEqual([]);
    await stillDelivers(bob, bob, 'nobody joined');
    expect(gw.room.users()).toEqual(['bob']);
  });

  it('an over-size first frame closes with 1009', async () => {
    const gw = await startGateway({ plugin: { maxPayloadBytes: 256 } });
    const client = await TestClient.open(`${gw.ws}/ws`);
    client.send({ type: 'connect', username: 'a'.repeat(300) });
    expect((await client.waitClosed()).code).toBe(1009);
    expect(gw.room.size).toBe(0);
  });
});

describe('slow consumers', () => {
  it('a client that stops reading is dropped as too_slow; the others get everything', async () => {
    const gw = await startGateway({ limits: { maxBufferedBytes: 256 * 1024 } });
    const slow = await joinAs(gw, 'slow');
    const fast = await joinAs(gw, 'fast');
    slow.socket.pause(); // stop reading: the server's writes back up
    const text = 'm'.repeat(3900);
    let posted = 0;
    let dropped = false;
    const leave = fast
      .next((m) => m.type === 'leave' && m.name === 'slow', 30_000)
      .then((m) => {
        dropped = true;
        return m;
      });
    // Post in batches and let I/O run between them, until the room drops the slow reader.
    while (!dropped && posted < 20_000) {
      for (let i = 0; i < 50; i++) await gw.room.post(`${posted++} ${text}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await leave).toMatchObject({ reason: 'too_slow' });
    expect(gw.room.stats.drops.too_slow).toBe(1);
    await gw.room.post('the end');
    await fast.next((m) => m.content === 'the end', 30_000);
    const received = fast.messages.filter((m) => m.type === 'chat_message').length;
    expect(received).toBe(posted + 1);
    slow.socket.resume();
    expect((await slow.waitClosed(10_000)).code).not.toBe(1000);
  });
});

describe('heartbeat', () => {
  it('drops a peer that stops answering pings; live peers stay', async () => {
    // Long enough that a loaded machine still gets the live peer's pong in before the next tick.
    const gw = await startGateway({ plugin: { heartbeatMs: 250 } });
    const live = await joinAs(gw, 'live');
    const mute = await TestClient.open(`${gw.ws}/ws`, { autoPong: false });
    mute.send({ type: 'connect', username: 'mute' });
    await mute.next('welcome');
    await mute.waitClosed();
    expect(await live.next('leave')).toMatchObject({ name: 'mute', reason: 'timeout' });
    // Several heartbeat rounds have passed; the answering client is still in and served.
    await stillDelivers(live, live, 'still alive');
    expect(gw.room.users()).toEqual(['live']);
  });
});

describe('name timeout and connection caps', () => {
  it('closes a socket that never sends connect within nameTimeoutMs', async () => {
    const gw = await startGateway({ gate: { nameTimeoutMs: 100 } });
    const idle = await TestClient.open(`${gw.ws}/ws`);
    const closed = await idle.waitClosed();
    expect(closed.code).toBe(1008);
    expect(closed.reason).toBe('connect timeout');
    await waitUntil(() => gw.gate.open === 0, gw.gate.events, 'release');
  });

  it('does not time out a client that connected in time', async () => {
    // alice must get her connect in before the deadline even on a loaded machine.
    const gw = await startGateway({ gate: { nameTimeoutMs: 1000 } });
    const alice = await joinAs(gw, 'alice');
    const idle = await TestClient.open(`${gw.ws}/ws`);
    await idle.waitClosed();
    await stillDelivers(alice, alice, 'after the timeout passed');
  });

  it('refuses past maxPerAddress with server_busy and 1013, and admits again after a close', async () => {
    const gw = await startGateway({ gate: { maxPerAddress: 1 } });
    const alice = await joinAs(gw, 'alice');
    const refused = await TestClient.open(`${gw.ws}/ws`);
    const closed = await refused.waitClosed();
    expect(closed.code).toBe(1013);
    expect(refused.messages).toEqual([
      { type: 'error', code: 'server_busy', message: 'Too many connections from your address.' },
    ]);
    expect(gw.gate.openByTransport()).toEqual({ ws: 1 });
    alice.socket.close();
    await alice.waitClosed();
    await waitUntil(() => gw.gate.open === 0, gw.gate.events, 'release');
    const bob = await joinAs(gw, 'bob');
    expect(bob.messages[0]).toMatchObject({ type: 'connect_response', success: true });
  });

  it('refuses past maxConnections', async () => {
    const gw = await startGateway({ gate: { maxConnections: 2 } });
    await joinAs(gw, 'a');
    await TestClient.open(`${gw.ws}/ws`);
    const third = await TestClient.open(`${gw.ws}/ws`);
    expect((await third.waitClosed()).code).toBe(1013);
    expect(third.messages[0]).toMatchObject({ code: 'server_busy' });
  });
});

describe('shutdown', () => {
  it('room.close("shutdown") says bye and closes every client with 1001', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    await gw.room.close('shutdown');
    for (const client of [alice, bob]) {
      expect(await client.next('bye')).toMatchObject({ reason: 'shutdown' });
      expect((await client.waitClosed()).code).toBe(1001);
    }
  });

  it('app.close() closes every client, joined or not, and empties the room', async () => {
    // @fastify/websocket's own preClose runs first and closes without a code (1005); the
    // server calls room.close('shutdown') before app.close() to give members 1001 (above).
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const pending = await TestClient.open(`${gw.ws}/ws`);
    await gw.app.close();
    await alice.waitClosed();
    await pending.waitClosed();
    expect(gw.room.size).toBe(0);
    await waitUntil(() => gw.gate.open === 0, gw.gate.events, 'release');
  });

  it('a client closing mid-join still leaves the room once', async () => {
    const gw = await startGateway();
    const bob = await joinAs(gw, 'bob');
    const alice = await TestClient.open(`${gw.ws}/ws`);
    alice.send({ type: 'connect', username: 'alice' });
    alice.socket.terminate();
    await waitUntil(
      () => bob.messages.some((m) => m.type === 'leave' && m.name === 'alice'),
      bob.socket,
      'message',
    );
    expect(bob.messages.filter((m) => m.type === 'leave')).toHaveLength(1);
    expect(gw.room.users()).toEqual(['bob']);
  });
});

describe('logging', () => {
  interface Entry {
    level: string;
    bindings: Record<string, unknown>;
    obj: object;
    msg: string | undefined;
  }

  function capture(entries: Entry[], bindings: Record<string, unknown> = {}): Logger {
    const at =
      (level: string) =>
      (obj: object, msg?: string): void => {
        entries.push({ level, bindings, obj, msg });
      };
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => capture(entries, { ...bindings, ...more }),
    };
  }

  it('logs per connection with {conn, transport, remote}, then name; no message text at info', async () => {
    const entries: Entry[] = [];
    const gw = await startGateway({ plugin: { logger: capture(entries) } });
    const alice = await joinAs(gw, 'alice');
    alice.say('top secret words');
    await alice.next('chat_message');
    alice.socket.close();
    await alice.waitClosed();

    const connected = entries.find((e) => e.msg === 'connected');
    expect(connected?.level).toBe('info');
    expect(connected?.bindings).toMatchObject({
      transport: 'ws',
      dialect: 'json',
      remote: '127.0.0.1',
    });
    expect(String(connected?.bindings.conn)).toMatch(/^ws-\d+$/);
    const joined = entries.find((e) => e.msg === 'joined');
    expect(joined?.bindings).toMatchObject({ name: 'alice', conn: connected?.bindings.conn });
    const nonDebug = entries.filter((e) => e.level !== 'debug');
    expect(JSON.stringify(nonDebug.map((e) => [e.obj, e.msg]))).not.toContain('top secret');
    expect(JSON.stringify(entries)).toContain('top secret'); // only at debug
  });
});

describe('client library interop', () => {
  it('works with a plain ws client sending text frames built by hand', async () => {
    const gw = await startGateway();
    const socket = new WebSocket(`${gw.ws}/ws/raw`);
    socket.on('error', () => {});
    await nextEvent(socket, 'open');
    const first = nextEvent<[Buffer, boolean]>(socket, 'message');
    socket.send('{"type":"connect","username":"raw"}');
    const [data, isBinary] = await first;
    expect(isBinary).toBe(false);
    expect(String(data)).toBe(
      '{"type":"connect_response","success":true,"message":"Connected successfully"}',
    );
    socket.terminate();
  });
});

/** Counts the writes each server-side net.Socket hands to the kernel side (_write/_writev). */
function countServerWrites(gw: Awaited<ReturnType<typeof startGateway>>): { writes: number }[] {
  const server = (gw.app as unknown as { websocketServer: { clients: Set<WebSocket> } })
    .websocketServer;
  return [...server.clients].map((ws) => {
    const socket = (ws as unknown as { _socket: Record<string, (...a: unknown[]) => void> })
      ._socket;
    const counts = { writes: 0 };
    for (const key of ['_write', '_writev']) {
      const original = socket[key]!;
      socket[key] = function (this: unknown, ...args: unknown[]) {
        counts.writes++;
        return original.apply(this, args);
      };
    }
    return counts;
  });
}

describe('write coalescing', () => {
  it('a turn of broadcasts reaches each member in order in one socket write', async () => {
    const gw = await startGateway({ plugin: { heartbeatMs: 0 } });
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    await alice.next((m) => m.type === 'join' && m.name === 'bob');
    const counts = countServerWrites(gw);
    expect(counts).toHaveLength(2);
    const texts = Array.from({ length: 20 }, (_, i) => `burst ${i}`);
    for (const text of texts) void gw.room.post(text);
    for (const client of [alice, bob]) {
      for (const text of texts) {
        expect(await client.next('chat_message')).toMatchObject({ content: text });
      }
    }
    expect(counts.map((c) => c.writes)).toEqual([1, 1]);
  });

  it('a burst far over maxBufferedBytes in one turn does not drop readers that keep up', async () => {
    const gw = await startGateway({ limits: { maxBufferedBytes: 64 * 1024 } });
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    await alice.next((m) => m.type === 'join' && m.name === 'bob');
    const text = 'b'.repeat(3900);
    const count = 2000; // ~8 MB each: more than the kernel takes at once
    for (let i = 0; i < count; i++) void gw.room.post(`${i} ${text}`);
    await gw.room.post('the end');
    for (const client of [alice, bob]) {
      await client.next((m) => m.content === 'the end', 30_000);
      expect(client.messages.filter((m) => m.type === 'chat_message')).toHaveLength(count + 1);
    }
    expect(gw.room.stats.drops.too_slow).toBeUndefined();
    expect(gw.room.size).toBe(2);
  });

  it('messages, bye and close written in one turn arrive in that order', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    for (let i = 0; i < 5; i++) void gw.room.post(`before close ${i}`);
    void gw.room.close('shutdown');
    const { code } = await alice.waitClosed();
    expect(code).toBe(1001);
    const tail = alice.messages.slice(-6).map((m) => (m.type === 'bye' ? 'bye' : m.content));
    expect(tail).toEqual([0, 1, 2, 3, 4].map((i) => `before close ${i}`).concat('bye'));
  });
});
