import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RPC_DEFAULTS } from '../src/plugin.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every plugin option with its default', () => {
    const table = readme.slice(readme.indexOf('| option |'), readme.indexOf('## The original API'));
    const documented = [...table.matchAll(/^\| `([A-Za-z]+)` \| ([^|]+) \|/gm)];
    const names = documented.map((m) => m[1]);
    expect(names.sort()).toEqual(
      [...Object.keys(RPC_DEFAULTS), 'room', 'gate', 'logger', 'joinTimeoutMs'].sort(),
    );
    for (const [key, value] of Object.entries(RPC_DEFAULTS)) {
      const row = documented.find((m) => m[1] === key);
      expect(row?.[2]?.trim(), key).toBe(
        typeof value === 'string' ? `\`${value}\`` : String(value),
      );
    }
  });

  it('quotes the contract messages exactly', () => {
    for (const text of [
      "Username 'NAME' is already taken",
      'Welcome to the chat, NAME!',
      'NAME joined the chat',
      'NAME left the chat',
      'Goodbye, NAME!',
    ]) {
      expect(readme).toContain(text);
    }
  });
});
