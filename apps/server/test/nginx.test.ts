import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createTestCert } from '../../../test-support/tls-cert.js';
import { get } from './deploy-helpers.js';
import { startChatgate, waitFor } from './helpers.js';
import {
  joinTwoBrowsersThroughProxy,
  listening,
  nextFrame,
  startOnFreePorts,
  tlsLine,
} from './proxy-helpers.js';

const NGINX = '/usr/sbin/nginx';
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';
const DEPLOY_CONF = new URL('../../../deploy/nginx.conf', import.meta.url);

/**
 * Runs deploy/nginx.conf under a real nginx: its ports and certificate paths are swapped for
 * the test's, and a prefix of test-only lines keeps pid, logs and temp files in a temp dir.
 */
async function startNginx(
  upstream: Record<number, number>,
  certPath: string,
  keyPath: string,
): Promise<{ https: number; line: number; at: number; peer: number }> {
  return startOnFreePorts(4, async ([https, line, at, peer]) => {
    const ports = { ...upstream, 443: https!, 2323: line!, 12345: at!, 9000: peer! };
    await runNginx(ports, certPath, keyPath);
    return { https: https!, line: line!, at: at!, peer: peer! };
  });
}

async function runNginx(ports: Record<number, number>, certPath: string, keyPath: string) {
  const dir = mkdtempSync(join(tmpdir(), 'chatgate-nginx-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const conf = readFileSync(DEPLOY_CONF, 'utf8')
    .replace(/listen (\d+)/g, (_, port) => `listen 127.0.0.1:${ports[Number(port)]}`)
    .replace(/proxy_pass (http:\/\/)?127\.0\.0\.1:(\d+);/g, (_, scheme = '', port) => {
      return `proxy_pass ${scheme}127.0.0.1:${ports[Number(port)]};`;
    })
    .replaceAll('/etc/ssl/chatgate/fullchain.pem', certPath)
    .replaceAll('/etc/ssl/chatgate/privkey.pem', keyPath)
    .replace(
      'http {',
      [
        'http {',
        `  access_log ${dir}/access.log;`,
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
          (kind) => `  ${kind}_temp_path ${dir}/${kind};`,
        ),
      ].join('\n'),
    );
  const file = join(dir, 'nginx.conf');
  writeFileSync(
    file,
    `daemon off;\nmaster_process off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log info;\n${conf}`,
  );
  const log = () => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      return '(no error log)';
    }
  };
  execFileSync(NGINX, ['-t', '-p', dir, '-e', `${dir}/error.log`, '-c', file], { stdio: 'pipe' });
  const nginx = spawn(NGINX, ['-p', dir, '-e', `${dir}/error.log`, '-c', file], {
    stdio: 'ignore',
  });
  onTestFinished(async () => {
    if (nginx.exitCode !== null || nginx.signalCode !== null) return;
    const exited = once(nginx, 'exit');
    nginx.kill('SIGTERM');
    await exited;
  });
  const publicPorts = [443, 2323, 12345, 9000].map((p) => ports[p]!);
  await Promise.all(publicPorts.map((port) => listening(port, nginx, log)));
  return { nginx, log };
}

const hasNginx = (() => {
  try {
    execFileSync(NGINX, ['-v'], { stdio: 'ignore' });
    readFileSync(STREAM_MODULE);
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasNginx && process.env.CI !== 'true')(
  'behind a real nginx (deploy/nginx.conf)',
  () => {
    it('passes real client addresses to caps and logs, serves wss:// and TLS line, and checks origins', async () => {
      const cert = createTestCert();
      // chatgate picks its own free ports; only nginx's must be chosen up front.
      const server = await startChatgate([
        '--gt-port=off',
        '--trust-proxy=127.0.0.1',
        '--proxy-protocol',
        '--max-per-address=1',
      ]);
      const chatHttp = server.ports.http!;
      const { https, line } = await startNginx(
        {
          8080: chatHttp,
          2324: server.ports.line!,
          12346: server.ports.at!,
          9001: server.ports.peer!,
        },
        cert.certPath,
        cert.keyPath,
      );
      const url = `wss://127.0.0.1:${https}/ws`;
      const tls = { ca: cert.cert };

      // Two browsers on two addresses (127.0.0.2 and .3); nginx is 127.0.0.1 to chatgate.
      const { alice, bob } = await joinTwoBrowsersThroughProxy(
        url,
        tls,
        `https://127.0.0.1:${https}`,
      );

      // The line dialect through nginx stream: TLS to nginx, PROXY protocol to chatgate.
      const carol = await tlsLine(line, cert.cert, '127.0.0.4');
      const chat = nextFrame(alice, 'chat_message');
      carol.write('hello through nginx\n');
      expect(await chat).toMatchObject({ content: 'hello through nginx' });
      bob.send(JSON.stringify({ type: 'chat_message', content: 'hi carol' }));
      await waitFor(
        (check) => {
          carol.on('data', check);
          return () => carol.off('data', check);
        },
        () => (carol.text().includes('[bob]: hi carol\n') ? true : undefined),
        'carol to read bob',
      );

      const entries = server
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      const remotes = entries.filter((e) => e.msg === 'connected').map((e) => e.remote);
      expect(remotes).toEqual(expect.arrayContaining(['127.0.0.2', '127.0.0.3', '127.0.0.4']));
      // Nothing is logged with nginx's own address: every connection shows its client's.
      expect(remotes).not.toContain('127.0.0.1');
      const metrics = await get(`http://127.0.0.1:${chatHttp}/metrics`);
      // At least alice's second try; nginx's readiness probes (one address) may add more.
      const perAddress = /chatgate_connections_refused_total\{reason="per_address"\} (\d+)/.exec(
        metrics.body,
      );
      expect(Number(perAddress?.[1])).toBeGreaterThanOrEqual(1);
      expect(metrics.body).toContain('chatgate_connections_refused_total{reason="origin"} 1');
    });
  },
);
