import { Room } from '@chatgate/core';
import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { wsGateway } from '../src/index.js';
import { joinAs, startGateway, TestClient } from './helpers.js';

const CONNECTED = '{"type":"connect_response","success":true,"message":"Connected successfully"}';
const TAKEN = '{"type":"login_response","success":false,"message":"User already connected"}';
const NOT_CONNECT =
  '{"type":"connect_response","success":false,"message":"First message must be connect"}';

describe('group_terminal handshake (GET /ws/:username)', () => {
  it('answers connect with the exact connect_response as the first frame', async () => {
    const gw = await startGateway();
    const client = await TestClient.open(`${gw.ws}/ws/alice`);
    client.send({ type: 'connect', username: 'alice' });
    await client.next('welcome');
    expect(client.frames[0]).toBe(CONNECTED);
    expect(gw.room.users()).toEqual(['alice']);
  });

  it('echoes chat_message to everyone, sender included, with sender, agent, seq and ts', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice', '/ws/alice');
    const bob = await joinAs(gw, 'bob', '/ws/bob');
    alice.send({ type: 'chat_message', content: 'hello all' });
    const [atAlice, atBob] = await Promise.all([
      alice.nextFrame('chat_message'),
      bob.nextFrame('chat_message'),
    ]);
    expect(atAlice).toBe(atBob);
    expect(atAlice).toMatch(
      /^\{"type":"chat_message","content":"hello all","sender":"alice","agent":false,"seq":\d+,"ts":\d+\}$/,
    );
    const parsed = JSON.parse(atAlice) as { ts: number };
    expect(Math.abs(parsed.ts - Date.now())).toBeLessThan(60_000);
  });

  it('sends /me as a chat_message marked "action": true to everyone', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice', '/ws/alice');
    const bob = await joinAs(gw, 'bob', '/ws/bob');
    alice.send({ type: 'chat_message', content: '/me waves' });
    const [atAlice, atBob] = await Promise.all([
      alice.nextFrame('chat_message'),
      bob.nextFrame('chat_message'),
    ]);
    expect(atAlice).toBe(atBob);
    expect(JSON.parse(atBob)).toMatchObject({
      type: 'chat_message',
      content: 'waves',
      sender: 'alice',
      action: true,
    });
    bob.send({ type: 'chat_message', content: 'plain' });
    expect(await alice.next('chat_message')).not.toHaveProperty('action');
  });

  it('refuses a taken name (case-insensitively) with login_response and closes 1008', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice', '/ws/alice');
    const second = await TestClient.open(`${gw.ws}/ws/ALICE`);
    second.send({ type: 'connect', username: 'ALICE' });
    const closed = await second.waitClosed();
    expect(second.frames).toEqual([TAKEN]);
    expect(closed.code).toBe(1008);
    // The first alice is unaffected.
    alice.say('still here');
    expect((await alice.next('chat_message')).content).toBe('still here');
    expect(gw.room.users()).toEqual(['alice']);
  });

  it('closes with connect_response false when the first message is not connect', async () => {
    const gw = await startGateway();
    const bob = await joinAs(gw, 'bob');
    const client = await TestClient.open(`${gw.ws}/ws/alice`);
    client.send({ type: 'chat_message', content: 'hi' });
    const closed = await client.waitClosed();
    expect(client.frames).toEqual([NOT_CONNECT]);
    expect(closed.code).toBe(1008);
    bob.say('after');
    expect((await bob.next('chat_message')).content).toBe('after');
  });

  it('treats invalid JSON as a first message like any non-connect', async () => {
    const gw = await startGateway();
    const client = await TestClient.open(`${gw.ws}/ws`);
    client.send('{not json');
    expect((await client.waitClosed()).code).toBe(1008);
    expect(client.frames).toEqual([NOT_CONNECT]);
  });

  it('refuses a connect whose username differs from the path', async () => {
    const gw = await startGateway();
    const client = await TestClient.open(`${gw.ws}/ws/alice`);
    client.send({ type: 'connect', username: 'mallory' });
    const closed = await client.waitClosed();
    expect(client.frames).toEqual([
      '{"type":"login_response","success":false,"message":"Username does not match the connection path"}',
    ]);
    expect(closed.code).toBe(1008);
    expect(gw.room.size).toBe(0);
  });

  it('takes the path name when the connect message has no username', async () => {
    const gw = await startGateway();
    const client = await TestClient.open(`${gw.ws}/ws/${encodeURIComponent('zoë')}`);
    client.send({ type: 'connect' });
    const welcome = await client.next('welcome');
    expect(welcome.name).toBe('zoë');
    expect(gw.room.users()).toEqual(['zoë']);
  });
});

