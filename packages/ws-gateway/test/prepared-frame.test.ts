import { corkForTurn } from '@chatgate/core/transport';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import {
  preframingAvailable,
  prepareFrame,
  sendPrepared,
  wireSocketOf,
  writePrepared,
} from '../src/index.js';
import { nextEvent } from './helpers.js';

/** A bare ws server/client pair on 127.0.0.1:0, so the test sees ws's own behaviour. */
async function pair(perMessageDeflate: boolean): Promise<{ server: WebSocket; client: WebSocket }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate });
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  );
  await nextEvent(wss, 'listening');
  const { port } = wss.address() as { port: number };
  const connection = nextEvent<[WebSocket]>(wss, 'connection');
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate });
  client.on('error', () => {});
  const [[server]] = await Promise.all([connection, nextEvent(client, 'open')]);
  server.on('error', () => {});
  return { server, client };
}

function senderCalls(ws: WebSocket): { frames: number; sends: number } {
  const sender = (ws as unknown as { _sender: { sendFrame: (...a: unknown[]) => void } })._sender;
  const counts = { frames: 0, sends: 0 };
  const original = sender.sendFrame;
  sender.sendFrame = function (this: unknown, ...args: unknown[]) {
    counts.frames++;
    return original.apply(this, args);
  };
  const send = ws.send.bind(ws);
  ws.send = ((...args: Parameters<WebSocket['send']>) => {
    counts.sends++;
    return send(...args);
  }) as WebSocket['send'];
  return counts;
}

describe('prepared frames', () => {
  it('ws 8 exposes Sender.frame, so broadcasts are pre-framed here', () => {
    expect(preframingAvailable).toBe(true);
    const frame = prepareFrame('{"a":"é"}');
    expect(frame.payload.toString()).toBe('{"a":"é"}');
    expect(frame.framed).not.toBeNull();
  });

  it('frames long payloads with the 16-bit and 64-bit length forms', () => {
    const medium = prepareFrame(JSON.stringify('m'.repeat(300)));
    expect(medium.framed![1]).toBe(126);
    expect(medium.framed!.readUInt16BE(2)).toBe(medium.payload.length);
    const large = prepareFrame(JSON.stringify('l'.repeat(70_000)));
    expect(large.framed![1]).toBe(127);
    expect(Number(large.framed!.readBigUInt64BE(2))).toBe(large.payload.length);
  });

  it('sends the pre-built bytes, interleaved in order with ordinary sends', async () => {
    const { server, client } = await pair(false);
    const counts = senderCalls(server);
    const received: string[] = [];
    client.on('message', (data, isBinary) => received.push(`${isBinary}:${String(data)}`));
    const frame = prepareFrame('{"n":1}');
    sendPrepared(server, frame);
    server.send('{"n":2}');
    sendPrepared(server, frame);
    sendPrepared(server, prepareFrame(JSON.stringify('x'.repeat(70_000))));
    while (received.length < 4) await nextEvent(client, 'message');
    expect(received.slice(0, 3)).toEqual(['false:{"n":1}', 'false:{"n":2}', 'false:{"n":1}']);
    expect(received[3]).toBe(`false:"${'x'.repeat(70_000)}"`);
    // Three pre-framed writes went straight to sendFrame; the one ws.send framed its own.
    expect(counts.sends).toBe(1);
    expect(counts.frames).toBe(4);
  });

  it('falls back to ws.send when permessage-deflate is negotiated', async () => {
    const { server, client } = await pair(true);
    const counts = senderCalls(server);
    const got = nextEvent<[Buffer, boolean]>(client, 'message');
    sendPrepared(server, prepareFrame('{"deflated":true}'));
    const [data, isBinary] = await got;
    expect(isBinary).toBe(false);
    expect(String(data)).toBe('{"deflated":true}');
    expect(counts.sends).toBe(1);
  });
});

