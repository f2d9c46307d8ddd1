import { readFileSync } from 'node:fs';

/** This package's version, read once from its package.json. */
export function version(): string {
  cached ??= String(
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version,
  );
  return cached;
}

let cached: string | undefined;
