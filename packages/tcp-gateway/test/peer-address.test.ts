import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { peerAddress } from '../src/peer-address.js';
import { acceptedByPlainServer, ownKeys } from './helpers.js';

describe('peerAddress', () => {
  it.each(['127.0.0.1', '::1'])(
    'is the client address over %s, and adds nothing to the socket',
    async (host) => {
      const { server, clientAddress } = await acceptedByPlainServer(host);
      const before = ownKeys(server);
      expect(peerAddress(server)).toBe(clientAddress);
      expect(ownKeys(server)).toEqual(before);
      // What it avoids: remoteAddress caches the address as a new own property.
      expect(server.remoteAddress).toBe(clientAddress);
      expect(ownKeys(server)).not.toEqual(before);
    },
  );

  it('falls back to remoteAddress when the socket has no handle', () => {
    const socket = { _handle: null, remoteAddress: '192.0.2.7' } as unknown as Socket;
    expect(peerAddress(socket)).toBe('192.0.2.7');
  });
});
