import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { hasRedisServer, RedisServer } from '../../../packages/engine-redis/test/redis-server.js';
import { rpcClient } from './clients.js';
import { startChatgate, waitFor } from './helpers.js';
import { WsWatcher } from './ws-watcher.js';

function node(redis: RedisServer, id: string) {
  return startChatgate([`--redis=${redis.url}`, `--node-id=${id}`]);
}

/** The real `nc`, as a person would run it: lines in on stdin, lines out on stdout. */
function nc(port: number) {
  const child = spawn('nc', ['127.0.0.1', String(port)], { stdio: ['pipe', 'pipe', 'ignore'] });
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const lines: string[] = [];
  const checks = new Set<() => void>();
  let buffer = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let index = buffer.indexOf('\n');
    while (index >= 0) {
      lines.push(buffer.slice(0, index).replace(/\r$/, ''));
      buffer = buffer.slice(index + 1);
      index = buffer.indexOf('\n');
    }
    for (const check of [...checks]) check();
  });
  const line = (test: (l: string) => boolean, what: string) =>
    waitFor(
      (check) => {
        checks.add(check);
        return () => checks.delete(check);
      },
      () => lines.find(test),
      what,
    );
  return {
    lines,
    line,
    type: (text: string) => child.stdin.write(`${text}\n`),
    /** Chat texts from others, in order (`[name]: text`). */
    chats: () =>
      lines.flatMap((l) => {
        const m = /^\[([^\]]+)\]: (.*)$/.exec(l);
        return m && !m[1]!.includes(' -> ') ? [m[2]!] : [];
      }),
  };
}

const hasNc = spawnSync('nc', ['-h']).error === undefined;

// Needs redis-server and nc; skipped only outside CI when one is absent (README).
describe.skipIf(!(hasRedisServer && hasNc) && process.env.CI !== 'true')(
  'Scale out: three chatgate nodes on one Redis',
  { timeout: 90_000 },
  () => {
    it('a ws client on A, a Cap’n Web client on B and nc on C see one order; a node started later lists everyone and returns the history', async () => {
      const redis = await RedisServer.start();
      const a = await node(redis, 'node-a');
      const b = await node(redis, 'node-b');
      const c = await node(redis, 'node-c');

      const ws = await WsWatcher.open(a.ports.http!, 'wsuser');
      expect(await ws.joined()).toBe(true);
      const rpc = await rpcClient(b.ports.http!, 'rpcuser');
      const person = nc(c.ports.line!);
      await person.line((l) => l.includes('/help'), 'the nc greeting');
      person.type('/nick ncuser');
      await ws.frame((f) => f.type === 'rename' && f.to === 'ncuser', 'the nc rename on node A');

      const all = ['from-ws', 'from-rpc', 'from-nc'];
      ws.say('from-ws');
      await rpc.send('from-rpc');
      person.type('from-nc');
      for (const text of all) {
        await ws.frame((f) => f.type === 'chat_message' && f.content === text, text);
        await rpc.waitForText(text);
        if (text !== 'from-nc') await person.line((l) => l.endsWith(`]: ${text}`), text);
      }
      const order = ws.chats().filter((t) => all.includes(t));
      expect([...order].sort()).toEqual([...all].sort());
      expect(rpc.texts.filter((t) => all.includes(t))).toEqual(order);
      expect(person.chats().filter((t) => all.includes(t))).toEqual(
        order.filter((t) => t !== 'from-nc'),
      );

      const d = await node(redis, 'node-d');
      const late = await WsWatcher.open(d.ports.http!, 'late');
      expect(await late.joined()).toBe(true);
      const welcome = late.frames.find((f) => f.type === 'welcome')!;
      expect([...(welcome.users as string[])].sort()).toEqual(
        ['late', 'ncuser', 'rpcuser', 'wsuser'].sort(),
      );
      const replay = late.frames
        .filter((f) => f.type === 'chat_message' && f.history === true)
        .map((f) => String(f.content));
      expect(replay.filter((t) => all.includes(t))).toEqual(order);
    });
  },
);
