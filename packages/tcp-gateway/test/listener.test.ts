import { connect, Socket } from 'node:net';
import { ConnectionGate } from '@chatgate/core/transport';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createTcpListener } from '../src/index.js';
import {
  acceptedByPlainServer,
  Client,
  createTestRoom,
  joined,
  left,
  lengthPrefixed,
  Observer,
  ownKeys,
  peerChat,
  recordingLogger,
  said,
  startListener,
  WAIT_MS,
  waitFor,
} from './helpers.js';

const greeting = (name: string) =>
  `* welcome, you are ${name}. Type /help for commands, /nick NAME to change your name.\n`;

function refusedConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
  });
}

describe('createTcpListener', () => {
  it('listens on port 0 and reports the real address', async () => {
    const room = createTestRoom();
    const { listener, port } = await startListener({ room, dialect: 'line' });
    expect(port).toBeGreaterThan(0);
    expect(listener.address()).toMatchObject({ address: '127.0.0.1', port });
    expect(listener.dialect.name).toBe('line');
  });

  it('turns on TCP keepalive and no-delay for accepted sockets, keepalive configurable', async () => {
    const keepAlive = vi.spyOn(Socket.prototype, 'setKeepAlive');
    const noDelay = vi.spyOn(Socket.prototype, 'setNoDelay');
    onTestFinished(() => {
      keepAlive.mockRestore();
      noDelay.mockRestore();
    });
    const room = createTestRoom();
    const { port } = await startListener({ room, dialect: 'line' });
    const off = await startListener({ room, dialect: 'line', keepAliveMs: 0 });
    const client = await Client.connect(port);
    await client.read(greeting('user1'));
    expect(keepAlive).toHaveBeenCalledWith(true, 30_000);
    expect(noDelay).toHaveBeenCalledWith(true);
    keepAlive.mockClear();
    const other = await Client.connect(off.port);
    await other.read(greeting('user2'));
    expect(keepAlive).not.toHaveBeenCalled();
  });

  it("adds no own property to a member's socket: it keeps the shape Node gave it", async () => {
    // One hidden class more than Node's own sockets have makes its write path megamorphic
    // (docs/architecture.md, "Sockets keep Node's shape").
    const expected = ownKeys((await acceptedByPlainServer('127.0.0.1')).server);

    const noDelay = vi.spyOn(Socket.prototype, 'setNoDelay');
    onTestFinished(() => noDelay.mockRestore());
    const room = createTestRoom();
    const { port } = await startListener({ room, dialect: 'line' });
    const client = await Client.connect(port);
    await client.read(greeting('user1'));
    const other = await Client.connect(port);
    await other.read(greeting('user2'));
    await client.send('hello\n');
    await other.readThrough('[user1]: hello\n');
    const [memberSocket] = noDelay.mock.contexts as Socket[];
    expect(memberSocket).toBeInstanceOf(Socket);
    expect(ownKeys(memberSocket!)).toEqual(expected);
    // The server's side of user1's connection, not a client socket.
    expect(memberSocket!.localPort).toBe(port);
  });

  it('rejects an unknown dialect name', () => {
    const room = createTestRoom();
    expect(() => createTcpListener({ room, dialect: 'smoke' as 'line' })).toThrow(TypeError);
  });

  it('refuses connections over the per-address cap with a message, counted as tcp:line', async () => {
    const room = createTestRoom();
    const gate = new ConnectionGate({ maxPerAddress: 1 });
    const { port } = await startListener({ room, dialect: 'line', gate });
    const first = await Client.connect(port);
    await first.read(greeting('user1'));
    expect(gate.openByTransport()).toEqual({ 'tcp:line': 1 });
    const second = await Client.connect(port);
    await second.read('* error: Too many connections from your address.\n');
    await second.waitClosed();
    await first.send('/users\n');
    await first.read('* users: user1\n');
    first.end();
    await waitFor(() => gate.open === 0, 'the gate slot to be released');
    const third = await Client.connect(port);
    await third.read(greeting('user2'));
  });

  it('shares one total cap across listeners of different dialects', async () => {
    const room = createTestRoom();
    const gate = new ConnectionGate({ maxConnections: 1 });
    const line = await startListener({ room, dialect: 'line', gate });
    const at = await startListener({ room, dialect: 'at', gate });
    const nc = await Client.connect(line.port);
    await nc.read(greeting('user1'));
    const cli = await Client.connect(at.port);
    await cli.read('[ERROR] Server is full: too many connections.');
    await cli.waitClosed();
    expect(gate.openByTransport()).toEqual({ 'tcp:line': 1 });
    expect(gate.open).toBe(1);
  });

  it('close() stops accepting but keeps members until the room closes them', async () => {
    const room = createTestRoom();
    const { listener, port } = await startListener({ room, dialect: 'line' });
    const a = await Client.connect(port);
    await a.read(greeting('user1'));
    const b = await Client.connect(port);
    await b.read(greeting('user2'));
    await a.read('* user2 joined the chat\n');
    await listener.close();
    expect(await refusedConnect(port)).toBe('ECONNREFUSED');
    await b.send('still talking\n');
    await a.read('[user2]: still talking\n');
    expect(listener.connections).toBe(2);
    await room.close('shutdown');
    await a.readThrough('* server shutting down\n');
    await b.readThrough('* server shutting down\n');
    await a.waitClosed();
    await b.waitClosed();
    await waitFor(() => listener.connections === 0, 'connections to close');
  });

  it('close({ drain: false }) shuts every connection, joined or not, and resolves once closed', async () => {
    const room = createTestRoom();
    const gate = new ConnectionGate();
    const line = await startListener({ room, dialect: 'line', gate });
    const at = await startListener({ room, dialect: 'at', gate });
    const a = await Client.connect(line.port);
    await a.read(greeting('user1'));
    const unnamed = await Client.connect(at.port);
    await waitFor(() => at.listener.connections === 1, 'the at connection');
    await Promise.all([
      line.listener.close({ drain: false }),
      line.listener.close({ drain: false }),
      at.listener.close({ drain: false }),
    ]);
    expect(line.listener.connections + at.listener.connections).toBe(0);
    expect(gate.open).toBe(0);
    await a.read('* server shutting down\n');
    await unnamed.read('[ERROR] Server shutting down');
    await a.waitClosed();
    await unnamed.waitClosed();
    expect(room.size).toBe(0);
  });

  it('destroys a closing connection whose client never reads, by a hard deadline', async () => {
    const room = createTestRoom();
    const { listener, port } = await startListener({ room, dialect: 'at', closeGraceMs: 100 });
    const deaf = await Client.connect(port);
    deaf.socket.pause();
    await deaf.send('bad name!');
    // Keep trickling bytes: an idle timeout would never fire.
    const trickle = setInterval(() => deaf.socket.write('.'), 20);
    try {
      await waitFor(() => listener.connections === 0, 'the closing connection to be destroyed');
    } finally {
      clearInterval(trickle);
    }
  });

  it('announces the leave exactly once when the client resets the connection', async () => {
    const room = createTestRoom();
    const { port } = await startListener({ room, dialect: 'line' });
    const observer = await Observer.join(room);
    const a = await Client.connect(port);
    await a.read(greeting('user1'));
    const gone = observer.next(left('user1'));
    a.socket.resetAndDestroy();
    const event = await gone;
    expect(event).toMatchObject({ reason: 'closed' });
    const next = observer.next(said('next'));
    await observer.member.say('next');
    await next;
    expect(observer.count(left('user1'))).toBe(1);
  });

  it('logs per connection with conn, transport, dialect, remote, then name; no text at info', async () => {
    const room = createTestRoom();
    const logger = recordingLogger();
    const { port } = await startListener({ room, dialect: 'line', logger });
    const observer = await Observer.join(room);
    const a = await Client.connect(port);
    await a.read(greeting('user1'));
    const secret = 'a very secret message 4711';
    await a.send(`${secret}\n`);
    await observer.next(said(secret));
    const gone = observer.next(left('user1'));
    a.end();
    await gone;
    await waitFor(
      () => logger.records.some((r) => r.msg === 'disconnected'),
      'the disconnect log record',
    );
    const connected = logger.records.find((r) => r.msg === 'connected');
    expect(connected?.level).toBe('info');
    expect(connected?.bindings).toMatchObject({
      transport: 'tcp',
      dialect: 'line',
      remote: '127.0.0.1',
      conn: expect.any(Number),
    });
    const disconnected = logger.records.find((r) => r.msg === 'disconnected');
    expect(disconnected?.bindings).toMatchObject({ name: 'user1', dialect: 'line' });
    expect(disconnected?.obj).toMatchObject({ reason: 'closed' });
    const above = logger.records.filter((r) => r.level !== 'debug');
    expect(JSON.stringify(above)).not.toContain(secret);
  });

  // A stalled client of each dialect: joined, then never reads again.
  const stallers = {
    line: async (client: Client) => {
      await client.read(greeting('user2'));
      return 'user2';
    },
    at: async (client: Client) => {
      await client.send('stalled');
      return 'stalled';
    },
    peer: async (client: Client) => {
      await client.send(lengthPrefixed(peerChat('stalled', 'hi')));
      return 'stalled';
    },
  } as const;

  it.each(['line', 'at', 'peer'] as const)(
    'disconnects a %s client that never reads as too_slow while others get every message',
    async (dialect) => {
      const room = createTestRoom({ maxBufferedBytes: 64 * 1024 });
      const line = await startListener({ room, dialect: 'line' });
      const other = await startListener({ room, dialect });
      const observer = await Observer.join(room);
      const reader = await Client.connect(line.port);
      await reader.read(greeting('user1'));
      const stalled = await Client.connect(other.port);
      const name = await stallers[dialect](stalled);
      await observer.seen(joined(name));
      stalled.socket.pause();
      const gone = observer.next(left(name), WAIT_MS * 2);
      const text = 'x'.repeat(3900);
      let sent = 0;
      // Rounds of large posts until the stalled client is cut off; the reader keeps up.
      while (room.has(name) && sent < 5000) {
        for (let i = 0; i < 50; i++) void room.post(`${sent++} ${text}`, { sender: 'bot' });
        await reader.readThrough(`[bot]: ${sent - 1} ${text}\n`);
      }
      const event = await gone;
      expect(event).toMatchObject({ reason: 'too_slow' });
      expect(room.stats.drops.too_slow).toBe(1);
      await room.post('after', { sender: 'bot' });
      await reader.readThrough('[bot]: after\n');
    },
  );

  it('takes the name deadline from the shared gate when none is given', async () => {
    const room = createTestRoom();
    const gate = new ConnectionGate({ nameTimeoutMs: 100 });
    const { port } = await startListener({ room, dialect: 'at', gate });
    const silent = await Client.connect(port);
    await silent.read('[ERROR] No username received');
    await silent.waitClosed();
    await waitFor(() => gate.open === 0, 'the gate slot to be released');
  });
});
