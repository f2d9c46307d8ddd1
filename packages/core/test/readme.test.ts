import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHAT_ERROR_CODES } from '../src/index.js';

describe('README', () => {
  it('documents exactly the ChatErrorCode table', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Error codes'));
    const documented = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(CHAT_ERROR_CODES).sort());
  });
});
