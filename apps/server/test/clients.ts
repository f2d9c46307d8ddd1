import { connect, type Socket } from 'node:net';
import { newWebSocketRpcSession, RpcTarget } from 'capnweb';
import { WebSocket } from 'ws';
import { waitFor } from './helpers.js';

/** A test client of any style: what it has seen, and how to wait for more. */
export interface StyleClient {
  /** Names this client was told joined (styles that show joins). */
  joins?: string[];
  style: string;
  name: string;
  /** Chat texts received from others (and from itself where the style echoes), in order. */
  texts: string[];
  /** Whether this style echoes your own message back to you. */
  echoes: boolean;
  send(text: string): Promise<void>;
  waitForText(text: string): Promise<void>;
  /** Resolves when the server told this client it is going away, or closed it. */
  told: Promise<string>;
  close(): void;
  waitForJoin?: (name: string) => Promise<void>;
}

function growing(onChange: Set<() => void>) {
  return (check: () => void) => {
    onChange.add(check);
    return () => onChange.delete(check);
  };
}

function base(style: string, name: string, echoes: boolean) {
  const listeners = new Set<() => void>();
  const texts: string[] = [];
  const notify = () => {
    for (const check of [...listeners]) check();
  };
  const waitForText = (text: string) =>
    waitFor(
      growing(listeners),
      () => (texts.includes(text) ? true : undefined),
      `${style} to see '${text}'`,
    ).then(
      () => {},
      (err: Error) => {
        throw new Error(`${err.message}; it saw ${JSON.stringify(texts)}`);
      },
    );
  return { texts, notify, waitForText, style, name, echoes, listeners };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export async function wsClient(port: number, name: string): Promise<StyleClient> {
  const b = base('ws', name, true);
  const told = deferred<string>();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  ws.on('error', () => {});
  const frames: Array<Record<string, unknown>> = [];
  const joins: string[] = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    frames.push(msg);
    if (msg.type === 'chat_message' && !msg.history) b.texts.push(String(msg.content));
    if (msg.type === 'join') joins.push(String(msg.name));
    b.notify();
  });
  ws.on('close', (code) => told.resolve(`close ${code}`));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'connect', username: name }));
  await waitFor(growing(b.listeners), () => frames.find((f) => f.type === 'welcome'), 'ws welcome');
  expectFrame(frames[0], {
    type: 'connect_response',
    success: true,
    message: 'Connected successfully',
  });
  return {
    ...b,
    joins,
    waitForJoin: (who: string) =>
      waitFor(
        growing(b.listeners),
        () => (joins.includes(who) ? true : undefined),
        `join of ${who}`,
      ).then(() => {}),
    told: told.promise,
    send: async (text) => {
      ws.send(JSON.stringify({ type: 'chat_message', content: text }));
    },
    close: () => ws.terminate(),
  };
}

