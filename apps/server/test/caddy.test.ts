import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createTestCert } from '../../../test-support/tls-cert.js';
import { get } from './deploy-helpers.js';
import { startChatgate } from './helpers.js';
import {
  joinTwoBrowsersThroughProxy,
  listening,
  nextFrame,
  startOnFreePorts,
} from './proxy-helpers.js';

const CADDY = 'caddy';
const CADDYFILE = new URL('../../../deploy/Caddyfile', import.meta.url);

/**
 * Runs deploy/Caddyfile under a real Caddy: the site becomes https://127.0.0.1:PORT with the
 * test's certificate, chatgate's port is swapped in, and Caddy's admin API, automatic HTTPS
 * and state stay off or in a temp dir.
 */
async function startCaddy(
  httpsPort: number,
  chatgatePort: number,
  certPath: string,
  keyPath: string,
) {
  const dir = mkdtempSync(join(tmpdir(), 'chatgate-caddy-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const site = readFileSync(CADDYFILE, 'utf8')
    .replace('chat.example.com {', `https://127.0.0.1:${httpsPort} {\n\ttls ${certPath} ${keyPath}`)
    .replace('reverse_proxy 127.0.0.1:8080', `reverse_proxy 127.0.0.1:${chatgatePort}`);
  const file = join(dir, 'Caddyfile');
  writeFileSync(
    file,
    `{\n\tadmin off\n\tauto_https off\n\tstorage file_system ${dir}/data\n}\n\n${site}`,
  );
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
  execFileSync(CADDY, ['validate', '--config', file, '--adapter', 'caddyfile'], {
    env,
    stdio: 'pipe',
  });
  let log = '';
  const caddy = spawn(CADDY, ['run', '--config', file, '--adapter', 'caddyfile'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  caddy.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    log += chunk;
  });
  onTestFinished(async () => {
    if (caddy.exitCode !== null || caddy.signalCode !== null) return;
    const exited = once(caddy, 'exit');
    caddy.kill('SIGTERM');
    await exited;
  });
  await listening(httpsPort, caddy, () => log);
}

const hasCaddy = (() => {
  try {
    execFileSync(CADDY, ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasCaddy && process.env.CI !== 'true')(
  'behind a real Caddy (deploy/Caddyfile)',
  () => {
    it('passes real client addresses to caps and logs, serves wss://, and checks origins', async () => {
      const cert = createTestCert();
      const server = await startChatgate([
        '--gt-port=off',
        '--line-port=off',
        '--at-port=off',
        '--peer-port=off',
        '--trust-proxy=127.0.0.1',
        '--max-per-address=1',
      ]);
      const chatHttp = server.ports.http!;
      const https = await startOnFreePorts(1, async ([port]) => {
        await startCaddy(port!, chatHttp, cert.certPath, cert.keyPath);
        return port!;
      });
      const url = `wss://127.0.0.1:${https}/ws`;
      const tls = { ca: cert.cert };

      const { alice, bob } = await joinTwoBrowsersThroughProxy(
        url,
        tls,
        `https://127.0.0.1:${https}`,
      );

      const chat = nextFrame(alice, 'chat_message');
      bob.send(JSON.stringify({ type: 'chat_message', content: 'through caddy' }));
      expect(await chat).toMatchObject({ content: 'through caddy', sender: 'bob' });

      const entries = server
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      const remotes = (msg: string) => entries.filter((e) => e.msg === msg).map((e) => e.remote);
      expect(remotes('connected')).toEqual(['127.0.0.2', '127.0.0.3']);
      expect(remotes('connection refused')).toEqual(['127.0.0.2']);
      const metrics = await get(`http://127.0.0.1:${chatHttp}/metrics`);
      expect(metrics.body).toContain('chatgate_connections_refused_total{reason="per_address"} 1');
      expect(metrics.body).toContain('chatgate_connections_refused_total{reason="origin"} 1');
    });
  },
);
