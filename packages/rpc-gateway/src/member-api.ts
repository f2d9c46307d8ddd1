import { HISTORY_DEFAULT, HISTORY_MAX, type Member, type Reply } from '@chatgate/core';
import type {
  ChatMessage,
  GoodbyeResult,
  InputResult,
  MemberApi as MemberApiShape,
  SendResult,
} from '@chatgate/rpc-client';
import { RpcTarget } from 'capnweb';
import { joinRoomAs, type RoomApi } from './room-api.js';
import type { RpcConnection } from './rpc-connection.js';
import { toChatMessage } from './rpc-dialect.js';
import { RpcError, toRpcError } from './rpc-error.js';
import type { RpcMemberSession } from './rpc-member-session.js';
import { sendResult } from './send-result.js';

/**
 * The capability `connect(name, callback)` returns: holding it is being that member, so no
 * call takes a name to act as. Disposing the stub (or losing the connection) leaves the room.
 */
export class MemberApi extends RpcTarget implements MemberApiShape {
  readonly #connection: RpcConnection;
  readonly #session: RpcMemberSession;
  #lastName: string;

  constructor(connection: RpcConnection, session: RpcMemberSession) {
    super();
    this.#connection = connection;
    this.#session = session;
    this.#lastName = session.member!.name;
  }

  get resumeToken(): string {
    return this.#session.member?.resumeToken ?? '';
  }

  get epoch(): string {
    return this.#connection.epoch;
  }

  get joinSeq(): number {
    return this.#session.joinSeq;
  }

  get defaultRoom(): string {
    return this.#connection.room.key;
  }

  get name(): string {
    const member = this.#session.member;
    if (member !== undefined && member.state === 'joined') this.#lastName = member.name;
    return this.#lastName;
  }

  async send(text: string): Promise<SendResult> {
    this.#connection.startCall();
    const member = this.#member();
    try {
      return sendResult(await member.say(requireString(text, 'text')));
    } catch (err) {
      throw toRpcError(err, member.log);
    }
  }

  async whisper(to: string, text: string): Promise<SendResult> {
    this.#connection.startCall();
    const member = this.#member();
    try {
      return sendResult(await member.whisper(requireString(to, 'to'), requireString(text, 'text')));
    } catch (err) {
      throw toRpcError(err, member.log);
    }
  }

  users(): string[] {
    this.#connection.startCall();
    return this.#member().users();
  }

  history(count: number = HISTORY_DEFAULT): ChatMessage[] {
    this.#connection.startCall();
    const member = this.#member();
    if (!Number.isInteger(count) || count < 1) {
      throw new RpcError('bad_request', `history(count): count is 1-${HISTORY_MAX}`);
    }
    return member.history(Math.min(count, HISTORY_MAX)).map(toChatMessage);
  }

  async rename(name: string): Promise<{ name: string }> {
    this.#connection.startCall();
    const member = this.#member();
    const requested = requireString(name, 'name');
    try {
      await member.rename(requested);
      return { name: member.name };
    } catch (err) {
      throw toRpcError(err, member.log, requested);
    }
  }

  async input(line: string): Promise<InputResult> {
    this.#connection.startCall();
    const member = this.#member();
    let reply: Reply;
    try {
      reply = await member.input(requireString(line, 'line'));
    } catch (err) {
      throw toRpcError(err, member.log);
    }
    if (reply.kind === 'quit') await this.#connection.leave(this.#session, 'quit');
    return toInputResult(reply);
  }

  async leave(): Promise<GoodbyeResult> {
    this.#connection.startCall();
    const name = this.name;
    await this.#connection.leave(this.#session, 'quit');
    return { message: `Goodbye, ${name}!` };
  }

  joinRoom(room: string): Promise<RoomApi> {
    this.#connection.startCall();
    return joinRoomAs(this.#connection, this.#member(), room);
  }

  /** capnweb calls this when the client drops its last reference to this capability. */
  [Symbol.dispose](): void {
    this.#connection.leave(this.#session, 'closed').catch((err) => {
      this.#connection.log.error({ err }, 'leaving on dispose failed');
    });
  }

  #member(): Member {
    const member = this.#session.member;
    if (member === undefined || member.state !== 'joined' || this.#session.isEnded) {
      throw new RpcError('not_joined', 'You are not in the room');
    }
    return member;
  }
}

function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new RpcError('bad_request', `The ${what} must be a string`);
  return value;
}

function toInputResult(reply: Reply): InputResult {
  switch (reply.kind) {
    case 'history':
      return { kind: 'history', messages: reply.events.map(toChatMessage) };
    case 'help':
      return { kind: 'help', commands: reply.commands.map((c) => ({ ...c })) };
    case 'users':
      return reply.page === undefined
        ? { kind: 'users', names: [...reply.names] }
        : { kind: 'users', names: [...reply.names], page: { ...reply.page } };
    case 'people':
      return { kind: reply.kind, names: [...reply.names] };
    case 'rooms':
      return { kind: 'rooms', rooms: reply.rooms.map((room) => ({ ...room })) };
    case 'who':
      return { ...reply, names: [...reply.names] };
    case 'room_joined':
    case 'room_parted':
    case 'room_switched':
      return { ...reply };
    case 'sent':
    case 'ignored':
    case 'renamed':
    case 'quit':
      return reply;
  }
}