function expectFrame(actual: unknown, expected: Record<string, unknown>) {
  for (const [key, value] of Object.entries(expected)) {
    if ((actual as Record<string, unknown>)?.[key] !== value) {
      throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
  }
}

class Callback extends RpcTarget {
  constructor(
    private readonly onMessage_: (m: { username: string; text: string; type: string }) => void,
  ) {
    super();
  }
  onMessage(message: { username: string; text: string; type: string }) {
    this.onMessage_(message);
  }
}

export async function rpcClient(port: number, name: string): Promise<StyleClient> {
  if (globalThis.WebSocket === undefined) {
    (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  }
  const b = base('rpc', name, true);
  const told = deferred<string>();
  const socket = new WebSocket(`ws://127.0.0.1:${port}/rpc/ws`);
  socket.on('error', () => {});
  socket.on('close', (code) => told.resolve(`close ${code}`));
  // biome-ignore lint/suspicious/noExplicitAny: the documented contract is untyped here on purpose
  const api: any = newWebSocketRpcSession(socket as unknown as globalThis.WebSocket);
  const welcome = await api.join(
    name,
    new Callback((m) => {
      if (m.type === 'chat') b.texts.push(m.text);
      b.notify();
    }),
  );
  if (welcome.message !== `Welcome to the chat, ${name}!`) {
    throw new Error(`unexpected welcome ${JSON.stringify(welcome)}`);
  }
  return {
    ...b,
    told: told.promise,
    send: async (text) => {
      await api.sendMessage(name, text);
    },
    close: () => socket.terminate(),
  };
}

async function tcpSocket(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

export async function lineClient(port: number, name: string): Promise<StyleClient> {
  const b = base('line', name, false);
  const told = deferred<string>();
  const socket = await tcpSocket(port);
  const lines: string[] = [];
  let buffer = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let index = buffer.indexOf('\n');
    while (index >= 0) {
      const line = buffer.slice(0, index);
      buffer = buffer.slice(index + 1);
      lines.push(line);
      const chat = /^\[([^\]]+)\]: (.*)$/.exec(line);
      if (chat && !chat[1]!.includes(' -> ')) b.texts.push(chat[2]!);
      if (line.startsWith('* server shutting down')) told.resolve(line);
      index = buffer.indexOf('\n');
    }
    b.notify();
  });
  socket.on('close', () => told.resolve('closed'));
  await waitFor(
    growing(b.listeners),
    () => lines.find((l) => l.includes('/help')),
    'line greeting',
  );
  socket.write(`/nick ${name}\r\n`);
  await waitFor(growing(b.listeners), () => lines.find((l) => l.includes(name)), 'line rename');
  return {
    ...b,
    told: told.promise,
    send: async (text) => {
      socket.write(`${text}\n`);
    },
    close: () => socket.destroy(),
  };
}

export async function atClient(
  port: number,
  name: string,
  joined: (name: string) => Promise<void>,
): Promise<StyleClient> {
  const b = base('at', name, false);
  const told = deferred<string>();
  const socket = await tcpSocket(port);
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    // The at dialect has no framing (each write is one message, `NAME: text`), so reads may
    // merge messages.
    // The tests send `from-<style>`, so a message ends where the next `NAME: ` begins.
    for (const match of chunk.matchAll(/: (from-(?:ws|rpc|browser|line|at|peer))(?=[a-z]+: |$)/g)) {
      b.texts.push(match[1]!);
    }
    b.notify();
  });
  socket.on('close', () => told.resolve('closed'));
  // The first chunk is the bare name; this dialect sends no reply to it.
  socket.write(name);
  await joined(name);
  return {
    ...b,
    told: told.promise,
    send: async (text) => {
      socket.write(`@all ${text}`);
    },
    close: () => socket.destroy(),
  };
}

const PEER_CHAT = /^\[[^\]]*\] - (.*?):\x1b\[32m (.*)\n\x1b\[0m<MSGENCD>$/s;

function peerFrame(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  const frame = Buffer.alloc(2 + body.length);
  frame.writeUInt16BE(body.length, 0);
  body.copy(frame, 2);
  return frame;
}

/** A lab3 GroupPeer: its first chat frame names it and is its first message. */
export async function peerClient(
  port: number,
  name: string,
  firstText: string,
): Promise<StyleClient> {
  const b = base('peer', name, false);
  const told = deferred<string>();
  const socket = await tcpSocket(port);
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 2) {
      const length = buffer.readUInt16BE(0);
      if (buffer.length < 2 + length) break;
      const payload = buffer.subarray(2, 2 + length).toString('utf8');
      buffer = buffer.subarray(2 + length);
      const chat = PEER_CHAT.exec(payload);
      if (chat && chat[1] !== 'system') b.texts.push(chat[2]!);
      if (payload.includes('<EXTENCD>')) told.resolve('leave frame');
    }
    b.notify();
  });
  socket.on('close', () => told.resolve('closed'));
  const send = async (text: string) => {
    socket.write(
      peerFrame(`[2026-11-22T10:04:11.777898] - ${name}:\x1b[32m ${text}\n\x1b[0m<MSGENCD>`),
    );
  };
  await send(firstText);
  return { ...b, told: told.promise, send, close: () => socket.destroy() };
}
