import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { onTestFinished } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/observability.js';
import { type BoundPorts, Chatgate } from '../src/server.js';

const ALL_ON_FREE_PORTS = [
  '--http-port=0',
  '--gt-port=0',
  '--line-port=0',
  '--at-port=0',
  '--peer-port=0',
];

/** An in-process server on free ports with `argv` on top; stopped when the test ends. */
export async function startInProcess(
  argv: string[] = [],
  log = createLogger('silent'),
): Promise<{
  server: Chatgate;
  ports: Required<Pick<BoundPorts, 'http' | 'gt' | 'line'>> & BoundPorts;
}> {
  const server = new Chatgate(
    loadConfig([...ALL_ON_FREE_PORTS, '--drain-timeout-ms=100', ...argv], {}),
    log,
  );
  onTestFinished(() => server.stop());
  const ports = await server.start();
  return {
    server,
    ports: ports as Required<Pick<BoundPorts, 'http' | 'gt' | 'line'>> & BoundPorts,
  };
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** GET over http or https (trusting `ca`), with extra headers. */
export function get(
  url: string,
  headers: Record<string, string> = {},
  ca?: Buffer,
): Promise<HttpAnswer> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, ...(ca === undefined ? {} : { ca }) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
