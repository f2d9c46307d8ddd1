import { describe, expect, it, onTestFinished } from 'vitest';
import { startRawNetServer } from '../src/baselines/raw-net-server.js';
import { startRawWsServer } from '../src/baselines/raw-ws-server.js';
import type { ClientConn, ClientEvents } from '../src/clients/client-conn.js';
import { openLineClient } from '../src/clients/line-client.js';
import { openWsClient } from '../src/clients/ws-client.js';
import { findPayload, makePayload, type ParsedPayload, parsePayload } from '../src/payload.js';
import { PayloadScanner } from '../src/payload-scanner.js';
import { waitFor } from './wait-for.js';

const HOST = '127.0.0.1';
const events: ClientEvents = { onLost: () => {} };

/** A client plus the payload ids (sender:id) it has received, in order. */
interface Probe {
  conn: ClientConn;
  seen: string[];
}

const key = (p: ParsedPayload) => `${p.sender}:${p.id}`;

async function lineProbe(port: number): Promise<Probe> {
  const seen: string[] = [];
  const scanner = new PayloadScanner();
  const conn = await openLineClient({
    host: HOST,
    port,
    awaitGreeting: false,
    onChunk: (chunk) => scanner.push(chunk, (p) => seen.push(key(p))),
    events,
  });
  onTestFinished(() => conn.close());
  return { conn, seen };
}

async function wsProbe(port: number): Promise<Probe> {
  const seen: string[] = [];
  const out: ParsedPayload = { phase: 'm', sender: 0, id: 0, sentMicros: 0 };
  const conn = await openWsClient({
    url: `ws://${HOST}:${port}/`,
    username: null,
    onFrame: (frame) => {
      const at = findPayload(frame);
      if (at >= 0 && parsePayload(frame, at, out) > 0) seen.push(key(out));
    },
    events,
  });
  onTestFinished(() => conn.close());
  return { conn, seen };
}

describe.each([
  ['raw net', startRawNetServer, lineProbe],
  ['raw ws', startRawWsServer, wsProbe],
] as const)('baselines > %s broadcast server', (_name, start, probe) => {
  it('relays each message to every other client and not back to its sender', async () => {
    const server = await start(HOST);
    onTestFinished(() => server.close());
    const [a, b, c] = [
      await probe(server.port),
      await probe(server.port),
      await probe(server.port),
    ];
    a.conn.send(makePayload('m', 0, 0, 1));
    await waitFor(() => b.seen.length === 1 && c.seen.length === 1, 'b and c to get a’s message');
    b.conn.send(makePayload('m', 1, 0, 2));
    await waitFor(() => a.seen.length === 1 && c.seen.length === 2, 'a and c to get b’s message');
    // a's first and only payload is b's: its own was never echoed.
    expect(a.seen).toEqual(['1:0']);
    expect(b.seen).toEqual(['0:0']);
    expect(c.seen).toEqual(['0:0', '1:0']);
  });

  it('keeps one sender’s messages in order for every receiver', async () => {
    const server = await start(HOST);
    onTestFinished(() => server.close());
    const sender = await probe(server.port);
    const receivers = [await probe(server.port), await probe(server.port)];
    for (let id = 0; id < 200; id++) sender.conn.send(makePayload('m', 0, id, id));
    await waitFor(() => receivers.every((r) => r.seen.length === 200), 'all 200 messages');
    const expected = Array.from({ length: 200 }, (_, id) => `0:${id}`);
    for (const r of receivers) expect(r.seen).toEqual(expected);
  });
});

describe('baselines > raw net broadcast server', () => {
  it('relays a line that arrives in two writes as one whole line', async () => {
    const server = await startRawNetServer(HOST);
    onTestFinished(() => server.close());
    const receiver = await lineProbe(server.port);
    const net = await import('node:net');
    const socket = net.connect({ host: HOST, port: server.port });
    socket.on('error', () => {});
    onTestFinished(() => socket.destroy());
    await new Promise((resolve) => socket.once('connect', resolve));
    const line = `${makePayload('m', 4, 9, 5)}\n`;
    socket.write(line.slice(0, 10));
    socket.write(line.slice(10));
    await waitFor(() => receiver.seen.length === 1, 'the relayed line');
    expect(receiver.seen).toEqual(['4:9']);
  });
});
