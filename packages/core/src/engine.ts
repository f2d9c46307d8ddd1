import type { EventDraft, MemberId, RoomEvent, Stamp } from './events.js';

/**
 * Orders a room's events. `publish` assigns the room's next `seq` and a timestamp and
 * delivers the event to every subscriber of that room, on every node, in `seq` order — the
 * publisher's own subscription included. Subscribers apply state only from what is
 * delivered, never from what they published, so publish may resolve before or after
 * delivery and other nodes may interleave their events.
 *
 * `publish` resolves with the event's stamp (seq, ts) once it is ordered, and rejects if it
 * could not be ordered; it was then delivered nowhere.
 * `deliver` must not throw; an Engine may drop a subscriber that does.
 */
export interface EventBus {
  publish(room: string, draft: EventDraft): Promise<Stamp>;
  subscribe(room: string, deliver: (event: RoomEvent) => void): () => void;
}

/**
 * Case-insensitive name ownership for a room across nodes. `folded` is already folded.
 * `claim` resolves true if the name is now held by `by` (also when `by` already held it),
 * false if someone else holds it. `release` frees it only if `by` holds it.
 */
export interface NameRegistry {
  claim(room: string, folded: string, by: MemberId): Promise<boolean>;
  release(room: string, folded: string, by: MemberId): Promise<void>;
}

/** The seam a room runs on: ordering plus name ownership. */
export interface Engine extends EventBus, NameRegistry {
  /** Unique per node; prefixes member ids so they never collide across nodes. */
  readonly nodeId: string;
}
