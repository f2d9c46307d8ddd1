import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WIRE_ERROR_CODES } from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`### ${title}`);
  expect(start).toBeGreaterThan(-1);
  const end = readme.indexOf('\n#', start + 4);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe('README', () => {
  it('documents exactly the error codes an error frame can carry', () => {
    const documented = [...section('Error codes').matchAll(/^\| `([a-z_]+)` \|/gm)].map(
      (m) => m[1],
    );
    expect(documented.sort()).toEqual([...WIRE_ERROR_CODES].sort());
  });

  it('shows the exact group_terminal handshake frames', () => {
    const handshake = section('Handshake');
    for (const frame of [
      '{"type":"connect_response","success":true,"message":"Connected successfully"}',
      '{"type":"connect_response","success":false,"message":"First message must be connect"}',
      '{"type":"login_response","success":false,"message":"User already connected"}',
    ]) {
      expect(handshake).toContain(frame);
    }
  });
});