describe('GET /ws (name in the connect message)', () => {
  it('joins with the connect username and welcomes with the user list', async () => {
    const gw = await startGateway();
    await joinAs(gw, 'bob');
    const alice = await TestClient.open(`${gw.ws}/ws`);
    alice.send({ type: 'connect', username: 'alice' });
    expect(await alice.nextFrame('connect_response')).toBe(CONNECTED);
    const welcome = await alice.next('welcome');
    expect(welcome).toEqual({
      type: 'welcome',
      name: 'alice',
      users: ['bob', 'alice'],
      count: 2,
      seq: 2,
      room: 'main',
      epoch: gw.room.position.epoch,
      resume_token: expect.any(String),
    });
  });

  it('auto-assigns userN when the connect message has no username', async () => {
    const gw = await startGateway();
    const client = await TestClient.open(`${gw.ws}/ws`);
    client.send({ type: 'connect' });
    expect((await client.next('welcome')).name).toBe('user1');
  });

  it.each([
    ['an invalid name', 'bad name!', 'name_invalid'],
    ['a reserved name', 'System', 'name_reserved'],
  ])('refuses %s with login_response carrying the reason', async (_label, name, _code) => {
    const gw = await startGateway();
    const client = await TestClient.open(`${gw.ws}/ws`);
    client.send({ type: 'connect', username: name });
    const closed = await client.waitClosed();
    expect(closed.code).toBe(1008);
    expect(client.messages).toHaveLength(1);
    const [refusal] = client.messages;
    expect(refusal).toMatchObject({ type: 'login_response', success: false });
    expect(String(refusal!.message).length).toBeGreaterThan(0);
    expect(refusal!.message).not.toBe('User already connected');
  });

  it('answers a plain HTTP GET with 426 Upgrade Required', async () => {
    const gw = await startGateway();
    const response = await fetch(`${gw.http}/ws`);
    expect(response.status).toBe(426);
    expect(response.headers.get('upgrade')).toBe('websocket');
  });
});

