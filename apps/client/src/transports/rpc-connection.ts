import {
  type ChatClient,
  type ChatMessage,
  connectChat,
  type InputResult,
} from '@chatgate/rpc-client';
import {
  type ChatConnection,
  type ChatEvent,
  type ConnectionHandlers,
  type ConnectionOptions,
  JoinRefusedError,
  type ResumeState,
  RoomClosedError,
  type Welcome,
} from '../chat-connection.js';
import { describeRooms, describeWho, RoomTracker } from '../room-tracker.js';
import { EventGate } from './event-gate.js';
import { installRpcWebSocket, lastRpcSocketError } from './trust.js';

const NAME_REFUSALS = new Set(['name_taken', 'name_invalid', 'name_reserved']);

/** Cap'n Web RPC: the capability API (`connect`), lines through `input()`. */
export class RpcConnection implements ChatConnection {
  readonly transport = 'rpc' as const;
  #client: ChatClient | undefined;
  #ending = false;
  readonly #events: EventGate;
  readonly #rooms = new RoomTracker();
  #defaultRoomKnown = false;

  constructor(
    private readonly url: string,
    private readonly handlers: ConnectionHandlers,
    private readonly options: ConnectionOptions = {},
  ) {
    this.#events = new EventGate(handlers.onEvent);
  }

  async join(name: string, resume?: ResumeState): Promise<Welcome> {
    try {
      await installRpcWebSocket(this.options);
      this.#client = await connectChat(this.url, {
        name,
        onMessage: (message) => this.#events.emit(this.#labelled(message)),
        onClose: (error) => this.#lost(error),
        ...(resume === undefined
          ? {}
          : { resume: { token: resume.token, epoch: resume.epoch, seq: resume.seq } }),
      });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const message = err instanceof Error ? err.message : String(err);
      if (typeof code === 'string' && NAME_REFUSALS.has(code)) throw new JoinRefusedError(message);
      if (code === 'closed') throw new RoomClosedError(message);
      const cause = lastRpcSocketError();
      throw new Error(`could not join at ${this.url}: ${message}${cause ? ` (${cause})` : ''}`);
    }
    this.#events.open();
    return { name: this.#client.name, users: this.#client.usersAtJoin };
  }

  resumeState(): ResumeState | undefined {
    const client = this.#client;
    return client === undefined ? undefined : { name: client.name, ...client.resumeState() };
  }

  async send(line: string): Promise<void> {
    const client = this.#client;
    if (client === undefined) throw new Error('not joined');
    const result = await client.input(line);
    if (!this.#defaultRoomKnown && result.kind.startsWith('room_')) {
      // Rooms are in use: learn the default room's name, to label its events once elsewhere.
      this.#defaultRoomKnown = true;
      this.#rooms.setDefault(await client.defaultRoom());
    }
    for (const event of this.#replyEvents(result)) this.#events.emit(event);
  }

  async leave(): Promise<void> {
    this.#ending = true;
    await this.#client?.leave().catch(() => {});
    this.close();
  }

  close(): void {
    this.#ending = true;
    this.#client?.close();
  }

  #lost(error: unknown): void {
    if (this.#ending) return;
    this.#ending = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.handlers.onClose(reason);
  }

  #labelled(message: ChatMessage): ChatEvent {
    const event = this.#toEvent(message);
    const room = this.#rooms.label(message.room);
    return room === undefined || (event.kind !== 'message' && event.kind !== 'notice')
      ? event
      : { ...event, room };
  }

  #switched(room: string, text: string): ChatEvent[] {
    this.#rooms.switchTo(room);
    return [{ kind: 'room', room, text }];
  }

  #toEvent(message: ChatMessage): ChatEvent {
    if (message.event === 'resumed') {
      return { kind: 'notice', text: `caught up: ${message.missed ?? 0} missed while away` };
    }
    if (message.event === 'history_reset') {
      return { kind: 'notice', text: 'the server could not tell what you missed' };
    }
    if (message.type === 'system') return { kind: 'notice', text: message.text };
    const self = message.username === this.#client?.name;
    const event: ChatEvent = { kind: 'message', from: message.username, text: message.text, self };
    if (message.to !== undefined) event.to = message.to;
    if (message.agent === true) event.agent = true;
    if (message.action === true) event.action = true;
    return event;
  }

  #replyEvents(result: InputResult): ChatEvent[] {
    switch (result.kind) {
      case 'users':
        return [{ kind: 'users', names: result.names }];
      case 'people':
        return [
          {
            kind: 'notice',
            text:
              result.names.length === 0
                ? 'nobody else is here'
                : `people: ${result.names.join(', ')}`,
          },
        ];
      case 'history':
        return result.messages.map((m) => ({ ...this.#toEvent(m), history: true }) as ChatEvent);
      case 'help':
        return result.commands.map((c) => ({
          kind: 'notice',
          text: `${c.usage}  ${c.description}`,
        }));
      case 'renamed':
        return [{ kind: 'notice', text: `you are now known as ${result.to}` }];
      case 'room_joined':
        return this.#switched(
          result.room,
          result.already
            ? `now talking in #${result.room}`
            : `you joined #${result.room} (${result.size} here); now talking in #${result.room}`,
        );
      case 'room_switched':
        return this.#switched(result.room, `now talking in #${result.room}`);
      case 'room_parted':
        return this.#switched(
          result.current,
          `you left #${result.room}; now talking in #${result.current}`,
        );
      case 'rooms':
        return [{ kind: 'notice', text: describeRooms(result.rooms) }];
      case 'who':
        return [{ kind: 'notice', text: describeWho(result.room, result.names, result.total) }];
      case 'quit':
        this.close();
        return [];
      case 'sent':
      case 'ignored':
        return [];
    }
  }
}
