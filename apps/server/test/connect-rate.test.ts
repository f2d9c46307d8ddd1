import { connect, type Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { startChatgate, waitFor } from './helpers.js';

/** A line connection from `localAddress`; resolves with everything it got once it closes or greets. */
function lineFrom(port: number, localAddress: string) {
  const socket: Socket = connect({ port, host: '127.0.0.1', localAddress });
  onTestFinished(() => {
    socket.destroy();
  });
  let text = '';
  let closed = false;
  const checks = new Set<() => void>();
  const notify = () => {
    for (const check of [...checks]) check();
  };
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    notify();
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
    notify();
  });
  const subscribe = (check: () => void) => {
    checks.add(check);
    return () => checks.delete(check);
  };
  return {
    socket,
    seen: (pattern: RegExp) =>
      waitFor(subscribe, () => (pattern.test(text) ? text : undefined), `${pattern} in ${text}`),
    closed: () => waitFor(subscribe, () => (closed ? text : undefined), 'close'),
  };
}

describe('--connect-burst-per-address and --connect-rate-per-address', () => {
  it('refuse an address that churns connections, on every transport, and nobody else', async () => {
    const server = await startChatgate([
      '--connect-burst-per-address=4',
      '--connect-rate-per-address=1',
    ]);
    const line = server.ports.line!;
    // A pair on another address chats throughout.
    const alice = lineFrom(line, '127.0.0.2');
    await alice.seen(/welcome, you are (user\d+)/);
    const bob = lineFrom(line, '127.0.0.2');
    await bob.seen(/welcome, you are/);

    // The churner: connect, get greeted, hang up, again, from 127.0.0.1.
    for (let i = 0; i < 4; i++) {
      const churn = lineFrom(line, '127.0.0.1');
      await churn.seen(/welcome, you are/);
      churn.socket.destroy();
    }
    const refused = await lineFrom(line, '127.0.0.1').closed();
    expect(refused).toBe('* error: Connecting too fast from your address; try again shortly.\n');

    // The same address over WebSocket: one gate for every listener.
    const ws = new WebSocket(`ws://127.0.0.1:${server.ports.http}/ws`);
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (data) => resolve(String(data)));
      ws.once('error', reject);
    });
    expect(JSON.parse(first)).toMatchObject({
      type: 'error',
      code: 'server_busy',
      message: 'Connecting too fast from your address; try again shortly.',
    });

    alice.socket.write('still talking\n');
    await bob.seen(/\]: still talking\n/);
    const metrics = await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text();
    expect(metrics).toMatch(/chatgate_connections_refused_total\{reason="connect_rate"\} 2/);
  });
});
