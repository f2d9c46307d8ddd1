import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function manifestAt(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** Where Node would find `name` from `fromDir`: the nearest node_modules up the tree. */
function resolvePackageDir(name: string, fromDir: string): string {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    try {
      readFileSync(join(candidate, 'package.json'));
      return candidate;
    } catch {
      if (dir === dirname(dir)) throw new Error(`${name} is not installed (from ${fromDir})`);
    }
  }
}

/** Every package `npm install` of the package at `dir` brings in (runtime dependencies only). */
function runtimeClosure(dir: string): Set<string> {
  const seen = new Set<string>();
  const walk = (packageDir: string): void => {
    const manifest = manifestAt(packageDir);
    const deps = { ...manifest.dependencies, ...manifest.optionalDependencies };
    for (const name of Object.keys(deps)) {
      if (seen.has(name)) continue;
      seen.add(name);
      walk(resolvePackageDir(name, packageDir));
    }
  };
  walk(dir);
  return seen;
}

function sourceImports(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const match of text.matchAll(/from '([^'.][^']*)'|import\('([^'.][^']*)'\)/g)) {
      found.push(match[1] ?? match[2] ?? '');
    }
  }
  return found;
}

const SERVER_SIDE = [
  'fastify',
  'pino',
  '@fastify/websocket',
  '@chatgate/core',
  '@chatgate/rpc-gateway',
];

describe('the client side installs only what it runs', () => {
  it('@chatgate/rpc-client depends on capnweb and ws alone', () => {
    const closure = runtimeClosure(join(repo, 'packages/rpc-client'));
    expect([...closure].sort()).toEqual(['capnweb', 'ws']);
  });

  it('chatgate-client pulls no server package, directly or through another', () => {
    const closure = runtimeClosure(join(repo, 'apps/client'));
    for (const name of SERVER_SIDE) expect(closure.has(name), name).toBe(false);
    expect(closure.has('@chatgate/rpc-client')).toBe(true);
    // The whole install stays small: the client, its RPC helper, capnweb and ws.
    expect(closure.size).toBeLessThanOrEqual(4);
  });

  it('the sources import nothing server-side', () => {
    const imports = [
      ...sourceImports(join(repo, 'packages/rpc-client/src')),
      ...sourceImports(join(repo, 'apps/client/src')),
    ];
    const external = imports.filter((name) => !name.startsWith('node:'));
    expect(external.length).toBeGreaterThan(0);
    for (const name of external) expect(SERVER_SIDE).not.toContain(name);
  });
});
