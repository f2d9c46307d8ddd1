/**
 * `npm run soak`: the real combined server on loopback while a fixed set of members chat
 * (every message tagged with an id) and connections churn on every transport. Prints the
 * server's RSS, V8 heap used after a forced GC and open fds at the start and the end; fails on a lost message
 * or growth past the bounds in soak-verdict.ts. Documented in bench/README.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import type { ClientConn, ClientEvents } from './clients/client-conn.js';
import { openLineClient } from './clients/line-client.js';
import { openRpcClient } from './clients/rpc-client.js';
import { openWsClient } from './clients/ws-client.js';
import { heapUsedAfterGc, parseInspectorUrl } from './heap-after-gc.js';
import { parseStatusKb } from './proc-stats.js';
import { type ServerProcess, startServer } from './server-process.js';
import { parseSoakArgs, SOAK_BOUNDS, type SoakFigures, soakVerdict } from './soak-verdict.js';
import { CHATGATE_MAIN, LOOPBACK } from './targets.js';

const CHURN_WORKERS = 12;
/** Churn cycles started per second at most, all transports together. */
const CHURN_PER_SECOND = 150;
/** Chat messages per second per member. */
const CHAT_PER_SECOND = 5;
const QUIESCE_TIMEOUT_MS = 15_000;
const MB = 1024 * 1024;

const FLAGS = [
  '--host',
  LOOPBACK,
  '--http-port',
  '0',
  '--gt-port',
  'off',
  '--line-port',
  '0',
  '--at-port',
  '0',
  '--peer-port',
  '0',
  '--rate-burst',
  '100000',
  '--rate-per-second',
  '100000',
  '--max-per-address',
  '10000',
  '--max-connections',
  '20000',
  '--connect-burst-per-address',
  '100000',
  '--connect-rate-per-address',
  '100000',
  '--log-level',
  'warn',
];

const ignore: ClientEvents = { onLost: () => {} };
const TAG = /soak-(\w+)-(\d+)/g;

interface Member {
  name: string;
  conn: ClientConn;
  seen: Set<string>;
}

async function figures(server: ServerProcess, inspectorUrl: string): Promise<SoakFigures> {
  // The heap first: its forced GC may hand memory back, so RSS is read after it.
  const heapUsedBytes = await heapUsedAfterGc(inspectorUrl);
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  const rssBytes = parseStatusKb(status, 'VmRSS') * 1024;
  const openFds = readdirSync(`/proc/${server.pid}/fd`).length;
  return { rssBytes, heapUsedBytes, openFds };
}

function show(label: string, f: SoakFigures, cycles: number, lost: number): void {
  console.log(
    `${label}: rss ${(f.rssBytes / MB).toFixed(1)} MB, heap after GC ${(f.heapUsedBytes / MB).toFixed(1)} MB, open fds ${f.openFds}, churn cycles ${cycles}, messages lost ${lost}`,
  );
}

function record(seen: Set<string>, text: string): void {
  for (const m of text.matchAll(TAG)) seen.add(m[0]);
}

async function openMembers(ports: Record<string, number>): Promise<Member[]> {
  const ws = new Set<string>();
  const line = new Set<string>();
  const rpc = new Set<string>();
  let partial = '';
  const wsConn = await openWsClient({
    url: `ws://${LOOPBACK}:${ports.http}/ws`,
    username: 'soakws',
    onFrame: (f) => record(ws, f.toString()),
    events: ignore,
  });
  const lineConn = await openLineClient({
    host: LOOPBACK,
    port: ports.line!,
    awaitGreeting: true,
    // A read may end mid-line: keep the partial line for the next read.
    onChunk: (c) => {
      const text = partial + c.toString();
      const cut = text.lastIndexOf('\n') + 1;
      record(line, text.slice(0, cut));
      partial = text.slice(cut);
    },
    events: ignore,
  });
  lineConn.send('/nick soakline');
  const rpcConn = await openRpcClient({
    url: `ws://${LOOPBACK}:${ports.http}/rpc/ws`,
    username: 'soakrpc',
    onText: (t) => record(rpc, t),
    events: ignore,
  });
  return [
    { name: 'ws', conn: wsConn, seen: ws },
    { name: 'line', conn: lineConn, seen: line },
    { name: 'rpc', conn: rpcConn, seen: rpc },
  ];
}

/** A raw TCP cycle: write `chunks`, end, resolve once the server has closed the socket. */
function tcpCycle(port: number, chunks: Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: LOOPBACK, port }, () => {
      for (const chunk of chunks) socket.write(chunk);
      socket.end();
    });
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => resolve());
  });
}

function peerFrame(payload: string): Buffer {
  const body = Buffer.from(payload);
  const head = Buffer.alloc(2);
  head.writeUInt16BE(body.length);
  return Buffer.concat([head, body]);
}

