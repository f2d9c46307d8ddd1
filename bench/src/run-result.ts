import type { LatencySummary } from './latency.js';
import type { OrderCheck } from './order-check.js';
import type { SelfTime } from './profile-summary.js';
import type { LossSummary } from './receiver-tally.js';
import type { ScenarioId, TargetId, Transport } from './scenarios.js';

/** Everything one scenario × transport × target run measured. Times in the units named. */
export interface RunResult {
  scenario: ScenarioId;
  transport: Transport;
  target: TargetId;
  targetLabel: string;
  /** 1-based; a scenario may run several times, interleaved with its ceiling. */
  repetition: number;
  /** `skipped`: an optional peer that is not installed here (its daemon is absent). */
  status: 'ok' | 'failed' | 'skipped';
  error: string | null;
  /** Client connections the scenario asked for, and those the generator held. */
  wanted: number;
  connections: number;
  connectS: number;
  /** Measured messages sent (all senders) and receiver deliveries counted. */
  sent: number;
  deliveries: number;
  deliveriesPerSec: number;
  windowS: number;
  loss: LossSummary | null;
  latency: LatencySummary | null;
  /** Mixed room: latency per receiver transport (ws, line, rpc). */
  latencyByTransport: Record<string, LatencySummary> | null;
  order: OrderCheck | null;
  stalls: number;
  disconnects: number;
  /** CPU over the measured window, split into user mode and kernel (loopback TCP is kernel). */
  server: {
    cpuS: number;
    cpuUserS: number;
    cpuSystemS: number;
    cpuUsPerDelivery: number | null;
    rssMb: number;
    peakRssMb: number;
  } | null;
  generator: { cpuS: number; cpuUserS: number; cpuSystemS: number; cpuPercent: number } | null;
  idle: {
    baselineRssKb: number;
    /** RSS after the connections were held for `heldS` once the server went quiet. */
    rssKb: number;
    /** RSS the moment the server went quiet, before V8 handed back the joins' garbage. */
    rssKbAtQuiet: number;
    /** RSS 3 s after the last connection was made: what a user sees right after a storm. */
    rssKbAt3s: number;
    kbPerConnectionAt3s: number;
    /** Per connection held, from `rssKb` (after the hold). */
    kbPerConnection: number;
    settled: boolean;
    settleS: number;
    heldS: number;
  } | null;
  /** Join storm: how long until every member had joined, and what the server spent on it. */
  storm: {
    /** From the first connection attempt until the last member's join was confirmed. */
    joinedS: number;
    /** Server CPU over that time. */
    cpuS: number;
    /** From the first attempt until the server went quiet (it may still be announcing joins). */
    quietS: number;
    cpuToQuietS: number;
    settled: boolean;
  } | null;
  /** Event-loop delay of the idle bench parent over the window: how much the box stalled. */
  benchLagMs: { p99: number; max: number } | null;
  /** With `--profile`: the server's busiest functions by self time (idle left out). */
  profileTop: SelfTime[] | null;
  notes: string[];
}

export function emptyResult(
  scenario: ScenarioId,
  transport: Transport,
  target: TargetId,
  targetLabel: string,
  repetition = 1,
): RunResult {
  return {
    scenario,
    transport,
    target,
    targetLabel,
    repetition,
    status: 'ok',
    error: null,
    wanted: 0,
    connections: 0,
    connectS: 0,
    sent: 0,
    deliveries: 0,
    deliveriesPerSec: 0,
    windowS: 0,
    loss: null,
    latency: null,
    latencyByTransport: null,
    order: null,
    stalls: 0,
    disconnects: 0,
    server: null,
    generator: null,
    idle: null,
    storm: null,
    benchLagMs: null,
    profileTop: null,
    notes: [],
  };
}
