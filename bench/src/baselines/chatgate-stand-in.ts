/**
 * TEMPORARY: a chatgate-compatible target built on @chatgate/core, used only until the real
 * server (apps/server) lands. Same CLI flags and listening line, same wire behaviour as far
 * as the bench relies on it: ws JSON at /ws, line TCP (greeting, join notices, no echo),
 * capnweb at /rpc/ws. Delete once apps/server/dist/main.js exists.
 */
import http from 'node:http';
import net from 'node:net';
import {
  ConnectionGate,
  type Dialect,
  type DisconnectReason,
  type Member,
  Room,
  type RoomEvent,
  type Session,
} from '@chatgate/core';
import { newWebSocketRpcSession, RpcTarget } from 'capnweb';
import { WebSocket, WebSocketServer } from 'ws';
import { announceListening, parseListenFlags } from './listening.js';

// capnweb's WebSocket transport refers to the global WebSocket, which Node 20 lacks.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
};
const { host } = parseListenFlags(argv);
const room = new Room({
  limits: { rateBurst: flag('rate-burst', 20), ratePerSecond: flag('rate-per-second', 10) },
});
const gate = new ConnectionGate({
  maxConnections: flag('max-connections', 10_000),
  maxPerAddress: flag('max-per-address', 64),
});
const noop = () => {};

const jsonDialect: Dialect<string> = {
  name: 'ws-json',
  encode(e: RoomEvent) {
    switch (e.kind) {
      case 'message':
        return JSON.stringify({
          type: 'chat_message',
          content: e.content,
          sender: e.sender,
          agent: e.agent,
          seq: e.seq,
          ts: e.ts,
          ...(e.to === undefined ? {} : { to: e.to }),
        });
      case 'join':
        return JSON.stringify({ type: 'join', name: e.name, seq: e.seq, ts: e.ts });
      case 'leave':
        return JSON.stringify({ type: 'leave', name: e.name, seq: e.seq, ts: e.ts });
      case 'rename':
        return JSON.stringify({ type: 'rename', from: e.from, to: e.to, seq: e.seq, ts: e.ts });
    }
  },
};

class JsonSession implements Session<string> {
  readonly dialect = jsonDialect;
  constructor(private readonly ws: WebSocket) {}
  get bufferedBytes() {
    return this.ws.bufferedAmount;
  }
  deliver(event: RoomEvent, frame: string | null, self: Member) {
    if (event.kind === 'join' && event.memberId === self.id) {
      this.ws.send('{"type":"connect_response","success":true,"message":"Connected successfully"}');
    } else if (frame !== null) this.ws.send(frame);
  }
  close(reason: DisconnectReason) {
    this.ws.close(1000, reason);
  }
}

const lineDialect: Dialect<Buffer> = {
  name: 'line',
  encode(e: RoomEvent) {
    switch (e.kind) {
      case 'message':
        return Buffer.from(`[${e.sender}]: ${e.content}\n`);
      case 'join':
        return Buffer.from(`* ${e.name} joined the chat\n`);
      case 'leave':
        return Buffer.from(`* ${e.name} left the chat\n`);
      case 'rename':
        return Buffer.from(`* ${e.from} is now known as ${e.to}\n`);
    }
  },
};

class LineSession implements Session<Buffer> {
  readonly dialect = lineDialect;
  constructor(private readonly socket: net.Socket) {}
  get bufferedBytes() {
    return this.socket.writableLength;
  }
  deliver(event: RoomEvent, frame: Buffer | null, self: Member) {
    if (event.kind === 'join' && event.memberId === self.id) {
      this.socket.write(`* welcome, you are ${self.name}.\n`);
    } else if (event.kind === 'message' && event.senderId === self.id) {
      // no echo of your own line
    } else if (frame !== null) this.socket.write(frame);
  }
  close() {
    this.socket.end();
  }
}

interface Callback {
  onMessage(m: { username: string; text: string; type: string }): Promise<unknown>;
  dup(): Callback;
}

const rpcDialect: Dialect<{ username: string; text: string; type: string }> = {
  name: 'rpc',
  encode: (e) =>
    e.kind === 'message' ? { username: e.sender, text: e.content, type: 'message' } : null,
};

