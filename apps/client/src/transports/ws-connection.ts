import { WebSocket } from 'ws';
import {
  type ChatConnection,
  type ChatEvent,
  type ConnectionHandlers,
  type ConnectionOptions,
  JoinRefusedError,
  type ResumeState,
  type Welcome,
} from '../chat-connection.js';
import { describeRooms, describeWho, RoomTracker } from '../room-tracker.js';
import { EventGate } from './event-gate.js';
import { withCa } from './trust.js';

/** A server without the `welcome` frame (the original group_terminal) is joined after this. */
const WELCOME_WAIT_MS = 500;
/** How long `leave()` waits for the server to close after `/quit`. */
const LEAVE_WAIT_MS = 2000;

type Frame = Record<string, unknown>;

/** Frames that happen in a room, and carry its name when it is not the default room. */
const ROOM_EVENTS = new Set(['chat_message', 'join', 'leave', 'rename', 'presence']);

type RoomEntry = { name: string; size: number; joined: boolean; current: boolean };

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * The WebSocket JSON protocol (group_terminal's, extended by chatgate's ws gateway): connect
 * with `{"type":"connect","username"}`, lines go as `chat_message` content for the server to
 * parse. Frame types we do not know are ignored, as the original client does.
 */
export class WsConnection implements ChatConnection {
  readonly transport = 'ws' as const;
  #socket: WebSocket | undefined;
  #name = '';
  readonly #rooms = new RoomTracker();
  #joined = false;
  #ending = false;
  #bye: string | undefined;
  /** From `welcome` (chatgate servers only): what a reconnect resumes with. */
  #resume: { token: string; epoch: string } | undefined;
  #lastSeq = 0;
  readonly #events: EventGate;

  constructor(
    private readonly url: string,
    private readonly handlers: ConnectionHandlers,
    private readonly options: ConnectionOptions = {},
  ) {
    this.#events = new EventGate(handlers.onEvent);
  }

