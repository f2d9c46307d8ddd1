/**
 * Which room the user is talking in, as the client learns it from the server's answers, and
 * which events to label with their room: those from any other room (docs/protocols.md, "Rooms").
 * Events of the default room carry no room name.
 */
export class RoomTracker {
  #defaultRoom: string;
  #current: string;

  constructor(defaultRoom = 'main') {
    this.#defaultRoom = defaultRoom;
    this.#current = defaultRoom;
  }

  get current(): string {
    return this.#current;
  }

  /** The server told us its default room's name (before any room change). */
  setDefault(room: string): void {
    if (this.#current === this.#defaultRoom) this.#current = room;
    this.#defaultRoom = room;
  }

  /** True when the current room changed. */
  switchTo(room: string): boolean {
    if (room === this.#current) return false;
    this.#current = room;
    return true;
  }

  /** The room to show before an event from `room` (undefined: the default room), if not current. */
  label(room: string | undefined): string | undefined {
    const from = room ?? this.#defaultRoom;
    return from === this.#current ? undefined : from;
  }
}

/** `rooms` as a notice: `#main (3, current), #dev (2, joined), #ops (1)`. */
export function describeRooms(
  rooms: ReadonlyArray<{ name: string; size: number; joined: boolean; current: boolean }>,
): string {
  return `rooms: ${rooms
    .map((r) => `#${r.name} (${r.size}${r.current ? ', current' : r.joined ? ', joined' : ''})`)
    .join(', ')}`;
}

/** `who` as a notice: `#dev (3): alice, bob, carol`. */
export function describeWho(room: string, names: readonly string[], total: number): string {
  const more = total - names.length;
  return `#${room} (${total}): ${names.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}
