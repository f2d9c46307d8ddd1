import { createServer } from 'node:net';
import { chromium, type Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { chromiumLaunchOptions } from '../../../test-support/chromium.js';
import {
  atClient,
  lineClient,
  peerClient,
  rpcClient,
  type StyleClient,
  wsClient,
} from './clients.js';
import { MAIN, spawnNode, startChatgate } from './helpers.js';

async function browserClient(port: number, name: string): Promise<StyleClient & { page: Page }> {
  const { executablePath, args } = await chromiumLaunchOptions();
  const browser = await chromium.launch({ executablePath, args });
  onTestFinished(() => browser.close());
  const page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.fill('#name-input', name);
  await page.click('#join-button');
  await page.locator('#my-name', { hasText: name }).waitFor();
  const texts: string[] = [];
  const read = async () => {
    const all = await page.locator('#messages .msg:not(.msg-history) .msg-text').allTextContents();
    texts.splice(0, texts.length, ...all);
  };
  return {
    style: 'browser',
    name,
    echoes: true,
    texts,
    page,
    send: async (text) => {
      await page.fill('#message-input', text);
      await page.press('#message-input', 'Enter');
    },
    waitForText: async (text) => {
      await page.locator('#messages .msg .msg-text', { hasText: text }).first().waitFor();
      await read();
    },
    told: new Promise(() => {}),
    close: () => {},
  };
}

describe('chatgate end to end', () => {
  // Starts the real server and Chromium and joins six clients: give it room on a busy 2-core box.
  it('puts every client style in one room, in one order, and drains on SIGTERM', {
    timeout: 60_000,
  }, async () => {
    const server = await startChatgate();
    const { ports } = server;

    const ws = await wsClient(ports.http!, 'wsuser');
    const rpc = await rpcClient(ports.http!, 'rpcuser');
    const browser = await browserClient(ports.gt!, 'browseruser');
    const line = await lineClient(ports.line!, 'lineuser');
    const at = await atClient(ports.at!, 'atuser', ws.waitForJoin!);
    const peer = await peerClient(ports.peer!, 'peeruser', 'from-peer');
    await ws.waitForJoin!('peeruser');
    const clients = [ws, rpc, browser, line, at, peer];

    // Everyone sends at once; the room must give every member the same order.
    await Promise.all(clients.filter((c) => c !== peer).map((c) => c.send(`from-${c.style}`)));
    const all = clients.map((c) => `from-${c.style}`);
    for (const client of clients) {
      for (const text of all) {
        if (client.echoes || text !== `from-${client.style}`) await client.waitForText(text);
      }
    }
    const reference = ws.texts.filter((t) => all.includes(t));
    expect(reference.sort()).toEqual([...all].sort());
    const order = ws.texts.filter((t) => all.includes(t));
    for (const client of clients) {
      const expected = order.filter((t) => client.echoes || t !== `from-${client.style}`);
      expect({ style: client.style, seen: client.texts.filter((t) => all.includes(t)) }).toEqual({
        style: client.style,
        seen: expected,
      });
    }

    // SIGTERM: every client is told, the process drains and exits 0.
    server.child.kill('SIGTERM');
    expect(await ws.told).toBe('close 1001');
    expect(await line.told).toBe('* server shutting down');
    expect(await rpc.told).toMatch(/^close /);
    expect(await peer.told).toBe('leave frame');
    expect(await at.told).toBe('closed');
    expect(await server.exited).toBe(0);
    expect(server.stdout()).toContain('"msg":"stopped"');
  });

  it('never logs message text at info level', async () => {
    const server = await startChatgate();
    const a = await wsClient(server.ports.http!, 'alice');
    const b = await lineClient(server.ports.line!, 'bob');
    await a.send('a-very-secret-sentence');
    await b.waitForText('a-very-secret-sentence');
    server.child.kill('SIGTERM');
    await server.exited;
    expect(server.stdout()).toContain('"msg":"joined"');
    expect(server.stdout()).not.toContain('a-very-secret-sentence');
  });

  it('serves /healthz, /readyz and /metrics with connections by transport', async () => {
    const server = await startChatgate();
    const a = await wsClient(server.ports.http!, 'alice');
    const b = await lineClient(server.ports.line!, 'bob');
    await a.send('hi');
    await b.waitForText('hi');
    const base = `http://127.0.0.1:${server.ports.http}`;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/chatgate_connections\{transport="ws"\} 1/);
    expect(metrics).toMatch(/chatgate_connections\{transport="tcp:line"\} 1/);
    expect(metrics).toMatch(/chatgate_room_members 2/);
    expect(metrics).toMatch(/chatgate_messages_in_total [1-9]/);
    expect(metrics).toMatch(/chatgate_messages_out_total [1-9]/);
    expect(metrics).toMatch(/chatgate_handler_backlog 0/);
    expect(metrics).toMatch(/nodejs_eventloop_lag_seconds/);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});

describe('chatgate command line', () => {
  it('refuses a bad flag with one clear line and a non-zero exit', async () => {
    const run = spawnNode([MAIN, '--bogus']);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toBe("chatgate: Unknown option '--bogus' (see --help)\n");
  });

  it('refuses a bad value from the environment, naming the variable', async () => {
    const run = spawnNode([MAIN], { CHATGATE_LINE_PORT: 'seventy' });
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toMatch(/^chatgate: CHATGATE_LINE_PORT must be a port 0-65535 or 'off'/);
  });

  it('reports a port in use as one line and exits non-zero', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => taken.close());
    const port = (taken.address() as { port: number }).port;
    const run = spawnNode([
      MAIN,
      '--http-port=0',
      '--gt-port=off',
      `--line-port=${port}`,
      '--at-port=off',
      '--peer-port=off',
    ]);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toBe(
      `chatgate: cannot listen on 127.0.0.1:${port} (line): address already in use\n`,
    );
  });

  it('prints --help with every listener', async () => {
    const run = spawnNode([MAIN, '--help']);
    expect(await run.exited).toBe(0);
    for (const flag of ['--http-port', '--gt-port', '--line-port', '--at-port', '--peer-port']) {
      expect(run.stdout()).toContain(flag);
    }
  });
});