  resumeState(): ResumeState | undefined {
    if (this.#resume === undefined) return undefined;
    return { name: this.#name, ...this.#resume, seq: this.#lastSeq };
  }

  join(name: string, resume?: ResumeState): Promise<Welcome> {
    this.#name = name;
    return new Promise<Welcome>((resolve, reject) => {
      const socket = new WebSocket(this.url, withCa(this.options));
      this.#socket = socket;
      let settled = false;
      let welcomeTimer: NodeJS.Timeout | undefined;
      const finish = (error: Error | undefined, welcome?: Welcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(welcomeTimer);
        if (error !== undefined) {
          this.#ending = true;
          socket.terminate();
          reject(error);
          return;
        }
        this.#joined = true;
        this.#events.open();
        resolve(welcome!);
      };
      socket.on('error', (err) => {
        if (!settled) finish(new Error(`could not join at ${this.url}: ${err.message}`));
      });
      socket.on('open', () => {
        const hello: Frame = { type: 'connect', username: name };
        if (resume !== undefined) {
          hello.resume = { token: resume.token, epoch: resume.epoch, seq: resume.seq };
        }
        socket.send(JSON.stringify(hello));
      });
      socket.on('close', (code) => {
        if (!settled) {
          finish(new Error(`the server closed the connection while joining (${code})`));
          return;
        }
        if (this.#ending) return;
        this.#ending = true;
        this.handlers.onClose(this.#bye ?? `the server closed the connection (${code})`);
      });
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        let frame: Frame;
        try {
          const value: unknown = JSON.parse(data.toString());
          if (typeof value !== 'object' || value === null) return;
          frame = value as Frame;
        } catch {
          return;
        }
        // Another room's seq is another order: resume follows the default room's only.
        if (frame.room === undefined && typeof frame.seq === 'number' && frame.seq > this.#lastSeq)
          this.#lastSeq = frame.seq;
        if (settled) {
          this.#onFrame(frame);
          return;
        }
        switch (frame.type) {
          case 'connect_response':
          case 'login_response':
            if (frame.success === true) {
              welcomeTimer = setTimeout(
                () => finish(undefined, { name: this.#name, users: [this.#name] }),
                WELCOME_WAIT_MS,
              );
            } else {
              finish(new JoinRefusedError(str(frame.message) ?? 'the server refused the name'));
            }
            return;
          case 'welcome': {
            this.#name = str(frame.name) ?? this.#name;
            const token = str(frame.resume_token);
            const epoch = str(frame.epoch);
            if (token !== undefined && epoch !== undefined) this.#resume = { token, epoch };
            const users = Array.isArray(frame.users) ? frame.users.map(String) : [this.#name];
            const room = str(frame.room);
            if (room !== undefined) this.#rooms.setDefault(room);
            finish(
              undefined,
              room === undefined ? { name: this.#name, users } : { name: this.#name, users, room },
            );
            return;
          }
          default:
            this.#onFrame(frame);
        }
      });
    });
  }

  send(line: string): Promise<void> {
    const socket = this.#socket;
    if (socket === undefined || !this.#joined || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Error('not connected'));
    }
    socket.send(JSON.stringify({ type: 'chat_message', content: line }));
    return Promise.resolve();
  }

  async leave(): Promise<void> {
    const socket = this.#socket;
    this.#ending = true;
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) return;
    const closed = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, LEAVE_WAIT_MS);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    socket.send(JSON.stringify({ type: 'chat_message', content: '/quit' }));
    await closed;
    this.close();
  }

  close(): void {
    this.#ending = true;
    const socket = this.#socket;
    if (socket === undefined || socket.readyState === WebSocket.CLOSED) return;
    socket.close(1000);
  }

  #onFrame(frame: Frame): void {
    const event = this.#toEvent(frame);
    if (event === undefined) return;
    // In room events `room` is where it happened; in replies (`who`) it is what was asked about.
    const room = ROOM_EVENTS.has(String(frame.type))
      ? this.#rooms.label(str(frame.room))
      : undefined;
    if (room !== undefined && (event.kind === 'message' || event.kind === 'notice')) {
      this.#events.emit({ ...event, room });
    } else {
      this.#events.emit(event);
    }
  }

  #switched(room: string | undefined, text: string): ChatEvent | undefined {
    if (room === undefined) return undefined;
    this.#rooms.switchTo(room);
    return { kind: 'room', room, text };
  }

  #toEvent(frame: Frame): ChatEvent | undefined {
    switch (frame.type) {
      case 'chat_message': {
        const from = str(frame.sender) ?? '?';
        const event: ChatEvent = {
          kind: 'message',
          from,
          text: str(frame.content) ?? '',
          self: from === this.#name,
        };
        const to = str(frame.to);
        if (to !== undefined) event.to = to;
        if (frame.history === true) event.history = true;
        if (frame.agent === true) event.agent = true;
        if (frame.action === true) event.action = true;
        return event;
      }
      case 'join':
        return { kind: 'notice', text: `${str(frame.name)} joined the chat` };
      case 'leave':
        return { kind: 'notice', text: `${str(frame.name)} left the chat` };
      case 'rename': {
        const from = str(frame.from);
        const to = str(frame.to) ?? '?';
        if (from === this.#name) {
          this.#name = to;
          return { kind: 'notice', text: `you are now known as ${to}` };
        }
        return { kind: 'notice', text: `${from} is now known as ${to}` };
      }
      case 'users':
        return { kind: 'users', names: Array.isArray(frame.users) ? frame.users.map(String) : [] };
      case 'people': {
        const names = Array.isArray(frame.users) ? frame.users.map(String) : [];
        return {
          kind: 'notice',
          text: names.length === 0 ? 'nobody else is here' : `people: ${names.join(', ')}`,
        };
      }
      case 'history':
        if (Array.isArray(frame.messages)) {
          for (const message of frame.messages) {
            if (typeof message === 'object' && message !== null) {
              this.#onFrame({ ...(message as Frame), type: 'chat_message', history: true });
            }
          }
        }
        return undefined;
      case 'help':
        if (Array.isArray(frame.commands)) {
          for (const command of frame.commands as Frame[]) {
            this.#events.emit({
              kind: 'notice',
              text: `${str(command?.usage)}  ${str(command?.description)}`,
            });
          }
        }
        return undefined;
      case 'room_joined': {
        const room = str(frame.room);
        return this.#switched(
          room,
          `you joined #${room} (${Number(frame.count) || 0} here); now talking in #${room}`,
        );
      }
      case 'room_switched':
        return this.#switched(str(frame.room), `now talking in #${str(frame.room)}`);
      case 'room_parted':
        return this.#switched(
          str(frame.current),
          `you left #${str(frame.room)}; now talking in #${str(frame.current)}`,
        );
      case 'rooms':
        return {
          kind: 'notice',
          text: describeRooms(Array.isArray(frame.rooms) ? (frame.rooms as RoomEntry[]) : []),
        };
      case 'who': {
        const names = Array.isArray(frame.users) ? frame.users.map(String) : [];
        return {
          kind: 'notice',
          text: describeWho(str(frame.room) ?? '?', names, Number(frame.total) || names.length),
        };
      }
      case 'error':
        return { kind: 'error', text: str(frame.message) ?? 'error' };
      case 'bye':
        this.#bye = str(frame.message);
        return undefined;
      case 'resumed':
        return {
          kind: 'notice',
          text: `caught up: ${Number(frame.missed) || 0} missed while away`,
        };
      case 'history_reset':
        if (this.#resume !== undefined && typeof frame.epoch === 'string') {
          this.#resume = { ...this.#resume, epoch: frame.epoch };
        }
        return { kind: 'notice', text: 'the server could not tell what you missed' };
      default:
        return undefined;
    }
  }
}
