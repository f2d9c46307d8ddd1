import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TargetId } from './scenarios.js';
import type { TargetLaunch } from './server-process.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The real server's entry point, relative to bench/dist. */
export const CHATGATE_MAIN = here('../../apps/server/dist/main.js');
const STAND_IN = here('./baselines/chatgate-stand-in.js');

export const LOOPBACK = '127.0.0.1';

/**
 * chatgate as the bench runs it: loopback, free ports, only the listeners the bench uses, and
 * the per-member rate limit and connection caps raised through the normal configuration.
 */
export const CHATGATE_FLAGS = [
  '--host',
  LOOPBACK,
  '--http-port',
  '0',
  '--gt-port',
  'off',
  '--line-port',
  '0',
  '--at-port',
  'off',
  '--peer-port',
  'off',
  '--rate-burst',
  '1000000',
  '--rate-per-second',
  '1000000',
  '--max-per-address',
  '100000',
  '--max-connections',
  '100000',
  '--log-level',
  'warn',
];

/**
 * The three targets. `serverMain` runs another chatgate build (another worktree, a branch
 * under test); without it the repository's own build, or the stand-in until that exists.
 */
export function resolveTargets(serverMain: string | null = null): Record<TargetId, TargetLaunch> {
  const main = serverMain ?? CHATGATE_MAIN;
  const real = existsSync(main);
  if (serverMain !== null && !real) throw new Error(`--server ${serverMain}: no such file`);
  return {
    chatgate: {
      id: 'chatgate',
      label: real ? 'chatgate' : 'chatgate (stand-in)',
      script: real ? main : STAND_IN,
      args: CHATGATE_FLAGS,
    },
    'raw-ws': {
      id: 'raw-ws',
      label: 'raw ws',
      script: here('./baselines/raw-ws-server.js'),
      args: ['--host', LOOPBACK],
    },
    'raw-net': {
      id: 'raw-net',
      label: 'raw net',
      script: here('./baselines/raw-net-server.js'),
      args: ['--host', LOOPBACK],
    },
  };
}
