// The typed client helper (`@chatgate/rpc-client`): the RPC contract's types and a client over
// capnweb. It must not import fastify, pino, core or the server side: programs and browsers
// load it alone (docs/architecture.md).
import { newHttpBatchRpcSession, newWebSocketRpcSession, type RpcStub, RpcTarget } from 'capnweb';
import type {
  ChatGatewayApi,
  ChatMessage,
  ChatReadApi,
  GoodbyeResult,
  InputResult,
  JoinOptions,
  MemberApi,
  ResumeRequest,
  RoomApi,
  SendResult,
} from './api-types.js';
import { ensureGlobalWebSocket } from './websocket-shim.js';

export type {
  ChatCallback,
  ChatGatewayApi,
  ChatMessage,
  ChatReadApi,
  GoodbyeResult,
  InputResult,
  JoinOptions,
  JoinResult,
  MemberApi,
  ResumeRequest,
  RoomApi,
  RoomInfo,
  SendResult,
} from './api-types.js';
export { ensureGlobalWebSocket } from './websocket-shim.js';

export interface ConnectChatOptions {
  /** The name to join as; a taken name rejects with `Username 'NAME' is already taken`. */
  name: string;
  /** Every room event you can see, in room order (not your own join). */
  onMessage?: (message: ChatMessage) => void;
  /** Called once if the connection breaks; not after `close()` or `leave()`. */
  onClose?: (error: unknown) => void;
  /** A sign-in token, when the server requires one. */
  token?: string;
  /**
   * Reconnecting after a break: the previous client's `resumeState()`. The name is taken back
   * at once, and the events missed meanwhile arrive through `onMessage`, then a `resumed`
   * notice (or `history_reset` when the server cannot tell what was missed).
   */
  resume?: ResumeRequest;
}

/** Receives the server's `onMessage` calls. A thrown error would drop you, so none escape. */
class MessageListener extends RpcTarget {
  readonly #onMessage: (message: ChatMessage) => void;
  /** The newest `seq` seen: where a resume would start. */
  lastSeq = 0;

  constructor(onMessage: (message: ChatMessage) => void) {
    super();
    this.#onMessage = onMessage;
  }

  onMessage(message: ChatMessage): void {
    // Another room's seq is another order: resume follows the default room's only.
    if (message.room === undefined && typeof message.seq === 'number' && message.seq > this.lastSeq)
      this.lastSeq = message.seq;
    try {
      this.#onMessage(message);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}

/** One member of a chatgate room over Cap'n Web, from `connectChat`. */
export class ChatClient implements Disposable {
  #name: string;
  #closing = false;

  /** @internal use `connectChat` */
  constructor(
    private readonly api: RpcStub<ChatGatewayApi>,
    private readonly member: RpcStub<MemberApi>,
    name: string,
    /** Everyone in the room right after you joined, you included. */
    readonly usersAtJoin: string[],
    private readonly listener: MessageListener,
    private readonly resumePoint: { token: string; epoch: string; joinSeq: number },
  ) {
    this.#name = name;
  }

  /** Where this client is: pass it as `resume` to the next `connectChat` after a break. */
  resumeState(): Required<ResumeRequest> {
    const { token, epoch, joinSeq } = this.resumePoint;
    return { token, epoch, seq: Math.max(joinSeq, this.listener.lastSeq) };
  }

  /** Your current name (follows `rename`). */
  get name(): string {
    return this.#name;
  }

  send(text: string): Promise<SendResult> {
    return this.member.send(text);
  }

  whisper(to: string, text: string): Promise<SendResult> {
    return this.member.whisper(to, text);
  }

  users(): Promise<string[]> {
    return this.member.users();
  }

  /** The last `count` public messages (default 20, at most 100), oldest first. */
  history(count?: number): Promise<ChatMessage[]> {
    return this.member.history(count);
  }

  async rename(name: string): Promise<string> {
    const result = await this.member.rename(name);
    this.#name = result.name;
    return result.name;
  }

  /** A line as typed: text, `@bob hi`, `/users`, `/nick x`, `/history 5`, `/quit`… */
  async input(line: string): Promise<InputResult> {
    const result = await this.member.input(line);
    if (result.kind === 'renamed') this.#name = result.to;
    if (result.kind === 'quit') this.close();
    return result;
  }

  /**
   * Joins another room (`dev` or `#dev`); its events reach your listener with `room` set.
   * The stub's `leave()` (or disposing it) leaves that room.
   */
  joinRoom(room: string): Promise<RpcStub<RoomApi>> {
    return this.member.joinRoom(room) as Promise<RpcStub<RoomApi>>;
  }

  /** The server's default room, where every client starts (its events carry no `room`). */
  defaultRoom(): Promise<string> {
    return this.member.defaultRoom as unknown as Promise<string>;
  }

  /** Leaves the room (announced to the others) and closes the connection. */
  async leave(): Promise<GoodbyeResult> {
    this.#closing = true;
    try {
      return await this.member.leave();
    } finally {
      this.close();
    }
  }

  /** Closes the connection; the server announces your leave. Idempotent. */
  close(): void {
    this.#closing = true;
    try {
      this.member[Symbol.dispose]();
      this.api[Symbol.dispose]();
    } catch {
      // Already closed.
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal */
  get closing(): boolean {
    return this.#closing;
  }
}

/**
 * Connects to a chatgate server's Cap'n Web endpoint (e.g. `ws://127.0.0.1:8080/rpc/ws`)
 * and joins as `options.name` with the capability API. Rejects if the connection fails or
 * the name is refused (the error's `code`: `name_taken`, `name_invalid`, `name_reserved`).
 */
export async function connectChat(url: string, options: ConnectChatOptions): Promise<ChatClient> {
  await ensureGlobalWebSocket();
  const api = newWebSocketRpcSession<ChatGatewayApi>(url);
  const listener = new MessageListener(options.onMessage ?? (() => {}));
  let client: ChatClient | undefined;
  try {
    const joinOptions: JoinOptions = {};
    if (options.token !== undefined) joinOptions.token = options.token;
    if (options.resume !== undefined) joinOptions.resume = options.resume;
    const pending = api.connect(options.name, listener, joinOptions);
    // Pipelined: one round trip for joining, your name, who is online and the resume point.
    const [member, name, users, token, epoch, joinSeq] = await Promise.all([
      pending,
      pending.name,
      pending.users(),
      pending.resumeToken,
      pending.epoch,
      pending.joinSeq,
    ]);
    client = new ChatClient(api, member, name, users, listener, { token, epoch, joinSeq });
  } catch (err) {
    api[Symbol.dispose]();
    throw err;
  }
  const joined = client;
  api.onRpcBroken((error) => {
    if (!joined.closing) options.onClose?.(error);
  });
  return joined;
}

/** The main object at `/rpc/ws`, typed, for programs using the original join/sendMessage API. */
export async function openChatGateway(url: string): Promise<RpcStub<ChatGatewayApi>> {
  await ensureGlobalWebSocket();
  return newWebSocketRpcSession<ChatGatewayApi>(url);
}

/** One HTTP batch against `POST /rpc` (e.g. `http://127.0.0.1:8080/rpc`): read-only calls. */
export function openChatBatch(url: string): RpcStub<ChatReadApi> {
  return newHttpBatchRpcSession<ChatReadApi>(url);
}
