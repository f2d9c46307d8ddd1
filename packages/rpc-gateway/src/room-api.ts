import type { Member } from '@chatgate/core';
import type {
  ChatMessage,
  GoodbyeResult,
  RoomApi as RoomApiShape,
  SendResult,
} from '@chatgate/rpc-client';
import { RpcTarget } from 'capnweb';
import { HISTORY_REPLY_SIZE } from './chat-api.js';
import type { RpcConnection } from './rpc-connection.js';
import { toChatMessage } from './rpc-dialect.js';
import { RpcError, toRpcError } from './rpc-error.js';
import { sendMessageAs } from './send-result.js';

/**
 * A room joined with `joinRoom` (docs/protocols.md, "Rooms"): the seed calls, acting in that
 * room. Its events reach the member's callback with `room` set. Disposing the stub, or `leave`,
 * parts the room; the connection stays.
 */
export class RoomApi extends RpcTarget implements RoomApiShape {
  readonly #connection: RpcConnection;
  readonly #membership: Member;

  constructor(connection: RpcConnection, membership: Member) {
    super();
    this.#connection = connection;
    this.#membership = membership;
  }

  get name(): string {
    return this.#membership.roomName;
  }

  sendMessage(text: string): Promise<SendResult> {
    this.#connection.startCall();
    return sendMessageAs(this.#member(), text);
  }

  listUsers(): string[] {
    this.#connection.startCall();
    return this.#member().users();
  }

  getHistory(): ChatMessage[] {
    this.#connection.startCall();
    const member = this.#member();
    return member.history(HISTORY_REPLY_SIZE).map((event) => ({
      ...toChatMessage(event),
      room: member.roomName,
    }));
  }

  async leave(): Promise<GoodbyeResult> {
    this.#connection.startCall();
    const member = this.#member();
    try {
      await member.partRoom(member.roomName);
    } catch (err) {
      throw toRpcError(err, member.log);
    }
    return { message: `You left #${member.roomName}.` };
  }

  /** capnweb calls this when the client drops its last reference: the member parts the room. */
  [Symbol.dispose](): void {
    const member = this.#membership;
    if (member.state !== 'joined') return;
    member.partRoom(member.roomName).catch((err: unknown) => {
      member.log.debug({ err }, 'parting on dispose failed');
    });
  }

  #member(): Member {
    const member = this.#membership;
    if (member.state !== 'joined') {
      throw new RpcError('not_joined', `You are not in #${member.roomName}`);
    }
    return member;
  }
}

/** `joinRoom` for either API: joins (or finds) the room and wraps the membership. */
export async function joinRoomAs(
  connection: RpcConnection,
  member: Member,
  room: unknown,
): Promise<RoomApi> {
  if (typeof room !== 'string') throw new RpcError('bad_request', 'The room must be a string');
  try {
    await member.joinRoom(room);
  } catch (err) {
    throw toRpcError(err, member.log);
  }
  const membership = member.membershipIn(room);
  if (membership === undefined || membership === member.connection) {
    // The default room: the top-level API already is its stub; refuse rather than alias it.
    if (membership === member.connection) {
      throw new RpcError(
        'bad_request',
        `#${member.roomName} is the default room; use the main API`,
      );
    }
    throw new RpcError('not_joined', 'You are not in that room');
  }
  return new RoomApi(connection, membership);
}
