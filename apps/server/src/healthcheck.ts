#!/usr/bin/env node
// Container health probe: GET /healthz on the port chatgate serves it on, read from the same
// flags and environment as the server (the admin port when set, else the HTTP port, over TLS
// when the server has a certificate). Exit 0 when healthy, 1 otherwise.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { loadConfig } from './config.js';

const TIMEOUT_MS = 3000;

function probe(argv: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  const config = loadConfig(argv, env);
  const admin = config.ports.admin;
  const port = admin ?? config.ports.http ?? config.ports.gt;
  if (port === null || port === 0) return Promise.resolve(false);
  const host = admin === null ? config.host : config.adminHost;
  // A wildcard bind is reached on loopback.
  const target = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const secure = admin === null && config.tlsCert !== null;
  const request = secure ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(
      // Our own certificate names the public host, not loopback: checking it proves nothing here.
      { host: target, port, path: '/healthz', timeout: TIMEOUT_MS, rejectUnauthorized: false },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

probe(process.argv.slice(2), process.env).then(
  (healthy) => process.exit(healthy ? 0 : 1),
  (err: Error) => {
    process.stderr.write(`chatgate healthcheck: ${err.message}\n`);
    process.exit(1);
  },
);
