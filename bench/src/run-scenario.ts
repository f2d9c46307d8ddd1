import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pinToCpu } from './cpu-pinning.js';
import { GeneratorProcess } from './generator-process.js';
import type { GeneratorSetup, RunSummary } from './generator-protocol.js';
import { SPARE_DESCRIPTORS } from './open-files.js';
import {
  CLOCK_TICKS_PER_SECOND,
  type CpuSeconds,
  cpuSince,
  readCpu,
  readMemory,
} from './proc-stats.js';
import * as progress from './progress.js';
import { emptyResult, type RunResult } from './run-result.js';
import { isIrcPeer, type Scenario, type TargetId, type Transport } from './scenarios.js';
import { type ServerProcess, startServer, type TargetLaunch } from './server-process.js';
import { LOOPBACK } from './targets.js';

const CONNECT_TIMEOUT_MS = 180_000;
const SYNC_TIMEOUT_MS = 40_000;
/** Beyond the phase itself: drain (2 s of quiet) and slack. */
const RUN_SLACK_MS = 60_000;
const SETTLE_POLL_MS = 250;
/** Idle: the server counts as settled after this many polls in a row with ≤ 1 CPU tick. */
const SETTLE_QUIET_POLLS = 3;

export interface RunContext {
  scenario: Scenario;
  transport: Transport;
  target: TargetId;
  launch: TargetLaunch;
  repetition: number;
  /** Idle memory: how long to wait for the server to go quiet after connecting. */
  settleTimeoutMs: number;
  /**
   * Idle memory: how long to keep holding the quiet connections before reading RSS. V8 hands
   * freed heap back to the OS only after some idle seconds (its memory reducer), so a reading
   * taken at once counts the connect phase's garbage (for chatgate, ~N²/2 join deliveries).
   */
  idleHoldMs: number;
  /** Pin the server and the generator to CPUs 0 and 1 (cpu-pinning.ts). */
  pin: boolean;
  /** When set, both processes write V8 CPU profiles into this folder. */
  profileDir: string | null;
}

function profileFlags(dir: string | null, name: string): string[] {
  return dir === null
    ? []
    : ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `${name}.cpuprofile`];
}

/** Runs one scenario × transport × target in fresh processes; never throws. */
export async function runScenario(ctx: RunContext): Promise<RunResult> {
  const { scenario, transport, target, launch } = ctx;
  const result = emptyResult(scenario.id, transport, target, launch.label, ctx.repetition);
  result.wanted = connectionCount(scenario);
  const needed = result.wanted + SPARE_DESCRIPTORS;
  let server: ServerProcess | null = null;
  let generator: GeneratorProcess | null = null;
  try {
    server = await startServer(launch, needed, profileFlags(ctx.profileDir, 'server'));
    generator = new GeneratorProcess(
      needed,
      (text) => progress.status(`  ${text}`),
      profileFlags(ctx.profileDir, 'generator'),
    );
    checkDescriptors(server.openFiles, needed, result);
    if (ctx.pin && !(pinToCpu(server.pid, 0) && pinToCpu(generator.pid, 1))) {
      result.notes.push('could not pin processes to CPUs (taskset)');
    }
    const setup: GeneratorSetup = {
      scenario,
      transport,
      chatgate: target === 'chatgate',
      irc: isIrcPeer(target),
      host: LOOPBACK,
      ports: { http: server.ports.http, line: server.ports.line },
    };
    switch (scenario.load) {
      case 'idle':
        await measureIdle(server, generator, setup, result, ctx);
        break;
      case 'storm':
        await measureStorm(server, generator, setup, result, ctx);
        break;
      case 'open':
      case 'closed':
        await measureLoad(server, generator, setup, result);
        break;
    }
  } catch (err) {
    result.status = 'failed';
    result.error = err instanceof Error ? err.message : String(err);
    if (server?.exited) result.error += ` (server exited: ${server.recentOutput().join(' | ')})`;
  } finally {
    await generator?.stop();
    await server?.stop();
  }
  return result;
}

