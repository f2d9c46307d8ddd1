import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests import @chatgate/* from source, so they need no build.
const alias = {
  // A subpath must come before its package: aliases match as prefixes.
  '@chatgate/core/transport': src('./packages/core/src/transport.ts'),
  '@chatgate/core': src('./packages/core/src/index.ts'),
  '@chatgate/ws-gateway': src('./packages/ws-gateway/src/index.ts'),
  '@chatgate/tcp-gateway': src('./packages/tcp-gateway/src/index.ts'),
  '@chatgate/engine-redis': src('./packages/engine-redis/src/index.ts'),
  '@chatgate/rpc-gateway/client': src('./packages/rpc-gateway/src/client.ts'),
  '@chatgate/rpc-client': src('./packages/rpc-client/src/index.ts'),
  '@chatgate/rpc-gateway': src('./packages/rpc-gateway/src/index.ts'),
  '@chatgate/server': src('./apps/server/src/index.ts'),
};

const project = (name: string, root: string) => ({
  resolve: { alias },
  test: { name, root, include: ['test/**/*.test.ts'], testTimeout: 20_000, hookTimeout: 20_000 },
});

export default defineConfig({
  test: {
    // Unpacks the npm Chromium fallback once per run (a no-op where Debian's is installed).
    globalSetup: ['./test-support/chromium-setup.ts'],
    projects: [
      project('core', './packages/core'),
      project('ws-gateway', './packages/ws-gateway'),
      project('tcp-gateway', './packages/tcp-gateway'),
      project('rpc-client', './packages/rpc-client'),
      project('rpc-gateway', './packages/rpc-gateway'),
      project('engine-redis', './packages/engine-redis'),
      project('server', './apps/server'),
      project('client', './apps/client'),
      project('bench', './bench'),
    ],
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      // The room engine is the contract everything else stands on.
      thresholds: { 'packages/core/src/**': { lines: 90 } },
    },
  },
});
