import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { peerAddress } from '../src/peer-address.js';
import { WAIT_MS } from './helpers.js';

/** The server side of a fresh connection to `host`, and the client's own address. */
async function accepted(host: string): Promise<{ server: Socket; clientAddress: string }> {
  const listener = createServer();
  onTestFinished(() => new Promise<void>((resolve) => listener.close(() => resolve())));
  await new Promise<void>((resolve) => listener.listen(0, host, resolve));
  const { port } = listener.address() as { port: number };
  const server = new Promise<Socket>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no connection')), WAIT_MS);
    listener.once('connection', (socket: Socket) => {
      clearTimeout(timer);
      onTestFinished(() => socket.destroy());
      resolve(socket);
    });
  });
  const client = connect(port, host);
  onTestFinished(() => client.destroy());
  await new Promise<void>((resolve) => client.once('connect', resolve));
  return { server: await server, clientAddress: client.localAddress! };
}

const ownKeys = (socket: Socket) => Reflect.ownKeys(socket).map(String).sort();

describe('peerAddress', () => {
  it.each(['127.0.0.1', '::1'])(
    'is the client address over %s, and adds nothing to the socket',
    async (host) => {
      const { server, clientAddress } = await accepted(host);
      const before = ownKeys(server);
      expect(peerAddress(server)).toBe(clientAddress);
      expect(ownKeys(server)).toEqual(before);
      // What it avoids: remoteAddress caches the address as a new own property.
      expect(server.remoteAddress).toBe(clientAddress);
      expect(ownKeys(server)).not.toEqual(before);
    },
  );

  it('falls back to remoteAddress when the socket has no handle', () => {
    const socket = new (class extends Object {
      _handle = null;
      remoteAddress = '192.0.2.7';
    })() as unknown as Socket;
    expect(peerAddress(socket)).toBe('192.0.2.7');
  });
});
