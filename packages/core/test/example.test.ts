import { execFile } from 'node:child_process';
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
