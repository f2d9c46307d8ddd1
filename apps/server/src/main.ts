#!/usr/bin/env node
import { ConfigError, helpText, loadConfig, wantsHelp, wantsVersion } from './config.js';
import { HeapReclaimer } from './heap-reclaim.js';
import { createLogger, registerHeapReclaimMetrics } from './observability.js';
import { Chatgate, ListenError } from './server.js';
import { handleShutdownSignals } from './signals.js';
import { TlsError } from './tls.js';
import { TokenConfigError } from './tokens.js';
import { version } from './version.js';

const MB = 1024 * 1024;

function fail(message: string): never {
  process.stderr.write(`chatgate: ${message}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  if (wantsVersion(argv)) {
    process.stdout.write(`chatgate ${version()}\n`);
    return;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(argv, process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(`${err.message} (see --help)`);
    throw err;
  }

  // A closed stdout (say, piped into `head`) must not take the server down with it.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  const log = createLogger(config.logLevel);
  const server = new Chatgate(config, log);
  let ports: Awaited<ReturnType<Chatgate['start']>>;
  try {
    ports = await server.start();
  } catch (err) {
    if (err instanceof ListenError || err instanceof TlsError || err instanceof TokenConfigError) {
      process.stderr.write(`chatgate: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  // The readiness line is a contract (tests and the bench parse it): print it at any level.
  if (log.isLevelEnabled('info')) log.info({ ports }, 'listening');
  else
    process.stdout.write(
      `${JSON.stringify({ level: 30, time: Date.now(), msg: 'listening', ports })}\n`,
    );

  if (config.heapReclaimMb > 0) {
    const reclaimer = new HeapReclaimer({
      growthBytes: config.heapReclaimMb * MB,
      onReclaim: (before, after, ms) =>
        log.info(
          {
            heapMb: Math.round(before / MB),
            nowMb: Math.round(after / MB),
            pauseMs: Math.round(ms),
          },
          'returned heap memory to the OS',
        ),
    });
    reclaimer.start();
    registerHeapReclaimMetrics(server.metrics, () => reclaimer.reclaims);
  }

  handleShutdownSignals(
    process,
    (signal) => {
      log.info({ signal }, 'shutting down');
      return server.stop().catch((err) => {
        log.error({ err }, 'shutdown failed');
        throw err;
      });
    },
    (code) => process.exit(code),
    (message) => process.stderr.write(`chatgate: ${message}\n`),
  );
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`chatgate: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
