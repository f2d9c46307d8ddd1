import { Writable } from 'node:stream';
import { connect as connectTls } from 'node:tls';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { createTestCert } from '../../../test-support/tls-cert.js';
import { createLogger } from '../src/observability.js';
import { get, startInProcess } from './deploy-helpers.js';
import { MAIN, spawnNode, waitFor } from './helpers.js';

const cert = createTestCert();
const other = createTestCert('other');

interface Opened {
  ws: WebSocket;
  frames: Array<Record<string, unknown>>;
  next(type: string): Promise<Record<string, unknown>>;
}

/** Opens a WebSocket; resolves with it, or with the HTTP status that refused the upgrade. */
function openWs(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}) {
  return new Promise<Opened | number>((resolve, reject) => {
    const ws = new WebSocket(url, options);
    onTestFinished(() => ws.terminate());
    const frames: Array<Record<string, unknown>> = [];
    const waiters = new Set<() => void>();
    ws.on('message', (data) => {
      frames.push(JSON.parse(String(data)));
      for (const poke of [...waiters]) poke();
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        frames,
        next: (type) => {
          let seen = 0;
          return waitFor(
            (check) => {
              waiters.add(check);
              return () => waiters.delete(check);
            },
            () => {
              const found = frames.slice(seen).find((f) => f.type === type);
              if (found === undefined) seen = 0;
              return found;
            },
            `a ${type} frame`,
            5000,
          );
        },
      }),
    );
  });
}

async function joinWs(url: string, name: string, options = {}): Promise<Opened> {
  const opened = await openWs(url, options);
  if (typeof opened === 'number') throw new Error(`upgrade refused with ${opened}`);
  opened.ws.send(JSON.stringify({ type: 'connect', username: name }));
  const answer = await opened.next('connect_response');
  expect(answer).toMatchObject({ success: true });
  return opened;
}

/** Waits for a chat_message with this content. */
function chat(client: Opened, content: string) {
  return waitFor(
    (check) => {
      client.ws.on('message', check);
      return () => client.ws.off('message', check);
    },
    () => client.frames.find((f) => f.type === 'chat_message' && f.content === content),
    `chat '${content}'`,
    5000,
  );
}

function logLines(): { stream: Writable; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { stream, lines };
}

describe('--tls-cert and --tls-key', () => {
  it('serve HTTPS and WSS on the HTTP ports and TLS on the TCP dialects', async () => {
    const { ports } = await startInProcess([
      `--tls-cert=${cert.certPath}`,
      `--tls-key=${cert.keyPath}`,
    ]);
    expect(await get(`https://127.0.0.1:${ports.http}/healthz`, {}, cert.cert)).toMatchObject({
      status: 200,
    });
    expect((await get(`https://127.0.0.1:${ports.gt}/healthz`, {}, cert.cert)).status).toBe(200);
    const alice = await joinWs(`wss://127.0.0.1:${ports.http}/ws`, 'alice', { ca: cert.cert });
    const line = connectTls({
      host: '127.0.0.1',
      port: ports.line,
      ca: cert.cert,
      servername: 'localhost',
    });
    onTestFinished(() => line.destroy());
    let received = '';
    line.setEncoding('utf8').on('data', (chunk: string) => {
      received += chunk;
    });
    await waitFor(
      (check) => {
        line.on('data', check);
        return () => line.off('data', check);
      },
      () => (received.includes('welcome') ? true : undefined),
      'the line greeting over TLS',
    );
    line.write('hello from tls line\n');
    await chat(alice, 'hello from tls line');
    alice.ws.send(JSON.stringify({ type: 'chat_message', content: 'hello from wss' }));
    await waitFor(
      (check) => {
        line.on('data', check);
        return () => line.off('data', check);
      },
      () => (received.includes('[alice]: hello from wss\n') ? true : undefined),
      'the wss message on the TLS line',
    );
  });

  it.each([
    [
      'a missing certificate',
      ['--tls-cert=/nonexistent/cert.pem', `--tls-key=${cert.keyPath}`],
      /^chatgate: cannot read --tls-cert \/nonexistent\/cert\.pem: no such file\n$/,
    ],
    [
      'a key that is not a key',
      [`--tls-cert=${cert.certPath}`, `--tls-key=${cert.certPath}`],
      /^chatgate: --tls-key .* is not a PEM private key: .+\n$/,
    ],
    [
      'a certificate that is not a certificate',
      [`--tls-cert=${cert.keyPath}`, `--tls-key=${cert.keyPath}`],
      /^chatgate: --tls-cert .* is not a PEM certificate: .+\n$/,
    ],
    [
      'a key of another certificate',
      [`--tls-cert=${cert.certPath}`, `--tls-key=${other.keyPath}`],
      /^chatgate: --tls-key .* does not match --tls-cert .*: key values mismatch\n$/,
    ],
    [
      'a certificate without a key',
      [`--tls-cert=${cert.certPath}`],
      /^chatgate: --tls-cert and --tls-key go together: give both or neither \(see --help\)\n$/,
    ],
  ])('refuse %s with one line and a non-zero exit', async (_, flags, message) => {
    const run = spawnNode([
      MAIN,
      '--http-port=0',
      '--gt-port=off',
      '--line-port=off',
      '--at-port=off',
      '--peer-port=off',
      ...flags,
    ]);
    expect(await run.exited).not.toBe(0);
    expect(run.stderr()).toMatch(message);
    expect(run.stdout()).not.toContain('listening');
  });
});

