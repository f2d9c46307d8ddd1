import { createSecureContext } from 'node:tls';
import { Room } from '@chatgate/core';
import { rpcGateway } from '@chatgate/rpc-gateway';
import { createTcpListener } from '@chatgate/tcp-gateway';
import { wsGateway } from '@chatgate/ws-gateway';
import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createTestCert } from '../../../test-support/tls-cert.js';
import { ClientProcess, ensureBuilt, Observer } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

const cert = createTestCert();

/** The gateways behind HTTPS/WSS and a line listener inside TLS, with `bob` in the room. */
async function startTlsServer() {
  const room = new Room();
  const app = Fastify({ https: { cert: cert.cert, key: cert.key } });
  const line = createTcpListener({
    room,
    dialect: 'line',
    port: 0,
    tls: createSecureContext({ cert: cert.cert, key: cert.key }),
  });
  onTestFinished(async () => {
    await line.close({ drain: false });
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
  return {
    bob,
    urls: {
      rpc: `wss://127.0.0.1:${address.port}/rpc/ws`,
      ws: `wss://localhost:${address.port}/ws`,
      tcp: `tls://127.0.0.1:${tcp.port}`,
    },
  };
}

describe.each(['rpc', 'ws', 'tcp'] as const)('chatgate-client over TLS (%s)', (transport) => {
  it('joins and chats with --ca trusting the server certificate', async () => {
    const { bob, urls } = await startTlsServer();
    const alice = new ClientProcess([
      '--url',
      urls[transport],
      '--name',
      'alice',
      '--ca',
      cert.certPath,
    ]);
    await alice.line('* Welcome to the chat, alice!');
    await bob.say('hi over tls');
    await alice.line('[bob]: hi over tls');
    alice.endInput();
    expect(await alice.exited()).toBe(0);
  });

  it('refuses a server certificate it does not trust, with a clear error', async () => {
    const { urls } = await startTlsServer();
    const alice = new ClientProcess(['--url', urls[transport], '--name', 'alice']);
    expect(await alice.exited()).toBe(1);
    expect(alice.stderr).toMatch(/self[- ]signed certificate|unable to verify/i);
  });
});

describe('chatgate-client --ca', () => {
  it('refuses a missing or non-PEM file with a usage error', async () => {
    const missing = new ClientProcess(['--ca', '/nonexistent/ca.pem', 'tls://127.0.0.1:1']);
    expect(await missing.exited()).toBe(2);
    expect(missing.stderr).toMatch(
      /^chatgate-client: cannot read --ca \/nonexistent\/ca\.pem: no such file/,
    );
    const notPem = new ClientProcess(['--ca', cert.keyPath, 'tls://127.0.0.1:1']);
    expect(await notPem.exited()).toBe(2);
    expect(notPem.stderr).toMatch(/holds no PEM certificate/);
  });
});
