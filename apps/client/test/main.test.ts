import { Room } from '@chatgate/core';
import { rpcGateway } from '@chatgate/rpc-gateway';
import { createTcpListener } from '@chatgate/tcp-gateway';
import { wsGateway } from '@chatgate/ws-gateway';
import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ClientProcess, ensureBuilt, Observer } from './helpers.js';
import { startJsonWsServer } from './wire-servers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

type Transport = 'rpc' | 'ws' | 'tcp';

/**
 * A small chatgate server on ephemeral loopback ports: one room behind the real RPC and ws
 * gateways (Fastify) and a line TCP listener, with `bob` in the room in process.
 */
async function startServer() {
  const room = new Room();
  const app = Fastify();
  const line = createTcpListener({ room, dialect: 'line', port: 0 });
  onTestFinished(async () => {
    await line.close();
    await room.close('shutdown');
    await app.close();
  });
  await app.register(websocket);
  await app.register(rpcGateway, { room });
  await app.register(wsGateway, { room, servePage: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const tcp = await line.listen();
  const observer = new Observer();
  const bob = await room.join(observer, { name: 'bob' });
  const urls: Record<Transport, string> = {
    rpc: `ws://127.0.0.1:${address.port}/rpc/ws`,
    ws: `ws://127.0.0.1:${address.port}/ws`,
    tcp: `tcp://127.0.0.1:${tcp.port}`,
  };
  return { room, bob, observer, urls };
}

describe.each<Transport>(['rpc', 'ws', 'tcp'])('chatgate-client over %s', (transport) => {
  it('joins, chats, whispers, lists users and leaves cleanly at end of input', async () => {
    const { bob, observer, urls } = await startServer();
    const alice = new ClientProcess(['--url', urls[transport], '--name', 'alice']);
    await alice.line('* Welcome to the chat, alice!');
    const online = await alice.line('* online (2): bob, alice');
    // Line TCP joins as userN and renames (`/nick alice`); the others join as alice.
    await observer.next(
      (e) => (e.kind === 'join' && e.name === 'alice') || (e.kind === 'rename' && e.to === 'alice'),
      'alice joining',
    );

    await bob.say('hi alice');
    await alice.line('[bob]: hi alice');

    alice.write('hello bob');
    const hello = await observer.message('hello bob');
    expect(hello).toMatchObject({ sender: 'alice' });
    expect(hello).not.toHaveProperty('toId');

    alice.write('@bob just between us');
    expect(await observer.message('just between us')).toMatchObject({ sender: 'alice', to: 'bob' });
    await alice.line('[you -> bob]: just between us');

    await bob.whisper('alice', 'psst');
    await alice.line('[bob -> you]: psst');

    alice.write('/users');
    await alice.line('* online (2): bob, alice', online + 1);
    alice.write('/nope');
    await alice.line('* error: Unknown command: /nope');
    alice.write('/nick alicia');
    await observer.next((e) => e.kind === 'rename' && e.to === 'alicia', 'the rename');
    alice.write('/help');
    await alice.line(/^\*\s+\/quit\s/);

    alice.endInput();
    await observer.left('alicia');
    expect(await alice.exited()).toBe(0);
  });

  it('joins rooms, marks lines from other rooms with [#room], lists rooms and members', async () => {
    const { bob, urls } = await startServer();
    const alice = new ClientProcess(['--url', urls[transport], '--name', 'alice']);
    await alice.line('* Welcome to the chat, alice!');
    alice.write('/join #dev');
    await alice.line('* you joined #dev (1 here); now talking in #dev');
    await bob.joinRoom('dev');
    await alice.line('* bob joined the chat');
    await bob.membershipIn('dev')!.say('in dev');
    await alice.line('[bob]: in dev');
    await bob.say('in main');
    await alice.line('[#main] [bob]: in main');
    alice.write('/switch main');
    await alice.line('* now talking in #main');
    await bob.membershipIn('dev')!.say('dev again');
    await alice.line('[#dev] [bob]: dev again');
    alice.write('/rooms');
    await alice.line('* rooms: #main (2, current), #dev (2, joined)');
    alice.write('/who #dev');
    await alice.line('* #dev (2): alice, bob');
    alice.write('/part dev');
    await alice.line('* you left #dev; now talking in #main');
    alice.endInput();
    expect(await alice.exited()).toBe(0);
  });

  it('takes the name from the first stdin line and leaves on /quit', async () => {
    const { observer, urls } = await startServer();
    const carol = new ClientProcess(['--url', urls[transport]]);
    carol.write('carol');
    await carol.line('* Welcome to the chat, carol!');
    carol.write('from a script');
    await observer.message('from a script');
    carol.write('/quit');
    await observer.left('carol');
    expect(await carol.exited()).toBe(0);
  });

  it("fails with exit 1 and the server's reason for a taken name", async () => {
    const { observer, urls } = await startServer();
    const impostor = new ClientProcess(['--url', urls[transport], '--name', 'BOB']);
    expect(await impostor.exited()).toBe(1);
    const reason = {
      rpc: "Username 'BOB' is already taken",
      ws: 'User already connected',
      tcp: "The name 'BOB' is already taken.",
    }[transport];
    expect(impostor.stderr).toContain(reason);
    // Nobody but bob is left in the room.
    expect(observer.events.filter((e) => e.kind === 'join' && e.name !== 'bob')).toEqual(
      transport === 'tcp' ? [expect.objectContaining({ name: 'user1' })] : [],
    );
  });

  it('exits 1 with a message when the server goes away', async () => {
    const { room, urls } = await startServer();
    const alice = new ClientProcess(['--url', urls[transport], '--name', 'alice']);
    await alice.line('* Welcome to the chat, alice!');
    await room.close('shutdown');
    expect(await alice.exited()).toBe(1);
    expect(alice.stderr).toContain('connection lost');
  });
});

describe('chatgate-client, edge cases', () => {
  it('exits 1 when nothing listens at the URL', async () => {
    const { urls } = await startServer();
    const lost = new ClientProcess([
      '--url',
      urls.rpc.replace('/rpc/ws', '/rpc/nothing'),
      '--name',
      'x',
    ]);
    expect(await lost.exited()).toBe(1);
    expect(lost.stderr).toContain('could not join');
  });

  it('leaves cleanly and exits 0 on SIGTERM', async () => {
    const { observer, urls } = await startServer();
    const alice = new ClientProcess(['--url', urls.rpc, '--name', 'alice']);
    await alice.line('* Welcome to the chat, alice!');
    alice.signal('SIGTERM');
    expect(await observer.left('alice')).toMatchObject({ reason: 'quit' });
    expect(await alice.exited()).toBe(0);
  });

  it('exits 2 with the usage on bad arguments', async () => {
    const bad = new ClientProcess(['--transport', 'pigeon']);
    expect(await bad.exited()).toBe(2);
    expect(bad.stderr).toContain('Usage: chatgate-client');
  });

  it("joins a WebSocket server that sends no welcome frame (group_terminal's)", async () => {
    const server = await startJsonWsServer({ present: ['bob'], welcome: false });
    const alice = new ClientProcess(['--url', server.url, '--name', 'alice']);
    await alice.line('* Welcome to the chat, alice!');
    await alice.line('* online (1): alice');
    server.say('bob', 'hi alice');
    await alice.line('[bob]: hi alice');
    alice.endInput();
    expect(await alice.exited()).toBe(0);
  });
});
