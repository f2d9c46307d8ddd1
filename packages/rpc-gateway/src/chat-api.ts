import {
  foldName,
  type Member,
  parseResumeRequest,
  type ResumeRequest,
  type Room,
} from '@chatgate/core';
import type {
  ChatGatewayApi,
  ChatMessage,
  GoodbyeResult,
  JoinResult,
  SendResult,
} from '@chatgate/rpc-client';
import { RpcTarget } from 'capnweb';
import { MemberApi } from './member-api.js';
import { joinRoomAs, type RoomApi } from './room-api.js';
import type { RpcConnection } from './rpc-connection.js';
import { toChatMessage } from './rpc-dialect.js';
import { quote, RpcError } from './rpc-error.js';
import { sendMessageAs } from './send-result.js';

/** `getHistory()` returns this many public messages, as in the capnweb-python example. */
export const HISTORY_REPLY_SIZE = 50;

/** Sees every RPC call start; throws to refuse one past a bound. */
export interface CallCounter {
  startCall(): void;
}

/** The read-only calls, shared by the WebSocket main object and the HTTP batch object. */
export class ChatReadTarget extends RpcTarget {
  readonly #room: Room;
  protected readonly calls: CallCounter;

  constructor(room: Room, calls: CallCounter) {
    super();
    this.#room = room;
    this.calls = calls;
  }

  get userCount(): number {
    return this.#room.size;
  }

  listUsers(): string[] {
    this.calls.startCall();
    return this.#room.users();
  }

  /** The last 50 public messages, oldest first, as ChatMessages (`type` chat). */
  getHistory(): ChatMessage[] {
    this.calls.startCall();
    return this.#room.history(HISTORY_REPLY_SIZE).map(toChatMessage);
  }
}

/**
 * The main object of one WebSocket session: the capnweb-python chat example's contract,
 * with identity bound to the session (a session may only send or leave as the name it
 * joined), plus `connect` for the capability-style API.
 */
export class ChatApi extends ChatReadTarget implements ChatGatewayApi {
  readonly #connection: RpcConnection;

  constructor(connection: RpcConnection) {
    super(connection.room, connection);
    this.#connection = connection;
  }

  async join(username: string, callback: unknown, options?: unknown): Promise<JoinResult> {
    this.calls.startCall();
    const connection = this.#connection;
    const current = connection.originalApiMember?.member;
    if (current !== undefined && current.state === 'joined') {
      throw new RpcError('bad_request', `This session already joined as '${current.name}'`);
    }
    if (connection.originalApiJoining) {
      throw new RpcError('bad_request', 'This session is already joining');
    }
    connection.originalApiJoining = true;
    try {
      const session = await connection.join(
        username,
        callback,
        tokenOf(options),
        resumeOf(options),
      );
      connection.originalApiMember = session;
      const room = connection.room;
      const member = session.member!;
      const welcome: JoinResult = {
        message: `Welcome to the chat, ${member.name}!`,
        userCount: room.size,
        users: room.users(),
      };
      // The original client passes no options and gets exactly the original answer.
      if (typeof options !== 'object' || options === null) return welcome;
      return {
        ...welcome,
        resumeToken: member.resumeToken,
        epoch: room.position.epoch,
        seq: session.joinSeq,
      };
    } finally {
      connection.originalApiJoining = false;
    }
  }

  async sendMessage(username: string, text: string): Promise<SendResult> {
    this.calls.startCall();
    const member = this.#own(username, (name) => `User '${name}' not in chat room`);
    return sendMessageAs(member, text);
  }

  async leave(username: string): Promise<GoodbyeResult> {
    this.calls.startCall();
    const member = this.#own(username, (name) => `User '${name}' not found`);
    const name = member.name;
    const session = this.#connection.originalApiMember!;
    await this.#connection.leave(session, 'quit');
    return { message: `Goodbye, ${name}!` };
  }

  joinRoom(username: string, room: string): Promise<RoomApi> {
    this.calls.startCall();
    const member = this.#own(username, (name) => `User '${name}' not in chat room`);
    return joinRoomAs(this.#connection, member, room);
  }

  async connect(name: string, callback: unknown, options?: unknown): Promise<MemberApi> {
    this.calls.startCall();
    const session = await this.#connection.join(
      name,
      callback,
      tokenOf(options),
      resumeOf(options),
    );
    return new MemberApi(this.#connection, session);
  }

  /** The member this session joined as `username`, or a clear refusal. */
  #own(username: unknown, notFound: (name: string) => string): Member {
    const name = String(username);
    const member = this.#connection.originalApiMember?.member;
    if (member !== undefined && member.state === 'joined' && foldName(name) === member.folded) {
      return member;
    }
    if (this.#connection.room.has(name)) {
      throw new RpcError('not_joined', `Username '${quote(name)}' belongs to another session`);
    }
    throw new RpcError('not_joined', notFound(quote(name)));
  }
}

/** The `token` of join's / connect's options argument (`{token}`), unchecked; absent: undefined. */
function tokenOf(options: unknown): unknown {
  if (typeof options !== 'object' || options === null) return undefined;
  return (options as { token?: unknown }).token;
}

/** The `resume` of join's / connect's options (`{resume:{token,epoch,seq}}`); bad_request if malformed. */
function resumeOf(options: unknown): ResumeRequest | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  const resume = (options as { resume?: unknown }).resume;
  if (resume === undefined || resume === null) return undefined;
  const parsed = parseResumeRequest(resume);
  if (typeof parsed === 'string') throw new RpcError('bad_request', parsed);
  return parsed;
}
