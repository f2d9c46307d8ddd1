import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from '../../../packages/engine-redis/test/redis-server.js';
import { listening, spawnNode } from './helpers.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../..', import.meta.url));

// The Dockerfile's two stages without a Docker engine (none runs on this machine): stage the
// runtime tree as its build stage does, install production dependencies only as its final
// stage does, then start the server from that tree and ask its HEALTHCHECK command.
describe("the container's runtime tree", () => {
  it('runs from `npm ci --omit=dev` alone and answers its HEALTHCHECK', {
    timeout: 240_000,
  }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'chatgate-runtime-'));
    onTestFinished(() => rmSync(out, { recursive: true, force: true }));
    await run(process.execPath, ['scripts/stage-runtime.mjs', out], { cwd: repo });
    await run('npm', ['ci', '--omit=dev', '--no-fund', '--no-audit', '--prefer-offline'], {
      cwd: out,
      env: { ...process.env, NODE_ENV: 'production' },
    });
    // Production dependencies only: the server's, not the toolchain's.
    expect(existsSync(join(out, 'node_modules/fastify'))).toBe(true);
    expect(existsSync(join(out, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(join(out, 'node_modules/typescript'))).toBe(false);

    const port = await freePort();
    const env = {
      NODE_ENV: 'production',
      CHATGATE_HTTP_PORT: String(port),
      CHATGATE_GT_PORT: 'off',
      CHATGATE_LINE_PORT: '0',
      CHATGATE_AT_PORT: 'off',
      CHATGATE_PEER_PORT: 'off',
    };
    const server = spawnNode([join(out, 'apps/server/dist/main.js')], env);
    onTestFinished(() => {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    });
    await listening(server);
    const health = spawnNode([join(out, 'apps/server/dist/healthcheck.js')], env);
    expect(await health.exited).toBe(0);

    // SIGTERM drains and exits 0, as `docker stop` expects of node as PID 1.
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const after = spawnNode([join(out, 'apps/server/dist/healthcheck.js')], env);
    expect(await after.exited).toBe(1);
  });
});
