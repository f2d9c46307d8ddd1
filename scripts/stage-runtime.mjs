#!/usr/bin/env node
// Copies what a production install needs into OUT: the root package.json and lockfile, and for
// every workspace its package.json plus the entries of its `files` (dist, public, ...). The
// Dockerfile's final stage runs `npm ci --omit=dev` on the result. Usage: stage-runtime.mjs OUT
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2];
if (out === undefined) {
  process.stderr.write('usage: stage-runtime.mjs OUT\n');
  process.exit(2);
}
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Workspace folders: `packages/*` lists the folders holding a package.json. */
function workspaces(patterns) {
  return patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(parent)
      .map((name) => join(parent, name))
      .filter((dir) => existsSync(join(dir, 'package.json')));
  });
}

mkdirSync(out, { recursive: true });
for (const file of ['package.json', 'package-lock.json']) cpSync(file, join(out, file));
const dirs = workspaces(readJson('package.json').workspaces);
for (const dir of dirs) {
  mkdirSync(join(out, dir), { recursive: true });
  cpSync(join(dir, 'package.json'), join(out, dir, 'package.json'));
  for (const entry of readJson(join(dir, 'package.json')).files ?? []) {
    const from = join(dir, entry);
    if (existsSync(from)) cpSync(from, join(out, dir, entry), { recursive: true });
  }
}
process.stdout.write(`staged ${dirs.length} workspaces in ${out}\n`);
