import { Room } from '@chatgate/core';
import { rpcGateway } from '@chatgate/rpc-gateway';
import { wsGateway } from '@chatgate/ws-gateway';
import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { blipProxy } from '../../../test-support/blip-proxy.js';
import { ClientProcess, ensureBuilt, Observer } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

async function startServer() {
  const room = new Room();
  const app = Fastify();
  onTestFinished(async () => {
    await room.close('shutdown');
    await app.close();
  });
  await app.register(websocket);
  // No heartbeat: the old connection is only ended by the resume token, never by a timeout.
  await app.register(rpcGateway, { room, heartbeatMs: 0 });
  await app.register(wsGateway, { room, servePage: false, heartbeatMs: 0 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const observer = new Observer();
  const bob = await room.join(observer, { name: 'bob' });
  return { room, bob, observer, port: address.port };
}

describe.each([
  ['rpc', '/rpc/ws'],
  ['ws', '/ws'],
])('chatgate-client over %s after a network blip', (_transport, path) => {
  it('reconnects at once under its own name and shows what it missed once', async () => {
    const { room, bob, observer, port } = await startServer();
    const proxy = await blipProxy(port);
    const alice = new ClientProcess([
      '--url',
      `ws://127.0.0.1:${proxy.port}${path}`,
      '--name',
      'alice',
    ]);
    await alice.line('* Welcome to the chat, alice!');
    await bob.say('before the blip');
    await alice.line('[bob]: before the blip');

    proxy.cut();
    await alice.line(/^\* connection lost \(.*\); reconnecting…$/);
    // Said while alice's client was away; her old connection still holds the name.
    await bob.say('while you were away');
    const back = await alice.line('* reconnected as alice');
    await alice.line(/^\* caught up: \d+ missed while away$/);
    expect(alice.lines.filter((l) => l === '[bob]: while you were away')).toHaveLength(1);
    expect(alice.lines.filter((l) => l === '[bob]: before the blip')).toHaveLength(1);
    expect(room.users()).toEqual(['bob', 'alice']);

    // Live again, both ways.
    await bob.say('after');
    await alice.line('[bob]: after', back);
    alice.write('i am back');
    await observer.message('i am back');
    alice.endInput();
    expect(await alice.exited()).toBe(0);
  });
});
