import { Room } from '@chatgate/core';
import { rpcGateway } from '@chatgate/rpc-gateway';
import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ClientProcess, ensureBuilt, Observer } from './helpers.js';
import { startJsonWsServer, startLineTcpServer, type WireServer } from './wire-servers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

/** A real chatgate RPC endpoint on an ephemeral loopback port, with `bob` in the room. */
async function startRpcServer() {
  const room = new Room();
  const app = Fastify();
  onTestFinished(async () => {
    await room.close('shutdown');
    await app.close();
  });
  await app.register(websocket);
  await app.register(rpcGateway, { room });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const observer = new Observer();
  const bob = await room.join(observer, { name: 'bob' });
  return { room, bob, observer, url: `ws://127.0.0.1:${address.port}/rpc/ws` };
}

describe("chatgate-client over Cap'n Web RPC", () => {
  it('joins, chats, whispers, lists users and leaves cleanly at end of input', async () => {
    const { bob, observer, url } = await startRpcServer();
    const alice = new ClientProcess(['--url', url, '--name', 'alice']);
    await alice.line('* Welcome to the chat, alice!');
    const online = await alice.line('* online (2): bob, alice');
    await observer.next((e) => e.kind === 'join' && e.name === 'alice', 'alice joining');

    await bob.say('hi alice');
    await alice.line('[bob]: hi alice');

    alice.write('hello bob');
    const hello = await observer.message('hello bob');
    expect(hello).toMatchObject({ sender: 'alice' });
    expect(hello).not.toHaveProperty('toId');

    alice.write('@bob just between us');
    const secret = await observer.message('just between us');
    expect(secret).toMatchObject({ sender: 'alice', to: 'bob' });
    await alice.line('[you -> bob]: just between us');

    await bob.whisper('alice', 'psst');
    await alice.line('[bob -> you]: psst');

    alice.write('/users');
    await alice.line('* online (2): bob, alice', online + 1);

    alice.write('/nope');
    await alice.line('* error: Unknown command: /nope');

    alice.endInput();
    await observer.left('alice');
    expect(await alice.exited()).toBe(0);
  });

  it('takes the name from the first stdin line when piped', async () => {
    const { observer, url } = await startRpcServer();
    const carol = new ClientProcess(['--url', url]);
    carol.write('carol');
    await carol.line('* Welcome to the chat, carol!');
    carol.write('from a script');
    await observer.message('from a script');
    carol.write('/quit');
    await observer.left('carol');
    expect(await carol.exited()).toBe(0);
  });

  it("fails with exit 1 and the server's reason for a taken name", async () => {
    const { url } = await startRpcServer();
    const impostor = new ClientProcess(['--url', url, '--name', 'BOB']);
    expect(await impostor.exited()).toBe(1);
    expect(impostor.stderr).toContain("Username 'BOB' is already taken");
  });

  it('exits 1 with a message when the server goes away', async () => {
    const { room, url } = await startRpcServer();
    const alice = new ClientProcess(['--url', url, '--name', 'alice']);
    await alice.line('* Welcome to the chat, alice!');
    await room.close('shutdown');
    expect(await alice.exited()).toBe(1);
    expect(alice.stderr).toContain('connection lost');
  });

  it('exits 1 when nothing listens at the URL', async () => {
    const { url } = await startRpcServer();
    const lost = new ClientProcess([
      '--url',
      url.replace('/rpc/ws', '/rpc/nothing'),
      '--name',
      'x',
    ]);
    expect(await lost.exited()).toBe(1);
    expect(lost.stderr).toContain('could not join');
  });
});

/** The same script against a server speaking one of the other wire formats. */
async function chatOver(server: WireServer, transport: string) {
  const alice = new ClientProcess(['--url', server.url, '--name', 'alice']);
  await alice.line('* Welcome to the chat, alice!');
  const online = await alice.line('* online (2): bob, alice');

  server.say('bob', 'hi alice');
  await alice.line('[bob]: hi alice');

  alice.write('hello bob');
  await server.until(
    () => server.said.find((m) => m.from === 'alice' && m.content === 'hello bob' && !m.to),
    `hello bob over ${transport}`,
  );
  alice.write('@bob just between us');
  await server.until(
    () => server.said.find((m) => m.content === 'just between us' && m.to === 'bob'),
    `whisper over ${transport}`,
  );
  await alice.line('[you -> bob]: just between us');
  server.say('bob', 'psst', 'alice');
  await alice.line('[bob -> you]: psst');

  alice.write('/users');
  await alice.line('* online (2): bob, alice', online + 1);
  alice.write('/nope');
  await alice.line('* error: Unknown command: /nope');

  alice.endInput();
  await server.until(() => (server.left.includes('alice') ? true : undefined), 'alice leaving');
  expect(await alice.exited()).toBe(0);
}

// These run against minimal servers speaking the documented formats (wire-servers.ts) until
// the ws and tcp gateways are merged; see apps/client/README.md.
describe('chatgate-client over the WebSocket JSON protocol', () => {
  it('joins, chats, whispers, lists users and leaves cleanly at end of input', async () => {
    await chatOver(await startJsonWsServer(['bob']), 'ws');
  });

  it("fails with exit 1 and the server's reason for a taken name", async () => {
    const server = await startJsonWsServer(['bob']);
    const impostor = new ClientProcess(['--url', server.url, '--name', 'bob']);
    expect(await impostor.exited()).toBe(1);
    expect(impostor.stderr).toContain('User already connected');
  });

  it("exits 1 with the server's reason when it goes away", async () => {
    const server = await startJsonWsServer();
    const alice = new ClientProcess(['--url', server.url, '--name', 'alice']);
    await alice.line('* Welcome to the chat, alice!');
    await server.stop();
    expect(await alice.exited()).toBe(1);
    expect(alice.stderr).toContain('connection lost: The server is shutting down.');
  });
});

describe('chatgate-client over line TCP', () => {
  it('joins with /nick, chats, whispers, lists users and leaves cleanly at end of input', async () => {
    await chatOver(await startLineTcpServer(['bob']), 'tcp');
  });

  it("fails with exit 1 and the server's reason for a taken name", async () => {
    const server = await startLineTcpServer(['bob']);
    const impostor = new ClientProcess(['--url', server.url, '--name', 'bob']);
    expect(await impostor.exited()).toBe(1);
    expect(impostor.stderr).toContain("The name 'bob' is already taken.");
  });

  it('exits 1 with a message when the server goes away', async () => {
    const server = await startLineTcpServer();
    const alice = new ClientProcess(['--url', server.url, '--name', 'alice']);
    await alice.line('* Welcome to the chat, alice!');
    await server.stop();
    expect(await alice.exited()).toBe(1);
    expect(alice.stderr).toContain('connection lost: server shutting down');
  });
});
