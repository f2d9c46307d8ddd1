import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../src/config.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('root README', () => {
  it('documents every setting with its flag, variable and default', () => {
    const rows = [...readme.matchAll(/^\| `--([a-z-]+)` \| `([A-Z_]+)` \| `([^`]*)` \|/gm)];
    expect(rows.map((r) => [r[1], r[2], r[3]])).toEqual(
      OPTIONS.map((o) => [o.flag, o.env, o.default]),
    );
  });

  it.each([
    ['nginx', 'deploy/nginx.conf'],
    ['caddyfile', 'deploy/Caddyfile'],
  ])('shows the tested %s config exactly as %s holds it', (lang, file) => {
    const config = readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');
    expect(readme).toContain(`\`\`\`${lang}\n${config}\`\`\``);
  });

  it('gives the two commands a new user runs', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });
});
