import type { DisconnectReason, Member, RoomEvent, Session } from '../src/index.js';
import { type Dialect, Room, type RoomOptions } from '../src/index.js';

/** A dialect that renders events as short strings, counting how often it encodes. */
export class TextDialect implements Dialect<string> {
  encodes = 0;
  constructor(readonly name = 'text') {}
  encode(event: RoomEvent): string {
    this.encodes++;
    switch (event.kind) {
      case 'message':
        return event.toId === undefined
          ? `${event.sender}: ${event.content}`
          : `${event.sender} -> ${event.to}: ${event.content}`;
      case 'join':
        return `+${event.name}`;
      case 'leave':
        return `-${event.name}`;
      case 'rename':
        return `${event.from}=>${event.to}`;
    }
  }
}

export const sharedDialect = new TextDialect();

/** A session that records what it is given. */
export class RecordingSession implements Session<string> {
  events: RoomEvent[] = [];
  frames: string[] = [];
  closedWith: DisconnectReason[] = [];
  bufferedBytes = 0;
  throwOnDeliver = false;
  constructor(readonly dialect: Dialect<string> = sharedDialect) {}
  deliver(event: RoomEvent, frame: string | null, _self: Member): void {
    if (this.throwOnDeliver) throw new Error('boom');
    this.events.push(event);
    if (frame !== null) this.frames.push(frame);
  }
  close(reason: DisconnectReason): void {
    this.closedWith.push(reason);
  }
  seqs(): number[] {
    return this.events.map((e) => e.seq);
  }
}

export function createRoom(options: RoomOptions = {}): Room {
  return new Room(options);
}

export async function joinAs(room: Room, name?: string, session = new RecordingSession()) {
  const member = await room.join(session, name === undefined ? {} : { name });
  return { member, session };
}

export const WAIT_MS = 5_000;

/** Resolves on the emitter's next `event`, rejects after `ms`. Set it up before the action. */
export function nextEvent<T extends unknown[] = unknown[]>(
  emitter: NodeJS.EventEmitter,
  event: string,
  ms = WAIT_MS,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${ms} ms waiting for '${event}'`));
    }, ms);
    const listener = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    };
    emitter.once(event, listener);
  });
}

/** Polls nothing: re-checks `condition` each time `emitter` emits `event`, with a timeout. */
export async function waitUntil(
  condition: () => boolean,
  emitter: NodeJS.EventEmitter,
  event: string,
  ms = WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`condition not met within ${ms} ms`);
    await nextEvent(emitter, event, left);
  }
}

/** Resolves after the event loop's next iteration (one poll for input). */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
