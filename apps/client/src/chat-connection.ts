/** Something to show the user, as every transport reports it. */
export type ChatEvent =
  | {
      kind: 'message';
      from: string;
      text: string;
      /** Private messages: the recipient. */
      to?: string;
      /** Sent by you (an echo or a private receipt). */
      self: boolean;
      /** Replayed from before you joined. */
      history?: boolean;
      /** Posted by a bot or the application. */
      agent?: boolean;
      /** `/me`: shown as `* from text`. */
      action?: boolean;
      /** Said in a room other than the current one: shown as `[#room] …`. */
      room?: string;
    }
  /** Joins, leaves, renames and other server notices (`room`: from another room). */
  | { kind: 'notice'; text: string; room?: string }
  /** The user now talks in `room` (`/join`, `/switch`, `/part`): the prompt shows it. */
  | { kind: 'room'; room: string; text: string }
  | { kind: 'users'; names: string[] }
  | { kind: 'error'; text: string };

/** Where a connection left off: given to the next `join` after a break (docs/protocols.md, "Resume"). */
export interface ResumeState {
  /** The name to take back (the current one, after any /nick). */
  name: string;
  token: string;
  epoch: string;
  /** The last `seq` seen. */
  seq: number;
}

/** What joining told us. */
export interface Welcome {
  /** The name we got (the server may normalise it). */
  name: string;
  /** Everyone in the room, us included. */
  users: string[];
  /** The server's default room, where we start, when the server says it. */
  room?: string;
}

export interface ConnectionHandlers {
  /** Every event after `join` resolved, in the server's order. */
  onEvent(event: ChatEvent): void;
  /** The connection ended without `leave()` or `close()`: the server went away or dropped us. */
  onClose(reason: string): void;
}

/** The server refused the name; the connection is closed, a new one may try another name. */
export class JoinRefusedError extends Error {
  override readonly name = 'JoinRefusedError';
}

/** The server answered that its room is closed (shutting down): no point trying again. */
export class RoomClosedError extends Error {
  override readonly name = 'RoomClosedError';
}

/**
 * One chat connection over some transport. `join` once; then `send` lines as the user typed
 * them (text, `@name text`, `/users`, `/nick x`…): each transport has the server parse them,
 * and replies and errors come back as events (or as a rejection of `send`). `leave` says
 * goodbye and closes; `close` just closes. Neither reports `onClose`.
 */
export interface ChatConnection {
  readonly transport: 'rpc' | 'ws' | 'tcp';
  /**
   * Rejects JoinRefusedError (name refused) or Error (could not connect). With `resume` (an
   * earlier connection's `resumeState()`), takes the name back at once and delivers what was
   * missed before live events.
   */
  join(name: string, resume?: ResumeState): Promise<Welcome>;
  /** Where this connection is, if its server can resume it; undefined: it cannot (tcp). */
  resumeState(): ResumeState | undefined;
  send(line: string): Promise<void>;
  leave(): Promise<void>;
  close(): void;
}

/** How to reach the server beyond its URL. */
export interface ConnectionOptions {
  /** PEM CA certificates to trust for wss:// and tls:// (besides the system's). */
  ca?: Buffer;
}
