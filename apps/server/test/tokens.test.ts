import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newWebSocketRpcSession, RpcTarget } from 'capnweb';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { chromiumLaunchOptions } from '../../../test-support/chromium.js';
import { peerClient } from './clients.js';
import { MAIN, spawnNode, startChatgate } from './helpers.js';
import { lineSession as openLine } from './line-session.js';

const dir = mkdtempSync(join(tmpdir(), 'chatgate-tokens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secret = randomBytes(32).toString('hex');
const secretFile = join(dir, 'secret');
writeFileSync(secretFile, `${secret}\n`);

function sign(sub: string, key = secret, exp: string | number = '5m'): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(key));
}

/** Connects over /ws and returns the first frame answering the connect. */
async function wsConnect(port: number, username: string, token?: string) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  ws.on('error', () => {});
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const first = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer to connect')), 10_000);
    ws.once('message', (data) => {
      clearTimeout(timer);
      resolve(JSON.parse(String(data)));
    });
  });
  ws.send(JSON.stringify({ type: 'connect', username, ...(token ? { token } : {}) }));
  const frame = await first;
  ws.close();
  return frame;
}

class Callback extends RpcTarget {
  onMessage(): void {}
}

async function rpcJoin(port: number, name: string, token?: string) {
  if (globalThis.WebSocket === undefined) {
    (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  }
  const socket = new WebSocket(`ws://127.0.0.1:${port}/rpc/ws`);
  socket.on('error', () => {});
  // biome-ignore lint/suspicious/noExplicitAny: the RPC contract is untyped here on purpose
  const api: any = newWebSocketRpcSession(socket as unknown as globalThis.WebSocket);
  try {
    const welcome = await api.join(
      name,
      new Callback(),
      token === undefined ? undefined : { token },
    );
    return String(welcome.message);
  } catch (err) {
    return `refused ${(err as Error).message}`;
  } finally {
    socket.close();
  }
}

/** A line connection that has read its first line (the greeting or the login prompt). */
async function lineSession(port: number) {
  const session = openLine(port);
  await session.waitLine(/./);
  return session;
}

/** A JSON Web Key Set on a local HTTP server, and tokens signed by its key (or another). */
async function jwksServer() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const stranger = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  let fetches = 0;
  const server = createServer((request, response) => {
    fetches++;
    if (request.url !== '/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  const issue = (sub: string, key = privateKey, exp: string | number = '5m') =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject(sub)
      .setExpirationTime(exp)
      .sign(key);
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    issue,
    forge: (sub: string) => issue(sub, stranger.privateKey),
    get fetches() {
      return fetches;
    },
  };
}

function tcpFirstBytes(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => reject(new Error('tcp: no refusal')), 10_000);
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

describe('--auth-secret (HS256 tokens)', () => {
  it('admits a token naming the member and refuses wrong, expired, forged or missing ones', async () => {
    const server = await startChatgate([`--auth-secret=${secretFile}`]);
    const http = server.ports.http!;

    expect(await wsConnect(http, 'alice', await sign('ALICE'))).toMatchObject({
      type: 'connect_response',
      success: true,
    });
    for (const token of [
      await sign('mallory'),
      await sign('alice', secret, Math.floor(Date.now() / 1000) - 60),
      await sign('alice', 'not-the-secret'),
      undefined,
    ]) {
      expect(await wsConnect(http, 'alice', token)).toMatchObject({ success: false });
    }

    expect(await rpcJoin(http, 'bob', await sign('bob'))).toBe('Welcome to the chat, bob!');
    expect(await rpcJoin(http, 'bob2', await sign('carol'))).toMatch(/^refused .*not valid/);
    expect(
      await rpcJoin(http, 'bob2', await sign('bob2', secret, Math.floor(Date.now() / 1000) - 60)),
    ).toMatch(/^refused .*expired/);
    expect(await rpcJoin(http, 'bob2', await sign('bob2', 'forged'))).toMatch(
      /^refused .*not valid/,
    );
    expect(await rpcJoin(http, 'bob2')).toMatch(/^refused .*requires a token/);

    for (const listener of ['at', 'peer']) {
      expect(await tcpFirstBytes(server.ports[listener]!)).toMatch(/requires a token/);
    }

    const metrics = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text();
    // 4 ws + 4 rpc + 2 tcp refusals.
    expect(metrics).toMatch(/chatgate_connections_refused_total\{reason="auth"\} 10/);
  });

  it("line users log in with /login TOKEN and join under the token's name", async () => {
    const server = await startChatgate([`--auth-secret=${secretFile}`]);
    const watcher = await lineSession(server.ports.line!);
    expect(watcher.lines[0]).toBe('* this server requires a token: type /login TOKEN (or /quit)');
    watcher.send(`/login ${await sign('watcher')}`);
    await watcher.waitLine(/^\* welcome, you are watcher\./);

    const nc = await lineSession(server.ports.line!);
    nc.send('hello before login');
    await nc.waitLine(/^\* error: log in first: \/login TOKEN$/);
    nc.send(`/login ${await sign('dave', 'not-the-secret')}`);
    await nc.waitLine(/^\* error: That token is not valid for this name\.$/);
    nc.send(`/login ${await sign('dave')}`);
    await nc.waitLine(/^\* welcome, you are dave\./);
    // Nothing typed before the login reached the room; the login itself was announced.
    await watcher.waitLine(/^\* dave joined the chat$/);
    nc.send('hi from dave');
    await watcher.waitLine(/^\[dave\]: hi from dave$/);
    expect(watcher.lines.some((line) => line.includes('hello before login'))).toBe(false);
  });

  it('closes a line connection after three refused logins, others untouched', async () => {
    const server = await startChatgate([`--auth-secret=${secretFile}`]);
    const watcher = await lineSession(server.ports.line!);
    watcher.send(`/login ${await sign('watcher')}`);
    await watcher.waitLine(/^\* welcome, you are watcher\./);

    const guesser = await lineSession(server.ports.line!);
    const expired = await sign('eve', secret, Math.floor(Date.now() / 1000) - 60);
    guesser.send(`/login ${expired}`);
    await guesser.waitLine(/^\* error: That token has expired\.$/);
    guesser.send('/login not.a.jwt');
    guesser.send(`/login ${await sign('eve', 'guess')}`);
    await guesser.closed();
    expect(guesser.lines.at(-1)).toMatch(/Too many failed logins\.$/);
    expect(guesser.lines.filter((line) => line.startsWith('* error:'))).toHaveLength(3);

    watcher.send('/users');
    await watcher.waitLine(/^\* users: watcher$/);
    const metrics = await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text();
    expect(metrics).toMatch(/chatgate_connections_refused_total\{reason="auth"\} 3/);
  });

  it('--auth-anonymous-tcp lets at and peer clients in anonymously; line still logs in', async () => {
    const server = await startChatgate([`--auth-secret=${secretFile}`, '--auth-anonymous-tcp']);
    const watcher = await lineSession(server.ports.line!);
    watcher.send(`/login ${await sign('watcher')}`);
    await watcher.waitLine(/^\* welcome, you are watcher\./);
    const at = connect(server.ports.at!, '127.0.0.1');
    onTestFinished(() => {
      at.destroy();
    });
    at.write('carol');
    await watcher.waitLine(/^\* carol joined the chat$/);
    const peer = await peerClient(server.ports.peer!, 'pete', 'hello from pete');
    onTestFinished(() => peer.close());
    await watcher.waitLine(/^\[pete\]: hello from pete$/);
    watcher.send('/users');
    await watcher.waitLine(/^\* users: (?=.*carol)(?=.*pete)/);
    expect(watcher.lines[0]).toMatch(/requires a token: type \/login TOKEN/);
  });
});

describe('the browser page with tokens', () => {
  it('takes a token from #token=, hides it from the address bar, and joins as its sub', {
    timeout: 60_000,
  }, async () => {
    const server = await startChatgate([`--auth-secret=${secretFile}`]);
    const { executablePath, args } = await chromiumLaunchOptions();
    const browser = await chromium.launch({ executablePath, args });
    onTestFinished(() => browser.close());
    const base = `http://127.0.0.1:${server.ports.http}/`;

    // Without a token the server's refusal is shown on the join form.
    const anonymous = await browser.newPage();
    anonymous.setDefaultTimeout(10_000);
    await anonymous.goto(base);
    await anonymous.fill('#name-input', 'zoe');
    await anonymous.click('#join-button');
    await anonymous.locator('#join-error', { hasText: 'requires a token' }).waitFor();

    // A link carrying a token, opened in a fresh tab.
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    const token = await sign('Zoe');
    await page.goto(`${base}#token=${token}`);
    expect(await page.inputValue('#name-input')).toBe('Zoe');
    expect(page.url()).toBe(base);
    await page.click('#join-button');
    await page.locator('#my-name', { hasText: 'Zoe' }).waitFor();

    // The token outlives a reload in this tab (sessionStorage), not in the URL.
    await page.reload();
    expect(page.url()).toBe(base);
    expect(await page.inputValue('#name-input')).toBe('Zoe');
  });
});

describe('--auth-jwks (keys from a JSON Web Key Set)', () => {
  it('admits tokens signed by a key of the set and refuses forged, expired or HS256 ones', async () => {
    const jwks = await jwksServer();
    const server = await startChatgate([`--auth-jwks=${jwks.url}`]);
    const http = server.ports.http!;

    expect(await wsConnect(http, 'alice', await jwks.issue('alice'))).toMatchObject({
      type: 'connect_response',
      success: true,
    });
    expect(jwks.fetches).toBeGreaterThan(0);
    expect(await wsConnect(http, 'mallory', await jwks.forge('mallory'))).toMatchObject({
      success: false,
      message: 'That token is not valid for this name.',
    });
    const expired = await jwks.issue('bob', undefined, Math.floor(Date.now() / 1000) - 60);
    expect(await wsConnect(http, 'bob', expired)).toMatchObject({
      success: false,
      message: 'That token has expired.',
    });
    // A symmetric token must not pass, whatever secret signed it.
    expect(await wsConnect(http, 'bob', await sign('bob'))).toMatchObject({ success: false });
    expect(await rpcJoin(http, 'bob', await jwks.issue('bob'))).toBe('Welcome to the chat, bob!');

    const nc = await lineSession(server.ports.line!);
    nc.send(`/login ${await jwks.issue('carol')}`);
    await nc.waitLine(/^\* welcome, you are carol\./);
  });

  it('refuses with "try again" while the key set cannot be fetched', async () => {
    const jwks = await jwksServer();
    const token = await jwks.issue('alice');
    // A URL where the set's server answers 404.
    const gone = jwks.url.replace('/jwks.json', '/missing.json');
    const server = await startChatgate([`--auth-jwks=${gone}`]);
    const frame = await wsConnect(server.ports.http!, 'alice', token);
    expect(frame).toMatchObject({
      success: false,
      message: 'Tokens cannot be checked right now; try again.',
    });
    const nc = await lineSession(server.ports.line!);
    nc.send(`/login ${token}`);
    await nc.waitLine(/^\* error: Tokens cannot be checked right now; try again\.$/);
  });

  it('exits with one clear line for an unreadable or empty secret file', async () => {
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    for (const [file, why] of [
      [join(dir, 'missing'), /--auth-secret .*missing cannot be read \(ENOENT\)/],
      [empty, /--auth-secret .*empty is empty/],
    ] as const) {
      const run = spawnNode([
        MAIN,
        '--http-port=0',
        '--gt-port=off',
        '--line-port=off',
        '--at-port=off',
        '--peer-port=off',
        `--auth-secret=${file}`,
      ]);
      expect(await run.exited).toBe(1);
      expect(run.stderr().trim().split('\n')).toHaveLength(1);
      expect(run.stderr()).toMatch(why);
    }
  });
});