function connectionCount(scenario: Scenario): number {
  if (scenario.load === 'idle' || scenario.load === 'storm') return scenario.connections;
  if (scenario.mixed !== null) {
    return scenario.mixed.ws + scenario.mixed.line + scenario.mixed.rpc + scenario.senders;
  }
  return scenario.senders + scenario.receivers;
}

function checkDescriptors(soft: number, needed: number, result: RunResult): void {
  if (soft < needed) {
    result.notes.push(`open-file limit ${soft} < ${needed} needed; raise ulimit -n`);
  }
}

async function connect(
  generator: GeneratorProcess,
  setup: GeneratorSetup,
  result: RunResult,
): Promise<void> {
  const total = connectionCount(setup.scenario);
  progress.log(`  connecting ${total} client${total === 1 ? '' : 's'}`);
  const connected = await generator.request(
    { cmd: 'connect', setup },
    'connected',
    CONNECT_TIMEOUT_MS,
  );
  result.connections = connected.connections;
  result.connectS = connected.ms / 1000;
}

async function measureLoad(
  server: ServerProcess,
  generator: GeneratorProcess,
  setup: GeneratorSetup,
  result: RunResult,
): Promise<void> {
  const { scenario } = setup;
  await connect(generator, setup, result);
  await generator.request({ cmd: 'sync' }, 'synced', SYNC_TIMEOUT_MS);
  if (scenario.warmupMs > 0) {
    progress.log(`  warm-up ${scenario.warmupMs / 1000} s`);
    await generator.request(
      { cmd: 'run', phase: 'w', durationMs: scenario.warmupMs },
      'ran',
      scenario.warmupMs + RUN_SLACK_MS,
    );
  }
  progress.log(`  measuring ${scenario.durationMs / 1000} s`);
  const serverCpu0 = readCpu(server.pid);
  const generatorCpu0 = readCpu(generator.pid);
  const t0 = performance.now();
  const lag = startLagMonitor();
  const ran = await generator.request(
    { cmd: 'run', phase: 'm', durationMs: scenario.durationMs },
    'ran',
    scenario.durationMs + RUN_SLACK_MS,
  );
  const serverCpu = cpuSince(serverCpu0, readCpu(server.pid));
  const generatorCpu = cpuSince(generatorCpu0, readCpu(generator.pid));
  const elapsedS = (performance.now() - t0) / 1000;
  result.benchLagMs = lag.stop();
  applySummary(result, ran.summary);
  result.server = serverFigures(server.pid, serverCpu, ran.summary.delivered);
  result.generator = generatorFigures(generatorCpu, elapsedS);
  if (server.exited) throw new Error('server exited during the run');
}

function serverFigures(
  pid: number,
  cpu: CpuSeconds,
  deliveries: number,
): NonNullable<RunResult['server']> {
  const memory = readMemory(pid);
  return {
    cpuS: cpu.total,
    cpuUserS: cpu.user,
    cpuSystemS: cpu.system,
    cpuUsPerDelivery: deliveries > 0 ? (cpu.total * 1e6) / deliveries : null,
    rssMb: memory.rssKb / 1024,
    peakRssMb: memory.peakRssKb / 1024,
  };
}

function generatorFigures(cpu: CpuSeconds, elapsedS: number): NonNullable<RunResult['generator']> {
  return {
    cpuS: cpu.total,
    cpuUserS: cpu.user,
    cpuSystemS: cpu.system,
    cpuPercent: (100 * cpu.total) / elapsedS,
  };
}