describe('room events on the wire', () => {
  it('announces join and leave to the others with seq and ts', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    const joined = await alice.next('join');
    expect(joined).toMatchObject({ type: 'join', name: 'bob' });
    expect(typeof joined.seq).toBe('number');
    expect(typeof joined.ts).toBe('number');
    bob.socket.close();
    const left = await alice.next('leave');
    expect(left).toMatchObject({ type: 'leave', name: 'bob', reason: 'closed' });
    expect(left.seq as number).toBeGreaterThan(joined.seq as number);
    expect(gw.room.users()).toEqual(['alice']);
  });

  it('does not send a member its own join event (the welcome says it)', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    alice.say('marker');
    await alice.next('chat_message');
    expect(alice.messages.map((m) => m.type)).toEqual([
      'connect_response',
      'welcome',
      'chat_message',
    ]);
  });

  it('sends a private message (content + to) to sender and target only, with "to"', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    const carol = await joinAs(gw, 'carol');
    alice.say('psst', 'bob');
    const [atAlice, atBob] = await Promise.all([
      alice.nextFrame('chat_message'),
      bob.nextFrame('chat_message'),
    ]);
    expect(atAlice).toBe(atBob);
    expect(atBob).toMatch(
      /^\{"type":"chat_message","content":"psst","sender":"alice","agent":false,"seq":\d+,"ts":\d+,"to":"bob"\}$/,
    );
    // carol sees the next public message but never the private one.
    alice.say('public again');
    expect((await carol.next('chat_message')).content).toBe('public again');
  });

  it('parses "@bob text" in content as a private message', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    alice.say('@bob just you');
    expect(await bob.next('chat_message')).toMatchObject({
      content: 'just you',
      sender: 'alice',
      to: 'bob',
    });
  });

  it('relays room.post as an agent chat_message', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    await gw.room.post('beep', { sender: 'bot' });
    expect(await alice.next('chat_message')).toMatchObject({
      content: 'beep',
      sender: 'bot',
      agent: true,
    });
  });

  it('replays recent public messages on join, marked history, between connect_response and welcome', async () => {
    const gw = await startGateway({ plugin: { historyReplay: 2 } });
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    for (const text of ['one', 'two', 'three']) alice.say(text);
    alice.say('@bob private, never replayed');
    await bob.next((m) => m.content === 'private, never replayed');
    const carol = await joinAs(gw, 'carol');
    expect(carol.messages.map((m) => m.type)).toEqual([
      'connect_response',
      'chat_message',
      'chat_message',
      'welcome',
    ]);
    expect(carol.messages.slice(1, 3)).toMatchObject([
      { content: 'two', sender: 'alice', history: true },
      { content: 'three', sender: 'alice', history: true },
    ]);
  });

  it('replays the last 50 public messages by default', async () => {
    const gw = await startGateway();
    for (let i = 1; i <= 55; i++) await gw.room.post(`m${i}`, { sender: 'bot' });
    const alice = await joinAs(gw, 'alice');
    const replay = alice.messages.filter((m) => m.type === 'chat_message');
    expect(replay).toHaveLength(50);
    expect(replay.every((m) => m.history === true)).toBe(true);
    expect([replay[0]?.content, replay[49]?.content]).toEqual(['m6', 'm55']);
  });

  it('processes messages sent right after connect, in order, once joined', async () => {
    const gw = await startGateway();
    const bob = await joinAs(gw, 'bob');
    const alice = await TestClient.open(`${gw.ws}/ws`);
    alice.send({ type: 'connect', username: 'alice' });
    alice.say('first');
    alice.say('second');
    await bob.next((m) => m.type === 'chat_message' && m.content === 'first');
    expect((await bob.next('chat_message')).content).toBe('second');
  });
});

