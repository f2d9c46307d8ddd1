import type { Socket } from 'node:net';

// Sockets corked during this event-loop turn; one setImmediate uncorks them all.
let corked: Socket[] = [];
let scheduled = false;

function uncorkAll(): void {
  const sockets = corked;
  corked = [];
  scheduled = false;
  for (const socket of sockets) socket.uncork();
}

/**
 * Writes `chunk`, batching everything written to this socket in the same event-loop turn into
 * one writev when the turn ends: many events cost one syscall per recipient (DESIGN §5).
 * Chunks are never split or reordered, so length-prefixed frames stay whole. Corked bytes count
 * in `socket.writableLength`, so slow-consumer checks still see them. `socket.end()` uncorks.
 */
export function writeCoalesced(socket: Socket, chunk: Buffer): void {
  if (socket.writableCorked === 0) {
    socket.cork();
    corked.push(socket);
    if (!scheduled) {
      scheduled = true;
      setImmediate(uncorkAll);
    }
  }
  socket.write(chunk);
}