function applySummary(result: RunResult, summary: RunSummary): void {
  result.sent = summary.sent;
  result.deliveries = summary.delivered;
  result.deliveriesPerSec = summary.deliveriesPerSec;
  result.windowS = summary.windowS;
  result.loss = summary.loss;
  result.latency = summary.latency;
  result.latencyByTransport = summary.latencyByTransport;
  result.order = summary.order;
  result.stalls = summary.stalls;
  result.disconnects = summary.disconnects;
  if (summary.firstDisconnect !== null) {
    result.notes.push(`${summary.disconnects} disconnect(s), first: ${summary.firstDisconnect}`);
  }
  if (summary.stalls > 0) result.notes.push(`${summary.stalls} closed-loop stall(s)`);
}

async function measureIdle(
  server: ServerProcess,
  generator: GeneratorProcess,
  setup: GeneratorSetup,
  result: RunResult,
  ctx: RunContext,
): Promise<void> {
  await settle(server.pid, ctx.settleTimeoutMs);
  const baseline = readMemory(server.pid).rssKb;
  const serverCpu0 = readCpu(server.pid);
  const generatorCpu0 = readCpu(generator.pid);
  const t0 = performance.now();
  const lag = startLagMonitor();
  await connect(generator, setup, result);
  noteShortfall(setup, result);
  await delay(AFTER_JOIN_READING_MS);
  const rssKbAt3s = readMemory(server.pid).rssKb;
  progress.log('  waiting for the server to go quiet');
  const settleStarted = performance.now();
  const { settled } = await settle(server.pid, ctx.settleTimeoutMs);
  const settleS = (performance.now() - settleStarted) / 1000;
  if (!settled) result.notes.push(`server still busy after ${Math.round(settleS)} s`);
  const rssKbAtQuiet = readMemory(server.pid).rssKb;
  progress.log(`  holding the connections for ${ctx.idleHoldMs / 1000} s`);
  await delay(ctx.idleHoldMs);
  const elapsedS = (performance.now() - t0) / 1000;
  result.benchLagMs = lag.stop();
  // Count what is still open now: RSS is per connection held, not per connection made.
  const status = await generator.request({ cmd: 'status' }, 'status', 10_000);
  if (status.disconnects > 0) {
    result.disconnects = status.disconnects;
    result.notes.push(`${status.disconnects} dropped while idle, first: ${status.firstDisconnect}`);
  }
  result.connections = status.open;
  result.server = serverFigures(server.pid, cpuSince(serverCpu0, readCpu(server.pid)), 0);
  result.generator = generatorFigures(cpuSince(generatorCpu0, readCpu(generator.pid)), elapsedS);
  const memory = readMemory(server.pid);
  result.idle = idleFigures({
    baselineRssKb: baseline,
    rssKbAt3s,
    rssKbAtQuiet,
    rssKb: memory.rssKb,
    connections: result.connections,
    settled,
    settleS,
    heldS: ctx.idleHoldMs / 1000,
  });
  if (result.connections > 0) {
    const atQuiet = (rssKbAtQuiet - baseline) / result.connections;
    result.notes.push(`${atQuiet.toFixed(1)} KB/connection the moment the server went quiet`);
  }
  if (server.exited) throw new Error('server exited while holding connections');
}

/** Idle memory: the 3 s reading is taken this long after the last connection was made. */
const AFTER_JOIN_READING_MS = 3000;

function noteShortfall(setup: GeneratorSetup, result: RunResult): void {
  const { connections, connectDeadlineMs } = setup.scenario;
  if (result.connections < connections) {
    result.notes.push(
      `held ${result.connections} of ${connections} after the ${connectDeadlineMs / 1000} s connect deadline`,
    );
  }
}

