import type { RoomInfo } from './commands.js';
import type { Engine } from './engine.js';
import { ChatError } from './errors.js';
import type { MessageHandler } from './handlers.js';
import type { Logger } from './log.js';
import type { Member, MemberRooms } from './member.js';
import { normalizeRoomName } from './names.js';
import type { Room } from './room.js';

/** How the directory makes a room object for a name (the default room's options, that name). */
export type RoomFactory = (name: string) => Room;

/**
 * Every room of one server (docs/architecture.md, "Rooms"). The default room is where each
 * connection starts and holds its name, so names are unique server-wide; other rooms are made
 * on this node when a local connection joins one and closed when its last local member leaves,
 * and forgotten by the engine when nobody anywhere is in them.
 */
export class RoomDirectory implements MemberRooms {
  readonly mainName: string;
  private readonly rooms = new Map<string, Room>();
  private readonly handlers: MessageHandler[] = [];
  private closed = false;

  constructor(
    readonly main: Room,
    private readonly engine: Engine,
    private readonly create: RoomFactory,
    private readonly log: Logger,
  ) {
    this.mainName = main.key;
  }

  /** The room named `room` (as typed: `dev` or `#dev`) if this node has it open. */
  get(room: string): Room | undefined {
    const key = normalizeRoomName(room);
    return key === this.mainName ? this.main : this.rooms.get(key);
  }

  /** Rooms open on this node, the default room first. */
  open(): Room[] {
    return [this.main, ...this.rooms.values()];
  }

  /**
   * Registers a handler for public messages in every room, present and future; it receives
   * the room's name. Returns an unsubscribe.
   */
  addHandler(handler: MessageHandler): () => void {
    this.handlers.push(handler);
    const removers = this.open().map((room) => room.addHandler(handler));
    return () => {
      const index = this.handlers.indexOf(handler);
      if (index >= 0) this.handlers.splice(index, 1);
      for (const remove of removers) remove();
    };
  }

  /** A room's canonical name from its engine name (the default room's may differ: `--room`). */
  private keyOf(engineName: string): string {
    return engineName === this.main.name ? this.mainName : engineName;
  }

  /** @internal Joins `connection` to the room `key`, opening it here (and checking maxRooms). */
  async enter(key: string, connection: Member): Promise<Member> {
    if (key === this.mainName) return connection;
    // A room closed under us as its last member left: the second try opens it afresh.
    for (let attempt = 0; ; attempt++) {
      const room = this.rooms.get(key) ?? (await this.openRoom(key));
      try {
        return await room.join(connection.session, {
          owner: connection,
          plainText: connection.plainText,
        });
      } catch (err) {
        this.closeIfEmpty(room);
        if (attempt > 0 || !(err instanceof ChatError) || err.code !== 'closed' || this.closed) {
          throw err;
        }
      }
    }
  }

  private async openRoom(key: string): Promise<Room> {
    if (this.closed) throw new ChatError('closed');
    const listing = await this.engine.rooms();
    const existing = this.rooms.get(key);
    if (existing !== undefined) return existing;
    const names = new Set(listing.map((entry) => this.keyOf(entry.room)));
    names.add(this.mainName);
    for (const name of this.rooms.keys()) names.add(name);
    const max = this.main.limits.maxRooms;
    if (!names.has(key) && names.size >= max) {
      throw new ChatError(
        'too_many_rooms',
        `This server has ${names.size} rooms, the most it allows; join one of them (/rooms).`,
      );
    }
    const room = this.create(key);
    for (const handler of this.handlers) room.addHandler(handler);
    this.rooms.set(key, room);
    return room;
  }

  /** @internal Called as a room's last local member leaves: close it here, and forget it if empty. */
  closeIfEmpty(room: Room): void {
    if (room === this.main || room.localSize > 0 || this.rooms.get(room.name) !== room) return;
    this.rooms.delete(room.name);
    const empty = room.size === 0;
    void room
      .close('shutdown')
      .then(() => (empty && !this.closed ? this.engine.discard(room.name) : false))
      .catch((err: unknown) => this.log.warn({ err, room: room.name }, 'closing a room failed'));
  }

  /** @internal Rooms with members on any node, as `connection` sees them, default room first. */
  async list(connection: Member): Promise<RoomInfo[]> {
    const sizes = new Map<string, number>();
    for (const entry of await this.engine.rooms()) sizes.set(this.keyOf(entry.room), entry.size);
    // Rooms open here are fresher than the engine's answer (a join may be in flight).
    for (const room of this.open()) sizes.set(room.key, room.size);
    const current = connection.current.roomName;
    const mine = new Set(connection.memberships().map((member) => member.roomName));
    const listing: RoomInfo[] = [];
    for (const [name, size] of sizes) {
      const isMain = name === this.mainName;
      if (size === 0 && !isMain) continue;
      listing.push({
        name,
        size,
        joined: mine.has(name),
        current: name === current,
        default: isMain,
      });
    }
    listing.sort((a, b) =>
      a.default !== b.default ? (a.default ? -1 : 1) : a.name < b.name ? -1 : 1,
    );
    return listing;
  }

  /** @internal A room's members (all nodes): the first page of names, and how many in all. */
  async who(key: string): Promise<{ names: string[]; total: number }> {
    const pageSize = this.main.limits.usersPageSize;
    const room = key === this.mainName ? this.main : this.rooms.get(key);
    if (room !== undefined) {
      const names = room.users();
      return { names: names.slice(0, pageSize), total: names.length };
    }
    // Not open here: ask the engine, without creating a room for a name nobody uses.
    const listed = (await this.engine.rooms()).some((entry) => entry.room === key);
    if (!listed) throw new ChatError('no_such_room', `Nobody is in #${key}.`);
    const snapshot = await this.engine.snapshot(key);
    const names = snapshot.members.map((entry) => entry.name);
    return { names: names.slice(0, pageSize), total: names.length };
  }

  /** Closes every room but the default one (which its owner closes). */
  async close(): Promise<void> {
    this.closed = true;
    const rooms = Array.from(this.rooms.values());
    this.rooms.clear();
    await Promise.all(rooms.map((room) => room.close('shutdown')));
  }
}
