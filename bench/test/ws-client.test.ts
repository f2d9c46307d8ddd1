import http from 'node:http';
import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { openWsClient } from '../src/clients/ws-client.js';
import { waitFor } from './wait-for.js';

const HOST = '127.0.0.1';

/** A `ws` server on a free port that hands each connection to `onConnection`. */
async function wsServer(onConnection: (ws: WebSocket) => void): Promise<number> {
  const wss = new WebSocketServer({ host: HOST, port: 0, perMessageDeflate: false });
  wss.on('connection', onConnection);
  await new Promise((resolve) => wss.once('listening', resolve));
  onTestFinished(
    () =>
      new Promise<void>((done) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => done());
      }),
  );
  return (wss.address() as net.AddressInfo).port;
}

/** A client that neither joins nor reads frames: the handshake alone. */
function openBareClient(port: number) {
  return openWsClient({
    url: `ws://${HOST}:${port}/`,
    username: null,
    onFrame: null,
    events: { onLost: () => {} },
  });
}

async function listening(server: net.Server): Promise<number> {
  server.listen(0, HOST);
  await new Promise((resolve) => server.once('listening', resolve));
  onTestFinished(() => new Promise<void>((done) => server.close(() => done())));
  return (server.address() as net.AddressInfo).port;
}

describe('clients > ws-client', () => {
  it('joins chatgate-style, sends masked chat messages and hands on each text frame', async () => {
    const got: string[] = [];
    const port = await wsServer((ws) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data));
        if (msg.type === 'connect') {
          ws.send('{"type":"something_else"}');
          ws.send(`{"type":"connect_response","success":true,"name":"${msg.username}"}`);
        } else ws.send(`echo ${msg.content}`);
      });
    });
    const conn = await openWsClient({
      url: `ws://${HOST}:${port}/ws`,
      username: 'ann',
      onFrame: (f) => got.push(f.toString()),
      events: { onLost: () => {} },
    });
    onTestFinished(() => conn.close());
    conn.send('hello');
    await waitFor(() => got.length === 1, 'the echo');
    expect(got).toEqual(['echo hello']);
  });

  it('rejects a refused connect with the server’s answer', async () => {
    const port = await wsServer((ws) =>
      ws.on('message', () => ws.send('{"type":"connect_response","success":false,"error":"x"}')),
    );
    const opening = openWsClient({
      url: `ws://${HOST}:${port}/`,
      username: 'bad name',
      onFrame: null,
      events: { onLost: () => {} },
    });
    await expect(opening).rejects.toThrow(/connect refused: .*"success":false/);
  });

  it('answers a ping with a pong carrying the same bytes', async () => {
    let server: WebSocket | null = null;
    const pongs: string[] = [];
    const port = await wsServer((ws) => {
      server = ws;
      ws.on('pong', (data) => pongs.push(String(data)));
    });
    const conn = await openWsClient({
      url: `ws://${HOST}:${port}/`,
      username: null,
      onFrame: null,
      events: { onLost: () => {} },
    });
    onTestFinished(() => conn.close());
    await waitFor(() => server !== null, 'the server side');
    server!.ping('are-you-there');
    await waitFor(() => pongs.length === 1, 'the pong');
    expect(pongs).toEqual(['are-you-there']);
  });

  it('reports a close from the server once, with its code', async () => {
    let server: WebSocket | null = null;
    let serverClosed = false;
    const lost: string[] = [];
    const port = await wsServer((ws) => {
      server = ws;
      ws.on('close', () => {
        serverClosed = true;
      });
    });
    await openWsClient({
      url: `ws://${HOST}:${port}/`,
      username: null,
      onFrame: null,
      events: { onLost: (reason) => lost.push(reason) },
    });
    await waitFor(() => server !== null, 'the server side');
    server!.close(4001, 'bye');
    await waitFor(() => lost.length > 0, 'the close');
    // The client's socket closes before the server sees the connection end; that close
    // must not be reported a second time.
    await waitFor(() => serverClosed, 'the server to see the connection end');
    expect(lost).toEqual(['ws closed 4001']);
  });

  it('rejects a server that does not switch protocols', async () => {
    const server = http.createServer((_req, res) => res.writeHead(400).end('no'));
    const port = await listening(server);
    const opening = openBareClient(port);
    await expect(opening).rejects.toThrow(/handshake refused: HTTP\/1\.1 400/);
  });

  it('rejects a 101 answered with the wrong Sec-WebSocket-Accept', async () => {
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () =>
        socket.write(
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            'Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n',
        ),
      );
    });
    const port = await listening(server);
    const opening = openBareClient(port);
    await expect(opening).rejects.toThrow(/wrong Sec-WebSocket-Accept/);
  });
});
