import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startChatgate } from './helpers.js';
import { lineSession as lineFrom } from './line-session.js';

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

    alice.send('still talking');
    await bob.seen(/\]: still talking\n/);
    const metrics = await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text();
    expect(metrics).toMatch(/chatgate_connections_refused_total\{reason="connect_rate"\} 2/);
  });
});