describe('origin check on WebSocket upgrades', () => {
  it('refuses a foreign origin with 403 before the upgrade, on /ws and /rpc/ws; others keep chatting', async () => {
    const { ports } = await startInProcess();
    const base = `ws://127.0.0.1:${ports.http}`;
    const alice = await joinWs(`${base}/ws`, 'alice');
    const bob = await joinWs(`${base}/ws`, 'bob', { origin: `http://127.0.0.1:${ports.http}` });
    expect(await openWs(`${base}/ws`, { origin: 'https://evil.example' })).toBe(403);
    expect(await openWs(`${base}/ws/mallory`, { origin: 'https://evil.example' })).toBe(403);
    expect(await openWs(`${base}/rpc/ws`, { origin: 'https://evil.example' })).toBe(403);
    expect(await openWs(`${base}/ws`, { origin: 'null' })).toBe(403);
    bob.ws.send(JSON.stringify({ type: 'chat_message', content: 'still fine' }));
    await chat(alice, 'still fine');
    const metrics = await get(`http://127.0.0.1:${ports.http}/metrics`);
    expect(metrics.body).toMatch(/chatgate_connections_refused_total\{reason="origin"\} 4/);
    // Plain pages are not WebSocket upgrades: no origin check for them.
    expect(
      (await get(`http://127.0.0.1:${ports.http}/`, { origin: 'https://evil.example' })).status,
    ).toBe(200);
  });

  it('accepts the origins listed in --allowed-origins, and any with *', async () => {
    const { ports } = await startInProcess([
      '--allowed-origins=https://chat.example.com, https://app.example:8443',
    ]);
    const url = `ws://127.0.0.1:${ports.http}/ws`;
    await joinWs(url, 'alice', { origin: 'https://chat.example.com' });
    await joinWs(url, 'bob', { origin: 'https://app.example:8443' });
    expect(await openWs(url, { origin: 'https://app.example' })).toBe(403);
    const open = await startInProcess(['--allowed-origins=*']);
    await joinWs(`ws://127.0.0.1:${open.ports.http}/ws`, 'carol', {
      origin: 'https://anywhere.example',
    });
  });
});

