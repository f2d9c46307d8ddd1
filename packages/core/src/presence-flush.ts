import type { RoomEvent } from './events.js';
import type { Member } from './member.js';

/** Something holding deferred bytes; `flushDeferred` writes them now (never throws). */
export interface DeferredWriter {
  flushDeferred(): void;
}

/** Shortest and longest wait for a presence flush, in ms. */
export const PRESENCE_FLUSH_MIN_MS = 20;
export const PRESENCE_FLUSH_MAX_MS = 1000;
/** The next wait is this many times the last flush's cost: flushing stays ≤ 1/5 of the time. */
const PRESENCE_FLUSH_FACTOR = 4;

let waiting: DeferredWriter[] = [];
let scheduled = false;
let delayMs = PRESENCE_FLUSH_MIN_MS;

function flushAll(): void {
  const started = performance.now();
  const writers = waiting;
  waiting = [];
  scheduled = false;
  for (const writer of writers) {
    try {
      writer.flushDeferred();
    } catch {
      // A writer owns its errors (the contract says it never throws); the others still flush.
    }
  }
  const took = performance.now() - started;
  delayMs = Math.min(
    PRESENCE_FLUSH_MAX_MS,
    Math.max(PRESENCE_FLUSH_MIN_MS, took * PRESENCE_FLUSH_FACTOR),
  );
}

/** True for someone else's join or leave: the events a transport may defer to a flush. */
export function isOthersPresence(event: RoomEvent, self: Member): boolean {
  return (event.kind === 'join' || event.kind === 'leave') && event.memberId !== self.id;
}

/**
 * Flushes `writer` with the next presence flush, one timer for every connection of every
 * transport in the process. Used for
 * others' joins and leaves: when N members join one after another, each join otherwise costs
 * a write syscall to every member (N² in all, ~12 µs each here); batched, one writev per
 * member carries every join of the wait. The wait grows with the cost of a flush (4×, at most
 * PRESENCE_FLUSH_MAX_MS), so a big room spends at most a fifth of its time flushing presence.
 * Call once per writer until it has been flushed.
 */
export function schedulePresenceFlush(writer: DeferredWriter): void {
  waiting.push(writer);
  if (!scheduled) {
    scheduled = true;
    setTimeout(flushAll, delayMs);
  }
}
