import { ConnectionGate } from '@chatgate/core/transport';
import type { ChatGatewayApi, ChatReadApi } from '@chatgate/rpc-client';
import websocket from '@fastify/websocket';
import { newHttpBatchRpcSession, newWebSocketRpcSession } from 'capnweb';
import Fastify from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { openChatBatch } from '../src/client.js';
import { rpcGateway } from '../src/plugin.js';
import {
  Inbox,
  joinAs,
  OtherTransportSession,
  openClient,
  RecordingLogger,
  startServer,
} from './helpers.js';

describe('plugin > HTTP batch at POST /rpc', () => {
  it('answers listUsers and getHistory in one batch', async () => {
    const { url, batchUrl } = await startServer();
    const alice = await joinAs(url, 'alice');
    await joinAs(url, 'bob');
    await alice.api.sendMessage('alice', 'for the record');

    const batch = newHttpBatchRpcSession<ChatReadApi>(batchUrl);
    const [users, history] = await Promise.all([batch.listUsers(), batch.getHistory()]);
    expect(users).toEqual(['alice', 'bob']);
    expect(history).toEqual([
      expect.objectContaining({ username: 'alice', text: 'for the record', type: 'chat' }),
    ]);

    const helper = openChatBatch(batchUrl);
    expect(await helper.userCount).toBe(2);
  });

  it('offers only the read-only calls', async () => {
    const { batchUrl, room } = await startServer();
    const batch = newHttpBatchRpcSession<ChatReadApi & { join: (n: string) => unknown }>(batchUrl);
    await expect(batch.join('mallory')).rejects.toThrow();
    expect(room.users()).toEqual([]);
  });

  it('answers a garbage body with 400, and keeps serving', async () => {
    const { batchUrl } = await startServer();
    const bad = await fetch(batchUrl, { method: 'POST', body: '{not json' });
    expect(bad.status).toBe(400);
    const batch = newHttpBatchRpcSession<ChatReadApi>(batchUrl);
    expect(await batch.listUsers()).toEqual([]);
  });
});

describe('plugin > connections', () => {
  it('applies the connection gate per address and releases on close', async () => {
    const gate = new ConnectionGate({ maxPerAddress: 1 });
    const { url, room } = await startServer({ gate });
    const watcher = new OtherTransportSession();
    await room.join(watcher, { name: 'watcher' });
    const first = await joinAs(url, 'alice');
    expect(gate.openByTransport()).toEqual({ rpc: 1 });

    const second = openClient(url);
    expect(await second.closed).toBe(1013);
    // The refused socket never held a slot; alice is unaffected.
    expect(await first.api.listUsers()).toEqual(['watcher', 'alice']);

    first.socket.terminate();
    // The slot is released before the leave is announced.
    await watcher.next((e) => e.kind === 'leave' && e.name === 'alice', 'alice leaving');
    const third = await joinAs(url, 'carol');
    expect(third.welcome.users).toEqual(['watcher', 'carol']);
  });

  it('closes a connection that joins no one within the join timeout', async () => {
    const { url } = await startServer({ joinTimeoutMs: 100 });
    const idle = openClient(url);
    // No call first: its answer would race the 100 ms deadline on a loaded machine.
    expect(await idle.closed).toBe(1008);
  });

  it('drops a connection that stops answering pings; its member leaves with timeout', async () => {
    // Long enough that live peers answer (and `silent` joins) before a tick drops them.
    const { url, room } = await startServer({ heartbeatMs: 250 });
    const watcher = new OtherTransportSession();
    await room.join(watcher, { name: 'watcher' });
    const live = await joinAs(url, 'live');
    // A peer that never answers pings, as a dead network would.
    const socket = new WebSocket(url, { autoPong: false });
    socket.on('error', () => {});
    onTestFinished(() => socket.terminate());
    const api = newWebSocketRpcSession<ChatGatewayApi>(socket as unknown as globalThis.WebSocket);
    await api.join('silent', new Inbox());
    const left = await watcher.next(
      (e) => e.kind === 'leave' && e.name === 'silent',
      'silent leaving',
    );
    expect(left).toMatchObject({ reason: 'timeout' });
    await live.api.sendMessage('live', 'still here');
    await live.inbox.next('still here');
    expect(room.users()).toEqual(['watcher', 'live']);
  });

  it('closes RPC sockets with 1001 when the room shuts down', async () => {
    const { url, room } = await startServer();
    const alice = await joinAs(url, 'alice');
    await room.close('shutdown');
    expect(await alice.closed).toBe(1001);
  });

  it('logs per connection with transport and remote, then the member name', async () => {
    const logger = new RecordingLogger();
    const { url } = await startServer({ logger });
    await joinAs(url, 'alice');
    const connected = logger.lines.find((l) => l.msg === 'connected');
    expect(connected?.bindings).toMatchObject({ transport: 'rpc', remote: '127.0.0.1' });
    expect(typeof connected?.bindings.conn).toBe('number');
    const joined = logger.lines.find((l) => l.msg === 'joined');
    expect(joined?.bindings).toMatchObject({ transport: 'rpc', name: 'alice' });
  });

  it('fails loudly when @fastify/websocket is not registered first', async () => {
    const app = Fastify();
    onTestFinished(() => app.close());
    const { Room } = await import('@chatgate/core');
    await expect(app.register(rpcGateway, { room: new Room() }).ready()).rejects.toThrow(
      /@fastify\/websocket/,
    );
  });

  it('serves on a custom path', async () => {
    const { url } = await startServer({ path: '/custom/rpc' });
    expect(url.endsWith('/custom/rpc')).toBe(true);
    const alice = await joinAs(url, 'alice');
    expect(alice.welcome.users).toEqual(['alice']);
  });
});

