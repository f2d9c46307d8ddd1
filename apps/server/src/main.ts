#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { ConfigError, helpText, loadConfig, wantsHelp, wantsVersion } from './config.js';
import { createLogger } from './observability.js';
import { Chatgate, ListenError } from './server.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}

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

  const log = createLogger(config.logLevel);
  const server = new Chatgate(config, log);
  let ports: Awaited<ReturnType<Chatgate['start']>>;
  try {
    ports = await server.start();
  } catch (err) {
    if (err instanceof ListenError) {
      process.stderr.write(`chatgate: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  // The readiness line is a contract (tests and the bench parse it): print it at any level.
  if (log.isLevelEnabled('info')) log.info({ ports }, 'listening');
  else process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg: 'listening', ports })}\n`);

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      process.stderr.write(`chatgate: second ${signal}, exiting now\n`);
      process.exit(1);
    }
    log.info({ signal }, 'shutting down');
    server.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`chatgate: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
