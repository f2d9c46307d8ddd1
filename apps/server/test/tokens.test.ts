import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newWebSocketRpcSession, RpcTarget } from 'capnweb';
import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MAIN, spawnNode, startChatgate } from './helpers.js';

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

    for (const listener of ['line', 'at', 'peer']) {
      expect(await tcpFirstBytes(server.ports[listener]!)).toMatch(/requires a token/);
    }

    const metrics = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text();
    // 4 ws + 4 rpc + 3 tcp refusals.
    expect(metrics).toMatch(/chatgate_connections_refused_total\{reason="auth"\} 11/);
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
