import type { DisconnectReason } from './errors.js';
import type { JoinEvent, LeaveEvent, RoomEvent } from './events.js';
import type { Member } from './member.js';

/**
 * A wire format. `encode` turns an event into the frame every member of this dialect sees
 * (null: nothing to send). The room calls it once per event per dialect and hands the same
 * frame to every such member, so it must not depend on the recipient. Per-recipient views
 * (your own echo, a private message) are the Session's to render from the event.
 */
export interface Dialect<F = unknown, R = unknown> {
  readonly name: string;
  /**
   * `room` is the event's room for rooms other than the default (undefined there, so the
   * default room's frames stay what clients that know nothing of rooms expect).
   */
  encode(event: RoomEvent, room?: string): F | null;
  /**
   * Optional presence coalescing (ws-gateway README, "Presence in large rooms"). When present,
   * the room does not deliver others' joins and leaves one by one to this dialect's members:
   * it collects them until its presence flush (or until any other event, which flushes first,
   * so `seq` order holds) and encodes the run once here; `roomSize` is the member count after
   * the run. Each member then gets `Session.deliverPresence(run, known)`, and its own join
   * still comes at once through `deliver`. N joins then cost N writes per flush, not N² frames.
   */
  encodePresence?(events: ReadonlyArray<PresenceEvent>, roomSize: number, room?: string): R;
}

/** The events a room may coalesce into presence runs. */
export type PresenceEvent = JoinEvent | LeaveEvent;

/**
 * One connection's side of membership, implemented by a transport.
 *
 * `deliver` is called in `seq` order, from the member's own join event (the moment it is in
 * the room) until it leaves; it must not block and should not throw (a throw disconnects the
 * member with `error`). Before each delivery the room reads `bufferedBytes`, and disconnects
 * the member as `too_slow` once it passes the room's `maxBufferedBytes`.
 *
 * `close` is how the room ends a member (too slow, flooding, shutdown, /quit): tell the client
 * why if the wire allows, then close. It must be idempotent; the transport still calls
 * `member.leave()` when its socket closes, which is a no-op by then.
 */
export interface Session<F = unknown, R = unknown> {
  readonly dialect: Dialect<F, R>;
  readonly bufferedBytes: number;
  deliver(event: RoomEvent, frame: F | null, self: Member): void;
  /**
   * Required when the dialect has `encodePresence`: a run of joins and leaves, of which this
   * member already knows the first `known` (it joined during the run: its own join and what
   * came before are in its welcome). Same rules as `deliver` (slow check first, no throw).
   */
  deliverPresence?(run: R, known: number, self: Member): void;
  close(reason: DisconnectReason): void;
  /**
   * For a join with `since` (a client resuming): called after the member's own join and
   * before anything newer. `events` were delivered just before (exactly what the client
   * missed); `reset` means the engine could not tell (the history was reset or is older than
   * the log): the client should forget what it had.
   */
  resumed?(outcome: ResumeOutcome, self: Member): void;
}

/** How a resume went: the missed events were delivered, or the history was reset. */
export type ResumeOutcome = { kind: 'events'; count: number } | { kind: 'reset' };