class RpcMemberSession implements Session {
  readonly dialect = rpcDialect;
  constructor(
    private readonly ws: WebSocket,
    private readonly callback: Callback,
  ) {}
  get bufferedBytes() {
    return this.ws.bufferedAmount;
  }
  deliver(_event: RoomEvent, frame: unknown) {
    if (frame !== null) {
      this.callback
        .onMessage(frame as { username: string; text: string; type: string })
        .catch(noop);
    }
  }
  close() {
    this.ws.close(1000);
  }
}

class ChatApi extends RpcTarget {
  readonly members = new Map<string, Member>();
  constructor(private readonly ws: WebSocket) {
    super();
  }
  async join(username: string, callback: Callback) {
    const member = await room.join(new RpcMemberSession(this.ws, callback.dup()), {
      name: username,
    });
    this.members.set(username, member);
    return { username: member.name };
  }
  async sendMessage(username: string, text: string) {
    const member = this.members.get(username);
    if (member === undefined) throw new Error('not joined');
    await member.input(text);
    return true;
  }
}

function admitOrClose(remote: string | undefined, label: string, close: () => void) {
  const admitted = gate.admit(remote ?? '?', label);
  if (!admitted.ok) close();
  return admitted.ok ? admitted.release : null;
}

const wssJson = new WebSocketServer({ noServer: true, perMessageDeflate: false });
wssJson.on('connection', (ws: WebSocket, req: http.IncomingMessage) => {
  const release = admitOrClose(req.socket.remoteAddress, 'ws', () => ws.close(1013));
  if (release === null) return;
  let member: Member | null = null;
  let joining = false;
  ws.on('error', noop);
  ws.on('close', () => {
    release();
    void member?.leave('closed');
  });
  ws.on('message', (data) => {
    let msg: { type?: string; username?: string; content?: string };
    try {
      msg = JSON.parse(String(data));
    } catch {
      return;
    }
    if (member === null) {
      if (joining) return;
      if (msg.type !== 'connect') {
        ws.send(
          '{"type":"connect_response","success":false,"message":"First message must be connect"}',
        );
        ws.close();
        return;
      }
      joining = true;
      room.join(new JsonSession(ws), { name: String(msg.username) }).then(
        (m) => {
          member = m;
        },
        (err: Error) => {
          ws.send(JSON.stringify({ type: 'login_response', success: false, message: err.message }));
          ws.close();
        },
      );
      return;
    }
    if (msg.type === 'chat_message') {
      member.input(String(msg.content)).catch((err: Error) => {
        ws.send(JSON.stringify({ type: 'error', message: err.message }));
      });
    }
  });
});

const wssRpc = new WebSocketServer({ noServer: true, perMessageDeflate: false });
wssRpc.on('connection', (ws: WebSocket, req: http.IncomingMessage) => {
  const release = admitOrClose(req.socket.remoteAddress, 'rpc', () => ws.close(1013));
  if (release === null) return;
  const api = new ChatApi(ws);
  ws.on('error', noop);
  ws.on('close', () => {
    release();
    for (const member of api.members.values()) void member.leave('closed');
  });
  newWebSocketRpcSession(ws as unknown as globalThis.WebSocket, api);
});

const httpServer = http.createServer((_req, res) => {
  res.writeHead(404).end();
});
httpServer.on('upgrade', (req, socket, head) => {
  socket.on('error', noop);
  const wss = req.url === '/ws' ? wssJson : req.url === '/rpc/ws' ? wssRpc : null;
  if (wss === null) {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});

const lineServer = net.createServer({ noDelay: true }, (socket) => {
  socket.on('error', noop);
  const release = admitOrClose(socket.remoteAddress, 'tcp:line', () => socket.destroy());
  if (release === null) return;
  let member: Member | null = null;
  let pending = '';
  socket.on('close', () => {
    release();
    void member?.leave('closed');
  });
  room.join(new LineSession(socket)).then(
    (m) => {
      member = m;
    },
    () => socket.destroy(),
  );
  socket.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    for (const text of lines) member?.input(text).catch(noop);
  });
});

httpServer.listen(0, host, () => {
  lineServer.listen(0, host, () => {
    const httpAddress = httpServer.address();
    const lineAddress = lineServer.address();
    if (
      typeof httpAddress === 'object' &&
      httpAddress &&
      typeof lineAddress === 'object' &&
      lineAddress
    ) {
      announceListening({ http: httpAddress.port, line: lineAddress.port });
    }
  });
});
process.on('SIGTERM', () => process.exit(0));
