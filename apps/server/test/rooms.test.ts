import { type ChatMessage, connectChat } from '@chatgate/rpc-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RedisServer, runRedisTests } from '../../../packages/engine-redis/test/redis-server.js';
import { startChatgate, waitFor } from './helpers.js';
import { lineSession } from './line-session.js';
import { WsWatcher } from './ws-watcher.js';

/** An RPC member (capability API) whose messages are kept. */
async function rpcMember(httpPort: number, name: string) {
  const messages: ChatMessage[] = [];
  const checks = new Set<() => void>();
  const client = await connectChat(`ws://127.0.0.1:${httpPort}/rpc/ws`, {
    name,
    onMessage: (message) => {
      messages.push(message);
      for (const check of [...checks]) check();
    },
  });
  onTestFinished(() => client.close());
  const message = (text: string) =>
    waitFor(
      (check) => {
        checks.add(check);
        return () => checks.delete(check);
      },
      () => messages.find((m) => m.text === text),
      `rpc message ${text}`,
    );
  return { client, message };
}

describe('chatgate: rooms across client styles', { timeout: 30_000 }, () => {
  it('line, WebSocket and RPC members share #dev; the default room stays apart', async () => {
    const server = await startChatgate(['--rate-burst=1000', '--rate-per-second=1000']);
    const http = server.ports.http!;
    const line = lineSession(server.ports.line!);
    await line.waitLine(/welcome, you are user1/);
    const web = await WsWatcher.open(http, 'web');
    expect(await web.joined()).toBe(true);
    const rpc = await rpcMember(http, 'rpcer');

    line.send('/join #dev');
    await line.waitLine(/^\* you joined #dev \(1 here\)/);
    web.send({ type: 'join_room', room: 'dev' });
    await web.frame((f) => f.type === 'room_joined', 'web joining dev');
    const dev = await rpc.client.joinRoom('dev');

    line.send('from line');
    await web.frame((f) => f.content === 'from line' && f.room === 'dev', 'line in dev at web');
    expect((await rpc.message('from line')).room).toBe('dev');
    await dev.sendMessage('from rpc');
    await line.waitLine(/^\[rpcer\]: from rpc$/);
    web.send({ type: 'chat_message', content: 'from web', room: 'dev' });
    await line.waitLine(/^\[web\]: from web$/);
    // In the default room, the line user (talking in #dev) sees the mark.
    await rpc.client.send('in main');
    await line.waitLine(/^\[#main\] \[rpcer\]: in main$/);
    line.send('/rooms');
    await line.waitLine(/^\* rooms: #main \(3, joined\), #dev \(3, current\)$/);
  });

  it('--rooms-per-member and --max-rooms bound rooms with clear errors; bad values are refused', async () => {
    const server = await startChatgate(['--rooms-per-member=2', '--max-rooms=3']);
    const line = lineSession(server.ports.line!);
    await line.waitLine(/welcome, you are user1/);
    line.send('/join a');
    await line.waitLine(/you joined #a/);
    line.send('/join b');
    await line.waitLine(/^\* error: You are in 2 rooms, the most allowed; \/part one first\.$/);
    const other = lineSession(server.ports.line!);
    await other.waitLine(/welcome, you are user2/);
    other.send('/join b');
    await other.waitLine(/you joined #b/);
    const third = lineSession(server.ports.line!);
    await third.waitLine(/welcome, you are user3/);
    third.send('/join c');
    await third.waitLine(/^\* error: This server has 3 rooms, the most it allows/);
    await expect(startChatgate(['--max-rooms=0'])).rejects.toThrow(
      /--rooms-per-member and --max-rooms must be at least 1/,
    );
    await expect(startChatgate(['--room=no spaces'])).rejects.toThrow(/--room: Room names/);
  });

  it('--room names the default room every client starts in', async () => {
    const server = await startChatgate(['--room=#Lobby']);
    const web = await WsWatcher.open(server.ports.http!, 'web');
    expect(await web.joined()).toBe(true);
    expect(await web.frame((f) => f.type === 'welcome', 'welcome')).toMatchObject({
      room: 'lobby',
    });
    web.say('/rooms');
    const rooms = await web.frame((f) => f.type === 'rooms', 'rooms');
    expect(rooms.rooms).toEqual([
      { name: 'lobby', size: 1, joined: true, current: true, default: true },
    ]);
  });
});

describe.skipIf(!runRedisTests)(
  'chatgate on Redis: rooms across nodes',
  { timeout: 60_000 },
  () => {
    it('members on two nodes share #dev, and each node lists it', async () => {
      const redis = await RedisServer.start();
      const node = (id: string) =>
        startChatgate([`--redis=${redis.url}`, `--node-id=${id}`, '--rate-burst=1000']);
      const a = await node('a');
      const b = await node('b');
      const line = lineSession(a.ports.line!);
      await line.waitLine(/welcome, you are /);
      const web = await WsWatcher.open(b.ports.http!, 'web');
      expect(await web.joined()).toBe(true);
      line.send('/join dev');
      await line.waitLine(/you joined #dev \(1 here\)/);
      web.send({ type: 'join_room', room: '#dev' });
      const joined = await web.frame((f) => f.type === 'room_joined', 'web joining dev');
      expect(joined.count).toBe(2);
      line.send('across nodes');
      await web.frame((f) => f.content === 'across nodes' && f.room === 'dev', 'the message on b');
      web.send({ type: 'chat_message', content: 'back', room: 'dev' });
      await line.waitLine(/^\[web\]: back$/);
      web.say('/who dev');
      const who = await web.frame((f) => f.type === 'who', 'who');
      expect(who.total).toBe(2);
    });
  },
);
