// A minimal server speaking exactly the documented WebSocket JSON format (docs/protocols.md), for
// what the real ws gateway never does: the original group_terminal server sends no `welcome`.
import { onTestFinished } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { Signal, waitFor } from './helpers.js';

interface Said {
  from: string;
  content: string;
  to?: string;
}

/** What the test can see and do on the server side. */
export interface WireServer {
  url: string;
  said: Said[];
  joined: string[];
  left: string[];
  /** A message from `from` (a server-side member) to everyone, or privately to `to`. */
  say(from: string, content: string, to?: string): void;
  /** Waits until `take` returns something, re-checking on every server event. */
  until<T>(take: () => T | undefined, what: string): Promise<T>;
  /** Stops the server and drops every client. */
  stop(): Promise<void>;
}

export interface JsonWsServerOptions {
  /** Names shown as present that no socket holds. */
  present?: string[];
  /** Send chatgate's `welcome` frame after `connect_response` (default true). */
  welcome?: boolean;
}

/** `{"type":"connect"}` first; `chat_message` to everyone including the sender. */
export async function startJsonWsServer(options: JsonWsServerOptions = {}): Promise<WireServer> {
  const present = options.present ?? [];
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const changed = new Signal();
  const members = new Map<string, WebSocket>();
  const said: Said[] = [];
  const joined: string[] = [];
  const left: string[] = [];
  let seq = 0;
  const names = () => [...present, ...members.keys()];
  const send = (socket: WebSocket | undefined, frame: object) =>
    socket?.send(JSON.stringify(frame));
  const broadcast = (frame: object, except?: string) => {
    for (const [name, socket] of members) if (name !== except) send(socket, frame);
  };
  const chat = (from: string, content: string, to?: string) => {
    said.push(to === undefined ? { from, content } : { from, content, to });
    const frame = {
      type: 'chat_message',
      content,
      sender: from,
      agent: false,
      seq: ++seq,
      ts: Date.now(),
    };
    if (to === undefined) broadcast(frame);
    else {
      send(members.get(to), { ...frame, to });
      send(members.get(from), { ...frame, to });
    }
    changed.fire();
  };

  server.on('connection', (socket) => {
    socket.on('error', () => {});
    let name: string | undefined;
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as {
        type?: string;
        username?: string;
        content?: string;
      };
      if (name === undefined) {
        if (frame.type !== 'connect' || typeof frame.username !== 'string') {
          send(socket, {
            type: 'connect_response',
            success: false,
            message: 'First message must be connect',
          });
          socket.close();
          return;
        }
        if (names().some((n) => n.toLowerCase() === frame.username!.toLowerCase())) {
          send(socket, {
            type: 'login_response',
            success: false,
            message: 'User already connected',
          });
          socket.close();
          return;
        }
        name = frame.username;
        broadcast({ type: 'join', name, seq: ++seq, ts: Date.now() });
        members.set(name, socket);
        joined.push(name);
        send(socket, {
          type: 'connect_response',
          success: true,
          message: 'Connected successfully',
        });
        if (options.welcome !== false) send(socket, { type: 'welcome', name, users: names(), seq });
        changed.fire();
        return;
      }
      const content = String(frame.content ?? '');
      const privately = /^@(\S+) (.+)$/.exec(content);
      if (content === '/users') send(socket, { type: 'users', users: names() });
      else if (content === '/quit') {
        send(socket, { type: 'bye', reason: 'quit', message: 'Goodbye.' });
        socket.close(1000);
      } else if (content.startsWith('/')) {
        send(socket, {
          type: 'error',
          code: 'unknown_command',
          message: `Unknown command: ${content}`,
        });
      } else if (privately !== null) chat(name, privately[2]!, privately[1]!);
      else chat(name, content);
    });
    socket.on('close', () => {
      if (name === undefined || members.get(name) !== socket) return;
      members.delete(name);
      left.push(name);
      broadcast({ type: 'leave', name, reason: 'closed', seq: ++seq, ts: Date.now() });
      changed.fire();
    });
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of server.clients) {
        send(socket, { type: 'bye', reason: 'shutdown', message: 'The server is shutting down.' });
        socket.close(1001);
      }
      server.close(() => resolve());
    });
  onTestFinished(stop);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `ws://127.0.0.1:${address.port}/ws`,
    said,
    joined,
    left,
    say: chat,
    until: (take, what) => waitFor(changed.subscribe, take, what),
    stop,
  };
}