describe('commands in content', () => {
  it('/users lists everyone; @people lists the others', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    await joinAs(gw, 'bob');
    alice.say('/users');
    expect(await alice.nextFrame('users')).toBe('{"type":"users","users":["alice","bob"]}');
    alice.say('@people');
    expect(await alice.nextFrame('people')).toBe('{"type":"people","users":["bob"]}');
  });

  it('/help lists the commands', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    alice.say('/help');
    const help = await alice.next('help');
    const usages = (help.commands as Array<{ usage: string }>).map((c) => c.usage);
    expect(usages).toContain('/users');
    expect(usages).toContain('@NAME text');
  });

  it('/history N replies with the last N public messages', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    for (const text of ['a', 'b', 'c']) alice.say(text);
    await alice.next((m) => m.content === 'c');
    alice.say('/history 2');
    const history = await alice.next('history');
    expect(history.messages).toMatchObject([
      { type: 'chat_message', content: 'b', history: true },
      { type: 'chat_message', content: 'c', history: true },
    ]);
  });

  it('/nick renames and announces it to everyone', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    alice.say('/nick alicia');
    const expected = { type: 'rename', from: 'alice', to: 'alicia' };
    expect(await bob.next('rename')).toMatchObject(expected);
    expect(await alice.next('rename')).toMatchObject(expected);
    alice.say('/nick bob');
    expect(await alice.next('error')).toMatchObject({ code: 'name_taken' });
  });

  it('an unknown command is an error frame with the exact text; the connection stays', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    alice.say('/frobnicate now');
    expect(await alice.nextFrame('error')).toBe(
      '{"type":"error","code":"unknown_command","message":"Unknown command: /frobnicate"}',
    );
    alice.say('fine');
    expect((await alice.next('chat_message')).content).toBe('fine');
  });

  it('/quit says bye, closes 1000 and the others see the leave', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    alice.say('/quit');
    expect(await alice.next('bye')).toMatchObject({ reason: 'quit' });
    expect((await alice.waitClosed()).code).toBe(1000);
    expect(await bob.next('leave')).toMatchObject({ name: 'alice', reason: 'quit' });
  });

  it('a message over the room limit is refused with too_long, not cut', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    alice.say('x'.repeat(4001));
    expect(await alice.next('error')).toMatchObject({ code: 'too_long' });
    alice.say('x'.repeat(4000));
    expect(((await alice.next('chat_message')).content as string).length).toBe(4000);
  });

  it("an error answering a chat_message carries that message's ref", async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    alice.send({ type: 'chat_message', content: 'x'.repeat(4001), ref: 41 });
    alice.send({ type: 'chat_message', content: 'to nobody', to: 'ghost', ref: 'q-42' });
    alice.send({ type: 'chat_message', content: 'bad ref', ref: { nested: true } });
    // The malformed one is refused at decoding, before the others are answered.
    const errors = [
      await alice.next('error'),
      await alice.next('error'),
      await alice.next('error'),
    ];
    expect(errors).toContainEqual(expect.objectContaining({ code: 'too_long', ref: 41 }));
    expect(errors).toContainEqual(expect.objectContaining({ code: 'no_such_member', ref: 'q-42' }));
    const invalid = errors.find((e) => e.code === 'invalid_message');
    expect(invalid).toBeDefined();
    expect(invalid).not.toHaveProperty('ref');
    // Nobody else is affected: bob still gets the next message.
    alice.send({ type: 'chat_message', content: 'still here', ref: 43 });
    expect((await bob.next('chat_message')).content).toBe('still here');
  });

  it('a private message to nobody is an error', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    alice.say('hello?', 'ghost');
    expect(await alice.next('error')).toMatchObject({ code: 'no_such_member' });
  });
});

describe('registration', () => {
  it('fails loudly without @fastify/websocket', async () => {
    const app = Fastify({ logger: false });
    onTestFinished(() => app.close());
    await expect(
      app.register(wsGateway, { room: new Room() }).then(() => app.ready()),
    ).rejects.toThrow(/@fastify\/websocket/);
  });

  it('leaves other routes (another WebSocket endpoint) to their owners', async () => {
    const room = new Room();
    const app = Fastify({ logger: false });
    onTestFinished(async () => {
      await app.close();
      await room.close();
    });
    await app.register(websocket);
    await app.register(wsGateway, { room });
    app.get('/rpc/ws', { websocket: true }, (socket) => {
      socket.on('message', (data) => socket.send(`echo:${String(data)}`));
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const other = await TestClient.open(`ws://127.0.0.1:${port}/rpc/ws`);
    other.socket.send('ping');
    await other.next('<not json>');
    expect(other.frames).toEqual(['echo:ping']);
  });

  it('mounts under a prefix', async () => {
    const gw = await startGateway({ prefix: '/chat' });
    const client = await TestClient.open(`${gw.ws}/chat/ws/alice`);
    client.send({ type: 'connect', username: 'alice' });
    expect(await client.nextFrame('connect_response')).toBe(CONNECTED);
  });
});

describe('an open WebSocket keeps nothing of its HTTP upgrade', () => {
  it('drops the upgrade request and response once the socket is handed to the session', async () => {
    const gw = await startGateway();
    await joinAs(gw, 'alice');
    const [server] = Array.from(gw.app.websocketServer.clients) as unknown as Array<{
      listeners(event: string): unknown[];
      _socket: { _httpMessage: unknown };
    }>;
    // @fastify/websocket's own listener closed over the request and reply; ours replaced it.
    const listeners = server!.listeners('error').map(String);
    expect(listeners.length).toBeGreaterThan(0);
    for (const listener of listeners) expect(listener).not.toMatch(/errorHandler|request|reply/);
    // The socket no longer points at the HTTP response (and through it, the request).
    expect(server!._socket._httpMessage).toBeNull();
  });
});