describe('--trust-proxy', () => {
  it('takes the client address from X-Forwarded-For of a trusted proxy, for caps and logs', async () => {
    const { stream, lines } = logLines();
    const { ports } = await startInProcess(
      ['--trust-proxy=127.0.0.1', '--max-per-address=1'],
      createLogger('info', stream),
    );
    const url = `ws://127.0.0.1:${ports.http}/ws`;
    const alice = await joinWs(url, 'alice', { headers: { 'x-forwarded-for': '203.0.113.1' } });
    await joinWs(url, 'bob', { headers: { 'x-forwarded-for': '203.0.113.2' } });
    const third = await openWs(url, { headers: { 'x-forwarded-for': '203.0.113.1' } });
    if (typeof third === 'number') throw new Error(`refused with ${third}`);
    expect(await third.next('error')).toMatchObject({ code: 'server_busy' });
    const remotes = lines
      .filter((l) => l.msg === 'joined' || l.msg === 'connected')
      .map((l) => l.remote);
    expect(remotes).toContain('203.0.113.1');
    expect(remotes).toContain('203.0.113.2');
    expect(remotes).not.toContain('127.0.0.1');
    const metrics = await get(`http://127.0.0.1:${ports.http}/metrics`);
    expect(metrics.body).toMatch(/chatgate_connections_refused_total\{reason="per_address"\} 1/);
    expect(alice.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('ignores X-Forwarded-For from an address it does not trust', async () => {
    const { ports } = await startInProcess(['--trust-proxy=10.0.0.0/8', '--max-per-address=1']);
    const url = `ws://127.0.0.1:${ports.http}/ws`;
    await joinWs(url, 'alice', { headers: { 'x-forwarded-for': '203.0.113.1' } });
    const second = await openWs(url, { headers: { 'x-forwarded-for': '203.0.113.2' } });
    if (typeof second === 'number') throw new Error(`refused with ${second}`);
    expect(await second.next('error')).toMatchObject({ code: 'server_busy' });
  });
});

describe('--admin-port', () => {
  it('moves /metrics, /healthz and /readyz off the public ports', async () => {
    const { ports } = await startInProcess(['--admin-port=0']);
    expect(ports.admin).toBeGreaterThan(0);
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      expect((await get(`http://127.0.0.1:${ports.http}${path}`)).status).toBe(404);
      expect((await get(`http://127.0.0.1:${ports.gt}${path}`)).status).toBe(404);
      expect((await get(`http://127.0.0.1:${ports.admin}${path}`)).status).toBe(200);
    }
    const metrics = (await get(`http://127.0.0.1:${ports.admin}/metrics`)).body;
    expect(metrics).toContain(
      `chatgate_build_info{version="0.1.0",node="${process.versions.node}"} 1`,
    );
    for (const reason of ['per_address', 'total', 'origin', 'auth']) {
      expect(metrics).toContain(`chatgate_connections_refused_total{reason="${reason}"} 0`);
    }
  });

  it('keeps answering while draining, so probes read 503 from /readyz', async () => {
    const { server, ports } = await startInProcess(['--admin-port=0', '--drain-timeout-ms=5000']);
    // A handler that is still busy holds the drain open.
    let finish = () => {};
    server.room.addHandler(() => new Promise<void>((resolve) => (finish = resolve)));
    const member = await server.room.join(
      { dialect: { name: 'none', encode: () => null }, bufferedBytes: 0, deliver() {}, close() {} },
      { name: 'alice' },
    );
    await member.say('keep the handler busy');
    const stopped = server.stop();
    expect((await get(`http://127.0.0.1:${ports.admin}/readyz`)).status).toBe(503);
    expect((await get(`http://127.0.0.1:${ports.admin}/healthz`)).status).toBe(200);
    finish();
    await stopped;
  });

  it('keeps them on the main HTTP port by default', async () => {
    const { ports } = await startInProcess();
    expect(ports.admin).toBeUndefined();
    expect((await get(`http://127.0.0.1:${ports.http}/metrics`)).body).toContain(
      'chatgate_build_info',
    );
  });
});
