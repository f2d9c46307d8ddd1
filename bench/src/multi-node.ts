/**
 * `npm run bench:multi-node`: 1, 2 and 3 chatgate nodes sharing one room on one real
 * redis-server, the same load each time: senders spread over the nodes, WebSocket receivers
 * spread over the nodes. Reports deliveries/s, p99, loss, Redis CPU per publish and node CPU
 * per delivery, and a paper estimate for one node per machine (bench/README.md, "Multi-node").
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClientConn, ClientEvents } from './clients/client-conn.js';
import { openWsClient } from './clients/ws-client.js';
import { createLatencyHistogram, recordMicros, summarizeLatency } from './latency.js';
import { describeMachine, formatMachine } from './machine.js';
import { type MultiNodeRow, paperEstimate, summarizeMultiNode } from './multi-node-figures.js';
import { emptyPayload, findPayload, makePayload, nowMicros, parsePayload } from './payload.js';
import { cpuSince, readCpu } from './proc-stats.js';
import * as progress from './progress.js';
import { type ServerProcess, startServer } from './server-process.js';
import { CHATGATE_FLAGS, CHATGATE_MAIN, LOOPBACK } from './targets.js';

const USAGE = `Usage: npm run bench:multi-node -- [options]

  --nodes LIST      node counts to compare (default 1,2,3)
  --senders N       senders, spread over the nodes (default 3)
  --receivers N     WebSocket receivers, spread over the nodes (default 300)
  --rate N          messages per second per sender (default 100)
  --seconds N       measured seconds per node count (default 10)
  --out DIR         results folder (default bench/results)

Needs Debian's redis-server on the PATH.`;

const DRAIN_QUIET_MS = 2000;
const DRAIN_MAX_MS = 20_000;
const WARMUP_MS = 2000;

interface Options {
  nodes: number[];
  senders: number;
  receivers: number;
  rate: number;
  seconds: number;
  out: string;
}

function parse(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string', default: '1,2,3' },
      senders: { type: 'string', default: '3' },
      receivers: { type: 'string', default: '300' },
      rate: { type: 'string', default: '100' },
      seconds: { type: 'string', default: '10' },
      out: { type: 'string', default: 'bench/results' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return null;
  const whole = (flag: string, text: string) => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < 1) throw new Error(`--${flag} must be a whole number >= 1`);
    return n;
  };
  return {
    nodes: String(values.nodes)
      .split(',')
      .map((n) => whole('nodes', n.trim())),
    senders: whole('senders', String(values.senders)),
    receivers: whole('receivers', String(values.receivers)),
    rate: whole('rate', String(values.rate)),
    seconds: whole('seconds', String(values.seconds)),
    out: String(values.out),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A fresh, non-persistent redis-server on a free port, ended by its PID. */
async function startRedis(): Promise<{ child: ChildProcess; url: string; pid: number }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', LOOPBACK, '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.once('error', reject);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.resume();
        resolve();
      }
    });
  });
  return { child, url: `redis://${LOOPBACK}:${port}`, pid: child.pid! };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One node count: start Redis and the nodes, connect, warm up, measure, drain, stop. */
