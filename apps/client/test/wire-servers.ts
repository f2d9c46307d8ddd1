// Minimal servers that speak exactly the documented wire formats (DESIGN §3.1 and §3.2 line,
// plus the frames and lines the ws and tcp gateways add), for testing the client's ws and tcp
// transports until those gateways are merged. A room of named peers, nothing more.
import { createServer, type Socket } from 'node:net';
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

/** `{"type":"connect"}` first; `chat_message` to everyone including the sender. */
export async function startJsonWsServer(present: string[] = []): Promise<WireServer> {
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
        send(socket, { type: 'welcome', name, users: names(), seq });
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

/** nc style: auto `userN`, `/nick`, `[NAME]: text` to the others, `* ` system lines. */
export async function startLineTcpServer(present: string[] = []): Promise<WireServer> {
  const changed = new Signal();
  const members = new Map<Socket, string>();
  const said: Said[] = [];
  const joined: string[] = [];
  const left: string[] = [];
  let counter = 0;
  const names = () => [...present, ...members.values()];
  const socketOf = (name: string) =>
    [...members].find(([, n]) => n.toLowerCase() === name.toLowerCase())?.[0];
  const toOthers = (line: string, except?: Socket) => {
    for (const socket of members.keys()) if (socket !== except) socket.write(`${line}\n`);
  };
  const chat = (from: string, content: string, to?: string) => {
    said.push(to === undefined ? { from, content } : { from, content, to });
    if (to === undefined) toOthers(`[${from}]: ${content}`, socketOf(from));
    else socketOf(to)?.write(`[${from} -> you]: ${content}\n`);
    changed.fire();
  };
  const server = createServer((socket) => {
    socket.on('error', () => {});
    const name = `user${++counter}`;
    toOthers(`* ${name} joined the chat`);
    members.set(socket, name);
    socket.write(
      `* welcome, you are ${name}. Type /help for commands, /nick NAME to change your name.\n`,
    );
    let partial = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const raw of lines) {
        const line = raw.replace(/\r$/, '');
        const me = members.get(socket);
        if (me === undefined) return;
        const nick = /^\/nick (\S+)$/.exec(line);
        const privately = /^@(\S+) (.+)$/.exec(line);
        if (nick !== null) {
          const wanted = nick[1]!;
          if (names().some((n) => n.toLowerCase() === wanted.toLowerCase())) {
            socket.write(`* error: The name '${wanted}' is already taken.\n`);
          } else {
            members.set(socket, wanted);
            joined.push(wanted);
            socket.write(`* you are now known as ${wanted}\n`);
            toOthers(`* ${me} is now known as ${wanted}`, socket);
            changed.fire();
          }
        } else if (line === '/users') socket.write(`* users: ${names().join(', ')}\n`);
        else if (line === '/quit') {
          socket.end('* goodbye\n');
        } else if (line.startsWith('/')) socket.write(`* error: Unknown command: ${line}\n`);
        else if (privately !== null) {
          chat(me, privately[2]!, privately[1]!);
          socket.write(`[you -> ${privately[1]}]: ${privately[2]}\n`);
        } else if (line.trim() !== '') chat(me, line);
      }
    });
    socket.on('close', () => {
      const me = members.get(socket);
      if (me === undefined) return;
      members.delete(socket);
      left.push(me);
      toOthers(`* ${me} left the chat`);
      changed.fire();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of members.keys()) socket.end('* server shutting down\n');
      server.close(() => resolve());
    });
  onTestFinished(stop);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `tcp://127.0.0.1:${address.port}`,
    said,
    joined,
    left,
    say: chat,
    until: (take, what) => waitFor(changed.subscribe, take, what),
    stop,
  };
}
