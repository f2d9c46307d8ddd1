import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { ChatServer } from '../src/index.js';
import { spawnNode, waitFor } from './helpers.js';

function nextMessage(ws: WebSocket, predicate: (msg: Record<string, unknown>) => boolean) {
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no matching message in 5 s')), 5000);
    const onMessage = (data: unknown) => {
      const msg = JSON.parse(String(data));
      if (predicate(msg)) {
        clearTimeout(timer);
        ws.off('message', onMessage);
        resolve(msg);
      }
    };
    ws.on('message', onMessage);
  });
}

async function connectAs(port: number, name: string) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/${name}`);
  onTestFinished(() => ws.terminate());
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const welcome = nextMessage(ws, (m) => m.type === 'welcome');
  ws.send(JSON.stringify({ type: 'connect', username: name }));
  await welcome;
  return ws;
}

describe('ChatServer facade', () => {
  it('starts, runs handlers in order, posts as an agent, and stops', async () => {
    const server = new ChatServer({ host: '127.0.0.1', port: 0, config: { logLevel: 'silent' } });
    onTestFinished(() => server.stop());
    const seen: string[] = [];
    server.addHandler(async (content, username) => {
      seen.push(`${username}:${content}`);
      await server.post(`echo ${content}`, { sender: 'bot' });
    });
    const ports = await server.start();
    expect(ports.http).toBeGreaterThan(0);
    const ws = await connectAs(ports.http!, 'alice');
    const reply = nextMessage(ws, (m) => m.type === 'chat_message' && m.sender === 'bot');
    ws.send(JSON.stringify({ type: 'chat_message', content: 'hi' }));
    expect(await reply).toMatchObject({ content: 'echo hi', agent: true });
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    const joined = server.join();
    await server.stop();
    await joined;
    expect(await closed).toBe(1001);
    expect(seen).toEqual(['alice:hi']);
  });

  it('examples/echo-bot.mjs runs as documented', async () => {
    const example = fileURLToPath(new URL('../examples/echo-bot.mjs', import.meta.url));
    const bot = spawnNode([example], { PORT: '0' });
    onTestFinished(() => {
      if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
    });
    const port = await waitFor(
      (check) => {
        bot.child.stdout!.on('data', check);
        return () => bot.child.stdout!.off('data', check);
      },
      () => {
        const match = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(bot.stdout());
        return match ? Number(match[1]) : undefined;
      },
      'the example to listen',
    );
    const ws = await connectAs(port, 'alice');
    const reply = nextMessage(ws, (m) => m.sender === 'echo-bot');
    ws.send(JSON.stringify({ type: 'chat_message', content: '!echo hello' }));
    expect(await reply).toMatchObject({ content: 'alice said: hello', agent: true });
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(bot.stdout()).toContain('echo-bot stopped');
  });
});

describe('ChatServer facade > bounded drain', () => {
  const dist = new URL('../dist/index.js', import.meta.url).href;

  /** A bot whose handler takes `handlerMs`, in its own process, as the README shows. */
  async function startSlowBot(drainTimeoutMs: number, handlerMs: number) {
    const script = `
      import { ChatServer } from ${JSON.stringify(dist)};
      const server = new ChatServer({ host: '127.0.0.1', port: 0,
        config: { logLevel: 'silent', drainTimeoutMs: ${drainTimeoutMs} } });
      server.addHandler(async (content) => {
        console.log('start ' + content);
        await new Promise((resolve) => setTimeout(resolve, ${handlerMs}));
      });
      const ports = await server.start();
      console.log('port ' + ports.http);
      await server.join();
      console.log('stopped');
    `;
    const bot = spawnNode(['--input-type=module', '-e', script]);
    onTestFinished(() => {
      if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
    });
    const port = await waitFor(
      (check) => {
        bot.child.stdout!.on('data', check);
        return () => bot.child.stdout!.off('data', check);
      },
      () => {
        const match = /port (\d+)/.exec(bot.stdout());
        return match ? Number(match[1]) : undefined;
      },
      'the bot to listen',
    );
    const ws = await connectAs(port, 'alice');
    for (let i = 1; i <= 10; i++) {
      ws.send(JSON.stringify({ type: 'chat_message', content: `m${i}` }));
    }
    await waitFor(
      (check) => {
        bot.child.stdout!.on('data', check);
        return () => bot.child.stdout!.off('data', check);
      },
      () => (bot.stdout().includes('start m1') ? true : undefined),
      'the first handler call',
    );
    const starts = () => bot.stdout().match(/^start /gm)?.length ?? 0;
    return { bot, ws, starts };
  }

  it('starts no handler call after drainTimeoutMs, so the process ends', async () => {
    const { bot, starts } = await startSlowBot(200, 1000);
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(bot.stdout()).toContain('stopped');
    // m1 was running; at most one more started inside the 200 ms drain, not all ten.
    expect(starts()).toBeLessThanOrEqual(2);
  });

  it('exits at once with 1 on a second signal during the drain', async () => {
    const { bot, ws, starts } = await startSlowBot(60_000, 60_000);
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    bot.child.kill('SIGTERM');
    // The first signal was handled: the drain closed the WebSocket.
    expect(await closed).toBe(1001);
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(1);
    expect(bot.stderr()).toContain('second SIGTERM, exiting now');
    expect(starts()).toBe(1);
  });
});