describe('plugin > members of other transports', () => {
  it('appear to RPC members as joins, chat and private messages', async () => {
    const { url, room } = await startServer();
    const alice = await joinAs(url, 'alice');
    const zedSession = new OtherTransportSession();
    const zed = await room.join(zedSession, { name: 'zed' });
    await alice.inbox.next('zed joined the chat');

    await zed.say('hi from the other side');
    expect(await alice.inbox.next('hi from the other side')).toMatchObject({
      username: 'zed',
      type: 'chat',
    });
    await zed.whisper('alice', 'psst');
    expect(await alice.inbox.next('psst')).toMatchObject({
      username: 'zed',
      type: 'private',
      to: 'alice',
    });
    await room.post('maintenance at noon', { sender: 'ops' });
    expect(await alice.inbox.next('maintenance at noon')).toMatchObject({
      username: 'ops',
      type: 'chat',
      agent: true,
    });

    await alice.api.sendMessage('alice', 'hello zed');
    await alice.inbox.next('hello zed');
    expect(zedSession.events.some((e) => e.kind === 'message' && e.content === 'hello zed')).toBe(
      true,
    );
    await zed.leave('closed');
    await alice.inbox.next('zed left the chat');
  });

  it('refuses sends over the rate limit and keeps the member', async () => {
    const { url } = await startServer({ roomOptions: { limits: { rateBurst: 2 } } });
    const alice = await joinAs(url, 'alice');
    const bob = await joinAs(url, 'bob');
    await bob.api.sendMessage('bob', 'one');
    await bob.api.sendMessage('bob', 'two');
    await expect(bob.api.sendMessage('bob', 'three')).rejects.toMatchObject({
      code: 'rate_limited',
    });
    await alice.api.sendMessage('alice', 'alice goes on');
    await bob.inbox.next('alice goes on');
    expect(alice.inbox.texts()).not.toContain('three');
  });
});

describe('plugin > registration', () => {
  it('is a named fastify plugin that declares @fastify/websocket', async () => {
    const app = Fastify();
    onTestFinished(() => app.close());
    const { Room } = await import('@chatgate/core');
    await app.register(websocket);
    await app.register(rpcGateway, { room: new Room() });
    await app.ready();
    expect(app.hasPlugin('@chatgate/rpc-gateway')).toBe(true);
  });
});