async function runOnce(nodes: number, options: Options): Promise<MultiNodeRow> {
  const redis = await startRedis();
  const servers: ServerProcess[] = [];
  const conns: ClientConn[] = [];
  try {
    for (let i = 0; i < nodes; i++) {
      const flags = [...CHATGATE_FLAGS, '--redis', redis.url, '--node-id', `bench-${i}`];
      servers.push(
        await startServer(
          { id: `node${i}`, label: `chatgate node ${i}`, script: CHATGATE_MAIN, args: flags },
          options.receivers + options.senders + 64,
        ),
      );
    }
    const url = (i: number) => `ws://${LOOPBACK}:${servers[i % nodes]!.ports.http}/ws`;
    let lost = '';
    const events: ClientEvents = {
      onLost: (reason) => {
        lost ||= reason;
      },
    };
    const histogram = createLatencyHistogram();
    const seen = new Set<string>();
    let received = 0;
    let duplicates = 0;
    let warmSeen = 0;
    let lastArrival = Date.now();
    const parsed = emptyPayload();
    const onFrame = (receiver: number) => (frame: Buffer) => {
      let at = findPayload(frame);
      while (at >= 0) {
        if (parsePayload(frame, at, parsed) < 0) break;
        lastArrival = Date.now();
        if (parsed.phase === 'w') warmSeen++;
        else if (parsed.phase === 'm') {
          const key = `${receiver}:${parsed.sender}:${parsed.id}`;
          if (seen.has(key)) duplicates++;
          else {
            seen.add(key);
            received++;
            recordMicros(histogram, nowMicros() - parsed.sentMicros);
          }
        }
        at = findPayload(frame, at + 1);
      }
    };
    for (let r = 0; r < options.receivers; r++) {
      conns.push(
        await openWsClient({ url: url(r), username: `r${r}`, onFrame: onFrame(r), events }),
      );
    }
    const senders: ClientConn[] = [];
    for (let s = 0; s < options.senders; s++) {
      senders.push(await openWsClient({ url: url(s), username: `s${s}`, onFrame: null, events }));
    }
    conns.push(...senders);

    // Warm-up: every receiver must see one message from every sender (every node subscribed).
    for (const [s, sender] of senders.entries()) sender.send(makePayload('w', s, 0, nowMicros()));
    const warmDeadline = Date.now() + 20_000;
    while (warmSeen < options.senders * options.receivers) {
      if (Date.now() > warmDeadline) throw new Error(`warm-up incomplete: ${warmSeen} seen`);
      await sleep(50);
    }
    await sleep(WARMUP_MS);

    const cpuBefore = [readCpu(redis.pid), ...servers.map((s) => readCpu(s.pid))];
    const started = Date.now();
    let published = 0;
    const tickMs = 10;
    const perTick = (options.rate * tickMs) / 1000;
    let owed = 0;
    const ids = new Array<number>(options.senders).fill(0);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        owed += perTick;
        while (owed >= 1) {
          owed -= 1;
          for (const [s, sender] of senders.entries()) {
            sender.send(makePayload('m', s, ++ids[s]!, nowMicros()));
            published++;
          }
        }
        if (Date.now() - started >= options.seconds * 1000) {
          clearInterval(timer);
          resolve();
        }
      }, tickMs);
    });
    const expected = published * options.receivers;
    const drainDeadline = Date.now() + DRAIN_MAX_MS;
    while (received < expected && Date.now() < drainDeadline) {
      if (Date.now() - lastArrival > DRAIN_QUIET_MS) break;
      await sleep(50);
    }
    const windowS = (Date.now() - started) / 1000;
    const cpuAfter = [readCpu(redis.pid), ...servers.map((s) => readCpu(s.pid))];
    const cpu = cpuAfter.map((after, i) => {
      const d = cpuSince(cpuBefore[i]!, after);
      return d.user + d.system;
    });
    if (lost !== '') progress.log(`  a client connection was lost: ${lost}`);
    return summarizeMultiNode({
      nodes,
      receivers: options.receivers,
      published,
      received,
      duplicates,
      windowS,
      redisCpuS: cpu[0]!,
      nodeCpuS: cpu.slice(1),
      p99Ms: summarizeLatency(histogram).p99Ms,
    });
  } finally {
    for (const conn of conns) conn.close();
    await Promise.all(servers.map((s) => s.stop()));
    await stopProcess(redis.child);
  }
}

function table(rows: MultiNodeRow[]): string {
  const head =
    '| nodes | deliveries/s | p99 ms | lost | Redis µs/publish | nodes µs/delivery | busiest node, cores | Redis, cores |';
  const line = '|---|---|---|---|---|---|---|---|';
  const body = rows.map(
    (r) =>
      `| ${r.nodes} | ${r.deliveriesPerSec.toLocaleString('en-US')} | ${r.p99Ms} | ${r.lost} | ${r.redisUsPerPublish.toFixed(1)} | ${r.nodeUsPerDelivery.toFixed(2)} | ${r.busiestNodeCores.toFixed(2)} | ${r.redisCores.toFixed(3)} |`,
  );
  return [head, line, ...body].join('\n');
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  if (options === null) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error('redis-server is not installed (apt-get install -y redis-server)');
  }
  const machine = describeMachine();
  progress.log(`multi-node bench · ${formatMachine(machine)}`);
  const rows: MultiNodeRow[] = [];
  for (const nodes of options.nodes) {
    progress.log(
      `${nodes} node(s): ${options.senders} senders × ${options.rate} msg/s, ${options.receivers} receivers`,
    );
    const row = await runOnce(nodes, options);
    progress.log(
      `  → ${row.deliveriesPerSec.toLocaleString('en-US')} deliveries/s, p99 ${row.p99Ms} ms, lost ${row.lost}`,
    );
    rows.push(row);
  }
  // The run least squeezed by sharing the box: the one node (fewest processes).
  const reference = rows.reduce((a, b) => (b.nodes < a.nodes ? b : a));
  const estimate = paperEstimate(reference, 3, options.receivers);
  const report = { startedAt: new Date().toISOString(), machine, options, rows, estimate };
  mkdirSync(options.out, { recursive: true });
  const file = join(options.out, 'multi-node-latest.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    [
      '',
      `multi-node bench · ${formatMachine(machine)}`,
      '',
      table(rows),
      '',
      `paper estimate, 3 machines (one node each, Redis on its own core), from the ${reference.nodes}-node costs:`,
      `  nodes bound ${estimate.nodeBoundPerSec.toLocaleString('en-US')}/s, Redis bound ${estimate.redisBoundPerSec.toLocaleString('en-US')}/s → ${estimate.deliveriesPerSec.toLocaleString('en-US')} deliveries/s (${estimate.bottleneck} limit)`,
      '',
      `results: ${file}`,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  progress.log(`multi-node bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
