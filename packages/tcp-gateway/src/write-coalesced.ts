import type { Socket } from 'node:net';
import { corkForTurn } from '@chatgate/core/transport';

/**
 * Writes `chunk`, batching everything written to this socket in the same event-loop turn into
 * one writev when the turn ends (core's corkForTurn): many events cost one syscall per
 * recipient (DESIGN §5). Chunks are never split or reordered, so length-prefixed frames stay
 * whole. Corked bytes count in `socket.writableLength`, so slow-consumer checks still see them.
 */
export function writeCoalesced(socket: Socket, chunk: Buffer): void {
  corkForTurn(socket);
  socket.write(chunk);
}