/** Counts the writes the net.Socket hands to the kernel side (_write or _writev). */
function socketWrites(socket: object): { writes: number } {
  const counts = { writes: 0 };
  const internals = socket as Record<'_write' | '_writev', (...a: unknown[]) => void>;
  for (const key of ['_write', '_writev'] as const) {
    const original = internals[key];
    internals[key] = function (this: unknown, ...args: unknown[]) {
      counts.writes++;
      return original.apply(this, args);
    };
  }
  return counts;
}

describe('writing prepared frames to the socket under ws', () => {
  it('finds the net.Socket under a plain ws connection', async () => {
    const { server } = await pair(false);
    const wire = wireSocketOf(server);
    expect(wire).toBe((server as unknown as { _socket: unknown })._socket);
  });

  it('gives no socket when permessage-deflate is negotiated or the internals are missing', async () => {
    const { server } = await pair(true);
    expect(wireSocketOf(server)).toBeNull();
    const internals = server as unknown as Record<string, unknown>;
    const sender = { sendFrame() {}, _state: 0 };
    const socket = internals._socket;
    const fakes = [
      {},
      { _sender: sender, _extensions: {} },
      { _sender: sender, _extensions: {}, _socket: null },
      { _sender: sender, _extensions: {}, _socket: { write() {} } },
      { _sender: { _state: 0 }, _extensions: {}, _socket: socket },
    ];
    for (const fake of fakes) expect(wireSocketOf(fake as unknown as WebSocket)).toBeNull();
  });

  it('a corked turn of frames and ordinary sends leaves in order in one write', async () => {
    const { server, client } = await pair(false);
    const wire = wireSocketOf(server)!;
    const writes = socketWrites(wire);
    const counts = senderCalls(server);
    const received: string[] = [];
    client.on('message', (data) => received.push(String(data)));
    expect(corkForTurn(wire)).toBe(true);
    writePrepared(server, wire, prepareFrame('{"n":1}'));
    server.send('{"n":2}');
    writePrepared(server, wire, prepareFrame('{"n":3}'));
    writePrepared(server, wire, prepareFrame(JSON.stringify('x'.repeat(300))));
    server.send('{"n":5}');
    expect(writes.writes).toBe(0);
    while (received.length < 5) await nextEvent(client, 'message');
    expect(received).toEqual(['{"n":1}', '{"n":2}', '{"n":3}', `"${'x'.repeat(300)}"`, '{"n":5}']);
    expect(writes.writes).toBe(1);
    // Only the two ordinary sends went through ws's Sender.
    expect(counts.frames).toBe(2);
  });

  it('a close frame written while corked follows the frames before it', async () => {
    const { server, client } = await pair(false);
    const wire = wireSocketOf(server)!;
    const received: string[] = [];
    client.on('message', (data) => received.push(String(data)));
    const closed = nextEvent<[number]>(client, 'close');
    corkForTurn(wire);
    writePrepared(server, wire, prepareFrame('{"last":1}'));
    server.close(1001, 'bye');
    const [code] = await closed;
    expect(code).toBe(1001);
    expect(received).toEqual(['{"last":1}']);
  });

  it('terminate while corked drops the turn and harms no other socket in the flush', async () => {
    const gone = await pair(false);
    const live = await pair(false);
    const goneWire = wireSocketOf(gone.server)!;
    const liveWire = wireSocketOf(live.server)!;
    const closed = nextEvent<[number]>(gone.client, 'close');
    const got = nextEvent<[Buffer]>(live.client, 'message');
    corkForTurn(goneWire);
    corkForTurn(liveWire);
    writePrepared(gone.server, goneWire, prepareFrame('{"lost":1}'));
    writePrepared(live.server, liveWire, prepareFrame('{"kept":1}'));
    gone.server.terminate();
    const [[data], [code]] = await Promise.all([got, closed]);
    expect(String(data)).toBe('{"kept":1}');
    expect(code).toBe(1006);
  });
});
