import type { EventDraft, MemberId, MessageEvent, RoomEvent, Stamp } from './events.js';

/**
 * Where a reader is in a room's order. `epoch` names one unbroken history of the room: it
 * changes only when the engine lost the room's history (a backend wiped or restarted without
 * persistence), and `seq` starts again inside a new epoch. A position from another epoch is
 * therefore stale: what happened after it can no longer be told.
 */
export interface Position {
  readonly epoch: string;
  readonly seq: number;
}

/** One member in a room, on whichever node holds its connection. */
export interface PresenceEntry {
  readonly memberId: MemberId;
  readonly name: string;
  readonly nodeId: string;
}

/** The state of a room at one position: what a node needs to serve it from there on. */
export interface RoomSnapshot {
  /** The last event the snapshot includes; the subscription continues after it. */
  readonly position: Position;
  /** Everyone in the room, on every node, in join order. */
  readonly members: readonly PresenceEntry[];
  /** The last public messages (at most the engine's history size), oldest first. */
  readonly history: readonly MessageEvent[];
}

/** What a subscriber is told besides events. */
export interface SubscribeOptions {
  /**
   * Called with the room's state before the first event, and again whenever the engine cannot
   * continue the order without a jump (the epoch changed, or a gap could no longer be filled
   * from its log). Events delivered afterwards follow `snapshot.position` with no gap. Without
   * it the subscriber sees only events, starting after the moment it subscribed.
   */
  onSync?(snapshot: RoomSnapshot): void;
}

/** Answer to `recover`: exactly the events after a position, or a clear reset. */
export type Recovery =
  | { readonly kind: 'events'; readonly events: readonly RoomEvent[]; readonly position: Position }
  | { readonly kind: 'reset'; readonly snapshot: RoomSnapshot };

/**
 * Orders a room's events. `publish` assigns the room's next `seq` and a timestamp and
 * delivers the event to every subscriber of that room, on every node, in `seq` order — the
 * publisher's own subscription included. Subscribers apply state only from what is
 * delivered, never from what they published, so publish may resolve before or after
 * delivery and other nodes may interleave their events.
 *
 * Ordering: within one epoch a subscriber sees every event exactly once, in `seq` order,
 * with no gap; an engine that loses a notification (a pub/sub drop, a reconnect) fills the
 * gap from its log before it delivers anything newer. If it cannot, it calls `onSync`.
 *
 * Presence follows the events: an ordered `join` adds its member to the room's presence, a
 * `leave` removes it (and frees its name), a `rename` changes it. So presence, history and
 * the order never disagree on any node.
 *
 * Failure: `publish` rejects with ChatError `unavailable` when the engine cannot reach its
 * backend; the event was then not confirmed. If the connection broke after the event was
 * sent, it may still have been ordered; it is then delivered in order like any other, never
 * twice. `deliver` must not throw; an Engine may drop a subscriber that does.
 */
export interface EventBus {
  publish(room: string, draft: EventDraft): Promise<Stamp>;
  subscribe(
    room: string,
    deliver: (event: RoomEvent) => void,
    options?: SubscribeOptions,
  ): () => void;
  /**
   * The events after `since` that are still in the engine's log, in order, or `reset` (with
   * the room as it is now) when `since` is from another epoch or older than the log. For a
   * client that reconnects and wants exactly what it missed. Rejects `unavailable`.
   */
  recover(room: string, since: Position): Promise<Recovery>;
  /** The room as it is now (members on every node, history, position). Rejects `unavailable`. */
  snapshot(room: string): Promise<RoomSnapshot>;
}

/** A room with members somewhere, and how many (all nodes). */
export interface RoomListing {
  readonly room: string;
  readonly size: number;
}

/**
 * Which rooms exist across nodes (docs/architecture.md, "Rooms"). A room exists while it has
 * members; `discard` forgets an empty room (its order, log, history and names), so a room that
 * emptied starts afresh, in a new epoch, when someone joins it again.
 */
export interface RoomRegistry {
  /** Every room with at least one member, on any node. Rejects `unavailable`. */
  rooms(): Promise<RoomListing[]>;
  /**
   * Forgets `room` if nobody is in it and, on this engine, nobody subscribes to it; resolves
   * whether it did. Atomic against a racing join: a join ordered first keeps the room.
   */
  discard(room: string): Promise<boolean>;
}

/**
 * Case-insensitive name ownership for a room across nodes. `folded` is already folded.
 * `claim` resolves true if the name is now held by `by` (also when `by` already held it),
 * false if someone else holds it; of racing claims on any nodes exactly one wins.
 * `release` frees it only if `by` holds it. A name is a lease: it is held under the lease of
 * the node in `by` (the part of the member id before its last `:`) and freed when that node's
 * lease expires, joined or not. Both reject `unavailable` when the backend is unreachable.
 */
export interface NameRegistry {
  /** `token`, if given, is kept with the claim so its holder's client can `takeOver` later. */
  claim(room: string, folded: string, by: MemberId, token?: string): Promise<boolean>;
  release(room: string, folded: string, by: MemberId): Promise<void>;
  /**
   * Gives the name to `by` at once if it is held with this `token` (a client retaking its own
   * name after a network blip, before its old connection times out). Resolves the previous
   * holder's id (its room then publishes that member's leave), or null if the token does not
   * match (or the name is free: use `claim`). Atomic against racing claims.
   */
  takeOver(room: string, folded: string, by: MemberId, token: string): Promise<MemberId | null>;
}

/** `ready` while the engine can order events and claim names; else `unavailable`. */
export type EngineStatus = 'ready' | 'unavailable';

/**
 * Node liveness. Each node holds a lease on its members and names, renewed by a heartbeat
 * (every third of `leaseMs`). When a node stops renewing (killed, partitioned), another node
 * publishes a `leave` with reason `timeout` for each of its members within one lease after
 * its last renewal, and its names are free again. A node that closes cleanly (`close`) gives
 * its lease up at once; its room has already published its members' leaves.
 */
export interface NodeLease {
  /** Unique per node; prefixes member ids so they never collide across nodes. */
  readonly nodeId: string;
  /** How long a node's members and names outlive its last heartbeat, in milliseconds. */
  readonly leaseMs: number;
  /** Whether publish and claim can succeed now. */
  readonly status: EngineStatus;
  /** Called on each change of `status`; returns an unsubscribe. */
  onStatus(listener: (status: EngineStatus) => void): () => void;
  /** Stops the heartbeat and gives the lease up; further calls reject `unavailable`. */
  close(): Promise<void>;
}

/** The seam a room runs on: ordering, presence and history, name ownership and liveness. */
export interface Engine extends EventBus, NameRegistry, RoomRegistry, NodeLease {}

/** Default node lease: a dead node's members leave everywhere within this time. */
export const DEFAULT_LEASE_MS = 15_000;

/** The node part of a member id (`node:counter`). */
export function nodeOfMember(memberId: MemberId): string {
  const colon = memberId.lastIndexOf(':');
  return colon < 0 ? memberId : memberId.slice(0, colon);
}
