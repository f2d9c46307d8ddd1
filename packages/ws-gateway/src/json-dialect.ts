import type { Dialect, PresenceEvent, RoomEvent } from '@chatgate/core';
import { type PreparedFrame, prepareFrame } from './prepared-frame.js';
import { encodeEvent, encodePresenceCount } from './protocol.js';

/**
 * Rooms up to this many members get names (the welcome's `users`, one `join`/`leave` frame per
 * change); larger rooms get counts (docs: the ws-gateway README, "Presence in large rooms").
 */
export const DEFAULT_PRESENCE_LIST_MAX = 500;

/**
 * A presence run for WebSocket members, built once per flush for all of them. In a small room
 * it is the run's `join`/`leave` frames back to back, and a member that joined during the run
 * gets the tail after its own join; in a large room it is one `presence` count frame for all.
 */
export interface JsonPresenceRun {
  readonly frames: ReadonlyArray<PreparedFrame>;
  /** Every frame's framed bytes back to back, or null when ws cannot pre-frame. */
  readonly bytes: Buffer | null;
  /** Where each frame starts in `bytes`. */
  readonly starts: ReadonlyArray<number>;
  /** One count frame that every member gets, whatever it already knows. */
  readonly counted: boolean;
}

export interface JsonDialectOptions {
  /** Rooms larger than this get counts instead of names; see DEFAULT_PRESENCE_LIST_MAX. */
  presenceListMax?: number;
}

/**
 * The WebSocket JSON wire format as a core Dialect: each event is serialised and framed once
 * and the same bytes go to every WebSocket member. The room groups members by dialect object,
 * so one instance per gateway means one encode per event.
 */
export class JsonDialect implements Dialect<PreparedFrame, JsonPresenceRun> {
  readonly name = 'json';
  readonly presenceListMax: number;

  constructor(options: JsonDialectOptions = {}) {
    this.presenceListMax = options.presenceListMax ?? DEFAULT_PRESENCE_LIST_MAX;
  }

  encode(event: RoomEvent, room?: string): PreparedFrame {
    return prepareFrame(encodeEvent(event, room));
  }

  /** True when a room of `size` members is shown as a count rather than a list of names. */
  counts(size: number): boolean {
    return size > this.presenceListMax;
  }

  encodePresence(
    events: ReadonlyArray<PresenceEvent>,
    roomSize: number,
    room?: string,
  ): JsonPresenceRun {
    if (this.counts(roomSize)) {
      let joined = 0;
      for (const event of events) if (event.kind === 'join') joined++;
      const last = events[events.length - 1]!;
      const frame = prepareFrame(
        encodePresenceCount(roomSize, joined, events.length - joined, last.seq, room),
      );
      return { frames: [frame], bytes: frame.framed, starts: [0], counted: true };
    }
    const frames = events.map((event) => this.encode(event, room));
    const starts: number[] = [];
    let length = 0;
    let framed = true;
    for (const frame of frames) {
      starts.push(length);
      if (frame.framed === null) framed = false;
      else length += frame.framed.length;
    }
    const bytes = framed
      ? Buffer.concat(
          frames.map((f) => f.framed!),
          length,
        )
      : null;
    return { frames, bytes, starts, counted: false };
  }
}

export const jsonDialect = new JsonDialect();
