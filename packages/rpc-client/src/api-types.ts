import type { RpcTarget } from 'capnweb';

/**
 * What a member's callback receives: `callback.onMessage(message)`. The first three fields are
 * the capnweb-python chat example's contract; the rest are additions its client ignores.
 */
export interface ChatMessage {
  /** The sender, or "System" for join, leave and rename notices. */
  username: string;
  text: string;
  /** `chat` public message, `private` to or from you, `system` a room notice. */
  type: 'chat' | 'private' | 'system';
  /** The room's order: every member sees events in increasing `seq`. */
  seq: number;
  /** When the room accepted the event, milliseconds since the epoch. */
  timestamp: number;
  /** Private messages: the recipient. */
  to?: string;
  /** True for posts by the application or a bot (`room.post`). */
  agent?: boolean;
  /** True for `/me ACTION`: show as `* username text`. */
  action?: boolean;
  /**
   * System notices: what happened. After a resumed join: `resumed` (the `missed` events before
   * it were what you missed) or `history_reset` (the server could not tell; start afresh).
   */
  event?: 'join' | 'leave' | 'rename' | 'resumed' | 'history_reset';
  /** `resumed` notices: how many missed events were delivered just before. */
  missed?: number;
  /** System notices: who it happened to (the new name after a rename). */
  name?: string;
  /** Rename notices: the old name. */
  from?: string;
  /** Events of a room joined with `joinRoom`: its name (absent for the default room). */
  room?: string;
}

/**
 * Where a reconnecting client left off, from its last join's answer: `token` retakes its name
 * at once (the old connection is ended), `epoch` and `seq` (the last `seq` it saw) get exactly
 * the events it missed. Each part is optional.
 */
export interface ResumeRequest {
  token?: string;
  epoch?: string;
  seq?: number;
}

/** join's and connect's optional third argument. */
export interface JoinOptions {
  /** A sign-in token, when the server requires one (README "Tokens"). */
  token?: string;
  /** Reconnecting: see ResumeRequest. */
  resume?: ResumeRequest;
}

/** `join()`'s answer. The first three fields are the capnweb-python chat example's. */
export interface JoinResult {
  message: string;
  userCount: number;
  users: string[];
  /**
   * Only when join was given an options argument (the original client passes none and gets
   * the three fields above alone): keep these to resume after a reconnect (JoinOptions.resume).
   */
  resumeToken?: string;
  epoch?: string;
  /** Your own join's `seq`. */
  seq?: number;
}

/** `sendMessage()`, `send()` and `whisper()` answer; `ignored` means empty text. */
export interface SendResult {
  status: 'sent' | 'ignored';
  /** Server time when the message was accepted, milliseconds since the epoch. */
  timestamp: number;
}

/** `leave()`'s answer. */
export interface GoodbyeResult {
  message: string;
}

/** What `MemberApi.input(line)` did; mirrors core's Reply, with history as ChatMessages. */
export type InputResult =
  | { kind: 'sent'; seq: number; ts: number }
  | { kind: 'ignored' }
  /** `page` only in a room larger than one page: `/users N` for page N. */
  | { kind: 'users'; names: string[]; page?: { number: number; pages: number; total: number } }
  | { kind: 'people'; names: string[] }
  | { kind: 'history'; messages: ChatMessage[] }
  | { kind: 'help'; commands: Array<{ usage: string; description: string }> }
  | { kind: 'renamed'; from: string; to: string }
  | { kind: 'quit' }
  | { kind: 'room_joined'; room: string; size: number; already: boolean }
  | { kind: 'room_parted'; room: string; current: string }
  | { kind: 'room_switched'; room: string }
  | { kind: 'rooms'; rooms: RoomInfo[] }
  | { kind: 'who'; room: string; names: string[]; total: number };

/** One room of `/rooms`, as the member who asked sees it. */
export interface RoomInfo {
  name: string;
  size: number;
  joined: boolean;
  current: boolean;
  default: boolean;
}

/**
 * A room joined with `joinRoom(name)`: the seed calls, for that room. Its events reach the
 * member's callback with `room` set. Disposing the stub leaves the room.
 */
export interface RoomApi extends RpcTarget {
  /** The room's canonical name (no `#`). */
  readonly name: string;
  sendMessage(text: string): Promise<SendResult>;
  listUsers(): string[];
  /** The room's last 50 public messages, oldest first. */
  getHistory(): ChatMessage[];
  leave(): Promise<GoodbyeResult>;
}

/** The callback a program passes to `join` or `connect`. */
export interface ChatCallback extends RpcTarget {
  onMessage(message: ChatMessage): void | Promise<void>;
}

/** The capability `connect(name, callback)` returns: one member of the room. */
export interface MemberApi extends RpcTarget {
  /** Your current name. */
  readonly name: string;
  /** Keep with the last `seq` you saw, to resume after a reconnect (JoinOptions.resume). */
  readonly resumeToken: string;
  readonly epoch: string;
  /** Your own join's `seq`. */
  readonly joinSeq: number;
  /** The server's default room, where every client starts (its events carry no `room`). */
  readonly defaultRoom: string;
  send(text: string): Promise<SendResult>;
  whisper(to: string, text: string): Promise<SendResult>;
  users(): string[];
  /** The last `count` public messages (default 20, at most 100), oldest first. */
  history(count?: number): ChatMessage[];
  rename(name: string): Promise<{ name: string }>;
  /** A line as a person would type it: text, `@bob hi`, `/users`, `/nick x`, `/quit`… */
  input(line: string): Promise<InputResult>;
  leave(): Promise<GoodbyeResult>;
  /** Joins another room (`dev` or `#dev`); already in it: a stub for it all the same. */
  joinRoom(room: string): Promise<RoomApi>;
}

/** The main object served at `/rpc/ws`. */
export interface ChatGatewayApi extends RpcTarget {
  readonly userCount: number;
  join(username: string, callback: ChatCallback, options?: JoinOptions): Promise<JoinResult>;
  sendMessage(username: string, text: string): Promise<SendResult>;
  listUsers(): string[];
  getHistory(): ChatMessage[];
  leave(username: string): Promise<GoodbyeResult>;
  /** The seed style: `username` (this session's own) joins another room. */
  joinRoom(username: string, room: string): Promise<RoomApi>;
  connect(name: string, callback: ChatCallback, options?: JoinOptions): Promise<MemberApi>;
}

/** The read-only object served by HTTP batch at `POST /rpc`. */
export interface ChatReadApi extends RpcTarget {
  readonly userCount: number;
  listUsers(): string[];
  getHistory(): ChatMessage[];
}
