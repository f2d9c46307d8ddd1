import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TargetId } from './scenarios.js';
import type { TargetLaunch } from './server-process.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The real server's entry point, relative to bench/dist. */
export const CHATGATE_MAIN = here('../../apps/server/dist/main.js');

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
  '--connect-burst-per-address',
  '100000',
  '--connect-rate-per-address',
  '100000',
  '--log-level',
  'warn',
];

/**
 * The targets (the IRC peers run only where their daemon is installed: `ircInstalled`). `serverMain` runs another chatgate build (another worktree, a branch
 * under test) instead of this repository's apps/server/dist/main.js.
 */
export function resolveTargets(serverMain: string | null = null): Record<TargetId, TargetLaunch> {
  const main = serverMain ?? CHATGATE_MAIN;
  if (!existsSync(main)) {
    throw new Error(
      serverMain === null
        ? `${main} not found: build first (npm run bench builds everything)`
        : `--server ${serverMain}: no such file`,
    );
  }
  return {
    chatgate: {
      id: 'chatgate',
      label: 'chatgate',
      script: main,
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
    ngircd: {
      id: 'ngircd',
      label: 'ngIRCd',
      script: here('./baselines/irc-server.js'),
      args: ['--kind', 'ngircd', '--host', LOOPBACK],
    },
    inspircd: {
      id: 'inspircd',
      label: 'InspIRCd',
      script: here('./baselines/irc-server.js'),
      args: ['--kind', 'inspircd', '--host', LOOPBACK],
    },
  };
}