async function churnOnce(ports: Record<string, number>, n: number): Promise<void> {
  const name = `churn${n}`;
  const kind = n % 5;
  if (kind === 0) {
    const c = await openWsClient({
      url: `ws://${LOOPBACK}:${ports.http}/ws`,
      username: name,
      onFrame: null,
      events: ignore,
    });
    if (n % 2 === 0) c.send('churn hi');
    c.close();
  } else if (kind === 1) {
    const c = await openLineClient({
      host: LOOPBACK,
      port: ports.line!,
      awaitGreeting: true,
      onChunk: null,
      events: ignore,
    });
    if (n % 2 === 0) c.send('churn hi');
    c.close();
  } else if (kind === 2) {
    const c = await openRpcClient({
      url: `ws://${LOOPBACK}:${ports.http}/rpc/ws`,
      username: name,
      onText: null,
      events: ignore,
    });
    c.close();
  } else if (kind === 3) {
    await tcpCycle(ports.at!, [Buffer.from(name)]);
  } else {
    const stamp = new Date().toISOString().replace('Z', '000');
    await tcpCycle(ports.peer!, [
      peerFrame(`[${stamp}] - ${name}:\x1b[32m churn hi\n\x1b[0m<MSGENCD>`),
      Buffer.alloc(2),
    ]);
  }
}

async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

async function main(): Promise<number> {
  const { seconds } = parseSoakArgs(process.argv.slice(2));
  console.log(
    `soak: ${seconds} s, ${CHURN_WORKERS} churn workers at <= ${CHURN_PER_SECOND} cycles/s (ws, line, rpc, at, peer), 3 members chatting ${CHAT_PER_SECOND}/s each`,
  );
  console.log(
    `bounds after quiesce: lost 0, open fds <= start +${SOAK_BOUNDS.fdGrowth}, RSS growth <= ${SOAK_BOUNDS.rssGrowthBytes / MB} MB, heap after GC growth <= ${SOAK_BOUNDS.heapGrowthBytes / MB} MB (V8 heap used right after a full GC, through the inspector)`,
  );
  const server = await startServer(
    { id: 'chatgate', label: 'chatgate', script: CHATGATE_MAIN, args: FLAGS },
    30_000,
    ['--inspect=127.0.0.1:0'],
  );
  try {
    const ports = server.ports;
    const inspectorUrl = parseInspectorUrl(server.recentOutput());
    if (inspectorUrl === null) throw new Error('the server printed no inspector URL');
    const members = await openMembers(ports);
    const start = await figures(server, inspectorUrl);
    let cycles = 0;
    let failedCycles = 0;
    show('start', start, 0, 0);

    const sent: string[][] = members.map(() => []);
    let seq = 0;
    const chat = setInterval(() => {
      members.forEach((m, i) => {
        const id = `soak-${m.name}-${seq}`;
        sent[i]!.push(id);
        m.conn.send(id);
      });
      seq++;
    }, 1000 / CHAT_PER_SECOND);

    const endAt = Date.now() + seconds * 1000;
    let started = 0;
    const t0 = Date.now();
    const worker = async () => {
      while (Date.now() < endAt && !server.exited) {
        const n = started++;
        const due = t0 + (n * 1000) / CHURN_PER_SECOND;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        try {
          await churnOnce(ports, n);
          cycles++;
        } catch {
          failedCycles++;
        }
      }
    };
    const progress = setInterval(
      () => console.log(`  … ${cycles} churn cycles, ${seq} chat rounds`),
      10_000,
    );
    await Promise.all(Array.from({ length: CHURN_WORKERS }, worker));
    clearInterval(chat);
    clearInterval(progress);

    const lostNow = () =>
      members.reduce(
        (sum, m, i) =>
          sum +
          sent.reduce(
            (s, ids, j) => s + (j === i ? 0 : ids.filter((id) => !m.seen.has(id)).length),
            0,
          ),
        0,
      );
    await waitFor(() => lostNow() === 0, QUIESCE_TIMEOUT_MS);
    const lost = lostNow();
    await waitFor(
      async () =>
        (await figures(server, inspectorUrl)).openFds <= start.openFds + SOAK_BOUNDS.fdGrowth,
      QUIESCE_TIMEOUT_MS,
    );
    const end = await figures(server, inspectorUrl);
    show('end  ', end, cycles, lost);
    const expected = sent.reduce((s, ids) => s + ids.length, 0) * (members.length - 1);
    console.log(
      `messages: ${expected} expected by the members, ${expected - lost} received; churn cycles failed: ${failedCycles}`,
    );
    for (const m of members) m.conn.close();
    const verdict = soakVerdict(start, end, lost, !server.exited);
    if (failedCycles > cycles / 100)
      verdict.failures.push(`${failedCycles} churn cycles failed (more than 1%)`);
    if (verdict.failures.length === 0) {
      console.log('soak: PASS');
      return 0;
    }
    for (const f of verdict.failures) console.log(`soak: FAIL ${f}`);
    return 1;
  } finally {
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`soak: FAIL ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
