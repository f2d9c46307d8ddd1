import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { preframingAvailable, prepareFrame, sendPrepared } from '../src/index.js';
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
