import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import {
  type ChatConnection,
  type ChatEvent,
  type ConnectionHandlers,
  type ConnectionOptions,
  JoinRefusedError,
  type Welcome,
} from '../chat-connection.js';
import { EventGate } from './event-gate.js';
import { LineSplitter } from './line-splitter.js';
import { withCa } from './trust.js';

export const DEFAULT_TCP_PORT = 2323;
/** How long `leave()` waits for the server to close after `/quit`. */
const LEAVE_WAIT_MS = 2000;

const PRIVATE_IN = /^\[(.+?) -> you\]: ([\s\S]*)$/;
const PRIVATE_OUT = /^\[you -> (.+?)\]: ([\s\S]*)$/;
const PUBLIC = /^\[([^\]]+)\]: ([\s\S]*)$/;
const RENAMED_SELF = /^you are now known as (.+)$/;
/** A line from a room other than the current one (docs/protocols.md, "Rooms"). */
const FROM_ROOM = /^\[#([^\]\s]+)\] ([\s\S]*)$/;
/** The server's word that typed text now goes to another room. */
const NOW_IN = /now talking in #(\S+)$/;

/**
 * Line TCP, the nc dialect: the server names us `userN` at connect, so joining is
 * `/nick NAME` then `/users`; the `* users:` answer (or a `* error:` before it) says how it
 * went, whatever the server's other wording. Lines we send are parsed by the server.
 */
export class TcpConnection implements ChatConnection {
  readonly transport = 'tcp' as const;
  #socket: Socket | undefined;
  #name = '';
  #ending = false;
  #inHistory = false;
  #lastNotice: string | undefined;
  readonly #events: EventGate;

  constructor(
    private readonly url: string,
    private readonly handlers: ConnectionHandlers,
    private readonly options: ConnectionOptions = {},
  ) {
    this.#events = new EventGate(handlers.onEvent);
  }

  /** The line dialect has no resume: a lost connection ends the session. */
  resumeState(): undefined {
    return undefined;
  }

  join(name: string): Promise<Welcome> {
    const target = new URL(this.url);
    const host = target.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
    const port = target.port === '' ? DEFAULT_TCP_PORT : Number(target.port);
    return new Promise<Welcome>((resolve, reject) => {
      // tls:// is the line dialect inside TLS (a server run with --tls-cert).
      const secure = target.protocol === 'tls:';
      const socket = secure
        ? connectTls({ host, port, servername: host, ...withCa(this.options) })
        : connect({ host, port });
      this.#socket = socket;
      const splitter = new LineSplitter();
      let settled = false;
      const finish = (error: Error | undefined, welcome?: Welcome) => {
        if (settled) return;
        settled = true;
        if (error !== undefined) {
          this.#ending = true;
          socket.destroy();
          reject(error);
          return;
        }
        this.#events.open();
        resolve(welcome!);
      };
      socket.on('error', (err) => {
        if (!settled) finish(new Error(`could not join at ${this.url}: ${err.message}`));
      });
      socket.on(secure ? 'secureConnect' : 'connect', () => {
        socket.write(`/nick ${name}\n/users\n`);
      });
      socket.on('close', () => {
        if (!settled) {
          finish(new Error('the server closed the connection while joining'));
          return;
        }
        if (this.#ending) return;
        this.#ending = true;
        this.handlers.onClose(this.#lastNotice ?? 'the server closed the connection');
      });
      socket.on('data', (chunk: Buffer) => {
        for (const line of splitter.push(chunk)) {
          if (settled) {
            this.#onLine(line);
            continue;
          }
          if (line.startsWith('* error: ')) {
            finish(new JoinRefusedError(line.slice('* error: '.length)));
          } else if (line.startsWith('* users: ')) {
            const users = splitNames(line.slice('* users: '.length));
            const mine = users.find((user) => user.toLowerCase() === name.toLowerCase());
            if (mine === undefined) {
              finish(new JoinRefusedError(`the server did not accept the name ${name}`));
            } else {
              this.#name = mine;
              finish(undefined, { name: mine, users });
            }
          } else if (line.startsWith('* welcome') || RENAMED_SELF.test(line.slice(2))) {
            // The greeting and the rename receipt: the welcome we print says it.
          } else {
            this.#onLine(line);
          }
        }
      });
    });
  }

  send(line: string): Promise<void> {
    const socket = this.#socket;
    if (socket === undefined || socket.destroyed) return Promise.reject(new Error('not connected'));
    // One line per send: a pasted newline must not turn into a second command.
    socket.write(`${line.replace(/[\r\n]+/g, ' ')}\n`);
    return Promise.resolve();
  }

  async leave(): Promise<void> {
    const socket = this.#socket;
    this.#ending = true;
    if (socket === undefined || socket.destroyed) return;
    const closed = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, LEAVE_WAIT_MS);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    socket.write('/quit\n');
    await closed;
    this.close();
  }

  close(): void {
    this.#ending = true;
    this.#socket?.destroy();
  }

  #onLine(line: string): void {
    const from = FROM_ROOM.exec(line);
    const event = this.#toEvent(from === null ? line : from[2]!);
    if (event === undefined) return;
    if (from !== null && (event.kind === 'message' || event.kind === 'notice')) {
      this.#events.emit({ ...event, room: from[1]! });
      return;
    }
    const switched = event.kind === 'notice' ? NOW_IN.exec(event.text) : null;
    if (event.kind === 'notice' && switched !== null) {
      this.#events.emit({ kind: 'room', room: switched[1]!, text: event.text });
    } else {
      this.#events.emit(event);
    }
  }

  #toEvent(line: string): ChatEvent | undefined {
    if (line.startsWith('* ')) {
      const text = line.slice(2);
      this.#lastNotice = text;
      if (text.startsWith('error: ')) return { kind: 'error', text: text.slice(7) };
      if (text.startsWith('users: ')) return { kind: 'users', names: splitNames(text.slice(7)) };
      if (text.startsWith('history: ')) {
        this.#inHistory = !text.startsWith('history: no ');
        return undefined;
      }
      if (text === 'end of history') {
        this.#inHistory = false;
        return undefined;
      }
      const renamed = RENAMED_SELF.exec(text);
      if (renamed !== null) this.#name = renamed[1]!;
      return { kind: 'notice', text };
    }
    const history = this.#inHistory ? { history: true } : {};
    let match = PRIVATE_IN.exec(line);
    if (match !== null) {
      return { kind: 'message', from: match[1]!, to: this.#name, text: match[2]!, self: false };
    }
    match = PRIVATE_OUT.exec(line);
    if (match !== null) {
      return { kind: 'message', from: this.#name, to: match[1]!, text: match[2]!, self: true };
    }
    match = PUBLIC.exec(line);
    if (match !== null) {
      const from = match[1]!;
      return { kind: 'message', from, text: match[2]!, self: from === this.#name, ...history };
    }
    return line.length === 0 ? undefined : { kind: 'notice', text: line };
  }
}

function splitNames(list: string): string[] {
  return list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}
