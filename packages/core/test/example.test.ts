import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const example = fileURLToPath(new URL('../examples/echo-bot.mjs', import.meta.url));

describe('examples/echo-bot.mjs', () => {
  // Runs against the built package (npm test builds first).
  it('runs and prints the conversation', async () => {
    const { stdout } = await run(process.execPath, [example], { timeout: 10_000 });
    expect(stdout.split('\n')).toEqual([
      '#1 * alice joined',
      '#2 [alice] hello, room',
      '#3 [alice] !echo is anybody there?',
      '#4 [echo-bot] alice said: is anybody there?',
      'users: alice',
      'error unknown_command: Unknown command: /dance',
      '',
    ]);
  });
});

describe('examples/tour.ts (the README tour)', () => {
  const examples = fileURLToPath(new URL('../examples/', import.meta.url));
  const root = fileURLToPath(new URL('../../../', import.meta.url));

  it('is the README tour, word for word', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /## Five-minute tour\n\n```ts\n([\s\S]*?)```\n/.exec(readme)?.[1];
    expect(block).toBe(readFileSync(`${examples}tour.ts`, 'utf8'));
  });

  // Type-checks against the built package's types (npm test builds first), then runs.
  it('type-checks, runs, and talks to itself over a real socket', { timeout: 60_000 }, async () => {
    const tsc = `${root}node_modules/typescript/bin/tsc`;
    await run(process.execPath, [tsc, '-p', `${examples}tsconfig.json`], { timeout: 50_000 });
    const compiled = `${root}node_modules/.cache/chatgate-core-examples/tour.js`;
    const { stdout } = await run(process.execPath, [compiled], { timeout: 10_000 });
    expect(stdout).toBe(
      '* users: alice\n* now talking in #dev\n[pingbot]: pong, alice\n[#main] [bot]: lunch?\n* error: unknown_command\n',
    );
  });
});
