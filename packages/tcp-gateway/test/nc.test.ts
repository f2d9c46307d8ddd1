import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Client, createTestRoom, left, Observer, startListener, WAIT_MS } from './helpers.js';

const NC = '/usr/bin/nc';
const hasNc = existsSync(NC);
const inCi = process.env.CI === 'true';

/** Collects a child's stdout so a test can wait for text in it. */
function watchStdout(child: ChildProcessWithoutNullStreams) {
  let out = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const wake of Array.from(waiters)) wake();
  });
  return {
    get text() {
      return out;
    },
    until(needle: string, ms = WAIT_MS): Promise<void> {
      if (out.includes(needle)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `nc stdout never showed ${JSON.stringify(needle)}; got ${JSON.stringify(out)}`,
            ),
          );
        }, ms);
        const check = () => {
          if (!out.includes(needle)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
  };
}

describe('the real nc binary', () => {
  // Skipped only locally when nc is missing; in CI a missing nc fails the test below.
  it.skipIf(!hasNc && !inCi)('joins, talks both ways and leaves', async () => {
    expect(hasNc, `${NC} (netcat-openbsd) is required in CI`).toBe(true);
    const room = createTestRoom();
    const { port } = await startListener({ room, dialect: 'line' });
    const observer = await Observer.join(room);
    const bob = await Client.connect(port);
    await bob.read(
      '* welcome, you are user1. Type /help for commands, /nick NAME to change your name.\n',
    );

    // -N: shut the socket down on stdin EOF, so ending stdin is the user leaving.
    const nc = spawn(NC, ['-N', '127.0.0.1', String(port)], { stdio: 'pipe' });
    onTestFinished(() => {
      if (nc.exitCode === null) nc.kill();
    });
    const exited = new Promise<number | null>((resolve) => nc.once('exit', resolve));
    const stdout = watchStdout(nc);

    await stdout.until('* welcome, you are user2.');
    await bob.read('* user2 joined the chat\n');

    nc.stdin.write('/nick carol\n');
    await bob.read('* user2 is now known as carol\n');
    await stdout.until('* you are now known as carol\n');

    nc.stdin.write('hello from nc\n');
    await bob.read('[carol]: hello from nc\n');

    await bob.send('hi carol\n');
    await stdout.until('[user1]: hi carol\n');

    const gone = observer.next(left('carol'));
    nc.stdin.end();
    await gone;
    await bob.read('* carol left the chat\n');
    expect(await exited).toBe(0);
    expect(stdout.text).toBe(
      '* welcome, you are user2. Type /help for commands, /nick NAME to change your name.\n' +
        '* you are now known as carol\n' +
        '[user1]: hi carol\n',
    );
  });
});
