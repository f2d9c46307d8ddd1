import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { expect, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';

/** Readiness probes connect from here, so tests can tell them from clients in the logs. */
export const PROBE_ADDRESS = '127.0.0.99';

/** Free loopback ports, found by binding port 0 (nginx cannot be told to pick one). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer());
  const ports = await Promise.all(
    servers.map(async (server) => {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return (server.address() as { port: number }).port;
    }),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** The proxy exited before it listened (most likely another test took one of its ports). */
export class ProxyExited extends Error {}

/**
 * Starts a proxy on `count` free ports; if it exits before listening (a port taken in between,
 * since nginx and Caddy cannot be told to pick one), tries again with new ports.
 */
export async function startOnFreePorts<T>(
  count: number,
  start: (ports: number[]) => Promise<T>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePorts(count));
    } catch (err) {
      if (attempt >= attempts || !(err instanceof ProxyExited)) throw err;
    }
  }
}

/** Resolves once something accepts TCP connections on `port`. */
export function listening(port: number, proxy: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      done(new Error(`the proxy never listened on ${port}: ${log()}`));
    }, 10_000);
    let timer: NodeJS.Timeout | undefined;
    const onExit = () => done(new ProxyExited(`the proxy exited: ${log()}`));
    proxy.once('exit', onExit);
    const done = (err?: Error) => {
      clearTimeout(deadline);
      clearTimeout(timer);
      proxy.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const attempt = () => {
      // From an address of its own: a TCP proxy relays even this probe to chatgate.
      const socket = connect({ host: '127.0.0.1', port, localAddress: PROBE_ADDRESS });
      socket.once('connect', () => {
        socket.destroy();
        done();
      });
      // Not up yet: the proxy binds its ports a moment after it starts; try again shortly.
      socket.once('error', () => {
        timer = setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

/** Opens a WebSocket (from `localAddress`); resolves with it or with the refusing status. */
export function openWs(url: string, options: ConstructorParameters<typeof WebSocket>[2]) {
  return new Promise<WebSocket | number>((resolve, reject) => {
    const ws = new WebSocket(url, options);
    onTestFinished(() => ws.terminate());
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
    ws.once('open', () => resolve(ws));
  });
}

export function nextFrame(ws: WebSocket, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} frame`)), 5000);
    const onMessage = (data: unknown) => {
      const frame = JSON.parse(String(data));
      if (frame.type !== type) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve(frame);
    };
    ws.on('message', onMessage);
  });
}

export function tlsLine(
  port: number,
  ca: Buffer,
  localAddress: string,
): Promise<TLSSocket & { text: () => string }> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({
      host: '127.0.0.1',
      port,
      ca,
      servername: 'localhost',
      localAddress,
    });
    onTestFinished(() => socket.destroy());
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    socket.once('error', reject);
    socket.once('secureConnect', () => resolve(Object.assign(socket, { text: () => text })));
  });
}

/**
 * Two browsers through a proxy at `url` (alice on 127.0.0.2 with the page's own origin, bob on
 * 127.0.0.3) both join; a second connection from alice's address meets the per-address cap
 * of 1; a foreign page is refused with 403 before any upgrade. Returns the joined pair.
 */
export async function joinTwoBrowsersThroughProxy(
  url: string,
  tls: { ca: string },
  pageOrigin: string,
): Promise<{ alice: WebSocket; bob: WebSocket }> {
  const alice = await openWs(url, { ...tls, localAddress: '127.0.0.2', origin: pageOrigin });
  if (typeof alice === 'number') throw new Error(`alice refused with ${alice}`);
  alice.send(JSON.stringify({ type: 'connect', username: 'alice' }));
  expect(await nextFrame(alice, 'connect_response')).toMatchObject({ success: true });
  const bob = await openWs(url, { ...tls, localAddress: '127.0.0.3' });
  if (typeof bob === 'number') throw new Error(`bob refused with ${bob}`);
  bob.send(JSON.stringify({ type: 'connect', username: 'bob' }));
  expect(await nextFrame(bob, 'connect_response')).toMatchObject({ success: true });

  const again = await openWs(url, { ...tls, localAddress: '127.0.0.2' });
  if (typeof again === 'number') throw new Error(`refused with ${again}`);
  expect(await nextFrame(again, 'error')).toMatchObject({ code: 'server_busy' });
  expect(
    await openWs(url, { ...tls, localAddress: '127.0.0.4', origin: 'https://evil.example' }),
  ).toBe(403);
  return { alice, bob };
}