/** The idle figures from raw readings; per-connection values divide by connections held. */
export function idleFigures(readings: {
  baselineRssKb: number;
  rssKbAt3s: number;
  rssKbAtQuiet: number;
  rssKb: number;
  connections: number;
  settled: boolean;
  settleS: number;
  heldS: number;
}): NonNullable<RunResult['idle']> {
  const { baselineRssKb, rssKbAt3s, rssKbAtQuiet, rssKb, connections } = readings;
  const per = (kb: number) => (connections > 0 ? (kb - baselineRssKb) / connections : 0);
  return {
    baselineRssKb,
    rssKb,
    rssKbAtQuiet,
    rssKbAt3s,
    kbPerConnectionAt3s: per(rssKbAt3s),
    kbPerConnection: per(rssKb),
    settled: readings.settled,
    settleS: readings.settleS,
    heldS: readings.heldS,
  };
}

/**
 * Join storm: every member connects as fast as the generator can open connections (the
 * scenario's concurrency); times until the last join was confirmed and until the server went
 * quiet, with the server's CPU over each.
 */
async function measureStorm(
  server: ServerProcess,
  generator: GeneratorProcess,
  setup: GeneratorSetup,
  result: RunResult,
  ctx: RunContext,
): Promise<void> {
  await settle(server.pid, ctx.settleTimeoutMs);
  const serverCpu0 = readCpu(server.pid);
  const generatorCpu0 = readCpu(generator.pid);
  const t0 = performance.now();
  const lag = startLagMonitor();
  await connect(generator, setup, result);
  const joinedAt = performance.now();
  const cpuJoined = cpuSince(serverCpu0, readCpu(server.pid));
  noteShortfall(setup, result);
  progress.log('  waiting for the server to go quiet');
  const quiet = await settle(server.pid, ctx.settleTimeoutMs);
  const cpuToQuiet = cpuSince(serverCpu0, readCpu(server.pid));
  result.benchLagMs = lag.stop();
  const status = await generator.request({ cmd: 'status' }, 'status', 10_000);
  if (status.disconnects > 0) {
    result.disconnects = status.disconnects;
    result.notes.push(
      `${status.disconnects} dropped in the storm, first: ${status.firstDisconnect}`,
    );
  }
  result.connections = status.open;
  result.server = serverFigures(server.pid, cpuToQuiet, 0);
  result.generator = generatorFigures(
    cpuSince(generatorCpu0, readCpu(generator.pid)),
    (joinedAt - t0) / 1000,
  );
  result.storm = {
    joinedS: (joinedAt - t0) / 1000,
    cpuS: cpuJoined.total,
    quietS: (Math.max(joinedAt, quiet.quietSince) - t0) / 1000,
    cpuToQuietS: cpuToQuiet.total,
    settled: quiet.settled,
  };
  if (!quiet.settled) result.notes.push('server still busy at the settle timeout');
  if (server.exited) throw new Error('server exited during the storm');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Event-loop delay of this (otherwise idle) parent process while a window runs: when it is
 * large the box itself stalled processes (CPU contention, a noisy host), so read latency and
 * throughput of that run with care.
 */
function startLagMonitor(): { stop(): { p99: number; max: number } } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      const ms = (ns: number) => Math.round(ns / 1e4) / 100;
      return { p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
    },
  };
}

/**
 * Waits until the process uses (almost) no CPU for a few polls. `quietSince` is when the
 * quiet streak began (`performance.now()`); `settled` is false on timeout.
 */
async function settle(
  pid: number,
  timeoutMs: number,
): Promise<{ settled: boolean; quietSince: number }> {
  const started = performance.now();
  const quietTickS = 1.5 / CLOCK_TICKS_PER_SECOND;
  let last = readCpu(pid).total;
  let quiet = 0;
  let quietSince = started;
  while (performance.now() - started < timeoutMs) {
    const polledAt = performance.now();
    await delay(SETTLE_POLL_MS);
    const now = readCpu(pid).total;
    if (now - last <= quietTickS) {
      if (quiet === 0) quietSince = polledAt;
      quiet++;
    } else {
      quiet = 0;
    }
    last = now;
    if (quiet >= SETTLE_QUIET_POLLS) return { settled: true, quietSince };
  }
  return { settled: false, quietSince: performance.now() };
}
