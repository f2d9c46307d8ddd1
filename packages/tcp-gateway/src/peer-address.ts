import type { Socket } from 'node:net';

/** The part of Node's TCP handle (`socket._handle`) that reports the peer. */
interface PeerNameHandle {
  getpeername?(out: { address?: string }): number;
}

/**
 * The peer's IP address, read from the socket's handle. `socket.remoteAddress` would cache it
 * on the socket as a new own property (`_peername`), giving every chatgate socket a hidden
 * class Node's own sockets never have; Node's stream code then meets more socket shapes than
 * its inline caches hold, and every write pays a megamorphic lookup (docs/architecture.md,
 * "Sockets keep Node's shape"). Falls back to `remoteAddress` when the handle cannot say.
 */
export function peerAddress(socket: Socket): string | undefined {
  const handle = (socket as unknown as { _handle?: PeerNameHandle | null })._handle;
  const out: { address?: string } = {};
  if (typeof handle?.getpeername === 'function' && handle.getpeername(out) === 0) {
    if (typeof out.address === 'string') return out.address;
  }
  return socket.remoteAddress;
}
