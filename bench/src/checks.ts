import { groupRuns, median, type RunGroup } from './run-groups.js';
import type { RunResult } from './run-result.js';
import {
  IRC_PEERS,
  IRC_SCENARIOS,
  type IrcPeer,
  RAW_FOR,
  type ScenarioId,
  type Transport,
} from './scenarios.js';

/** One performance target (docs/architecture.md), judged from chatgate's runs and its raw ceiling's runs. */
export interface Check {
  scenario: ScenarioId;
  transport: Transport;
  metric: string;
  /** Median over successful runs. */
  chatgate: number | null;
  raw: number | null;
  /** Smallest and largest value over successful runs: how noisy the figure is. */
  chatgateRange: [number, number] | null;
  rawRange: [number, number] | null;
  /** chatgate ÷ raw (medians). */
  ratio: number | null;
  target: string;
  /** `info`: a figure shown beside its ceiling with no target of its own. */
  verdict: 'pass' | 'fail' | 'n/a' | 'info';
  reason: string | null;
}

export const LATENCY_P99_TARGET_MS = 10;
export const EFFICIENCY_MAX_RATIO = 1.25;
export const CLOSED_LOOP_MIN_RATIO = 0.8;
export const IDLE_MEMORY_MAX_RATIO = 1.5;
export const LIGHT_LOAD_MAX_RATIO = 1.1;
export const JOIN_STORM_TARGET_S = 3;
/** What ngIRCd and InspIRCd spend per delivery in the closed loop on the reference box. */
export const CLOSED_LOOP_US_PER_DELIVERY = 1.3;

interface Rule {
  metric: string;
  target: string;
  value(r: RunResult): number | null;
  /** Judges the median; absent when only the ratio matters. */
  medianOk?(value: number): string | null;
  /** Judges the ratio of medians; absent when the target is absolute. */
  ratioOk?(ratio: number): boolean;
  /** Must hold in every chatgate run (loss, order, connections held); returns why not. */
  everyRun?(r: RunResult): string | null;
}

const noLoss = (r: RunResult): string | null => {
  const lost = r.loss?.lost ?? 0;
  return lost > 0 ? `${lost} deliveries lost` : null;
};

const allHeld = (r: RunResult): string | null =>
  r.connections < r.wanted ? `held ${r.connections} of ${r.wanted} connections` : null;

/** Each scenario's rules; the first is its key figure (the table row is its median run). */
const RULES: Record<ScenarioId, Rule[]> = {
  latency: [
    {
      metric: 'p99 latency (ms)',
      target: `≤ ${LATENCY_P99_TARGET_MS} ms, no loss`,
      value: (r) => r.latency?.p99Ms ?? null,
      medianOk: (p99) =>
        p99 > LATENCY_P99_TARGET_MS ? `p99 ${p99} ms over ${LATENCY_P99_TARGET_MS} ms` : null,
      everyRun: noLoss,
    },
  ],
  efficiency: [
    {
      metric: 'server CPU µs/delivery',
      target: `≤ ${EFFICIENCY_MAX_RATIO}× raw, no loss`,
      value: (r) => r.server?.cpuUsPerDelivery ?? null,
      ratioOk: (ratio) => ratio <= EFFICIENCY_MAX_RATIO,
      everyRun: noLoss,
    },
  ],
  'light-load': [
    {
      metric: 'server CPU s',
      target: `≤ ${LIGHT_LOAD_MAX_RATIO}× raw, no loss`,
      value: (r) => (r.deliveries > 0 ? (r.server?.cpuS ?? null) : null),
      ratioOk: (ratio) => ratio <= LIGHT_LOAD_MAX_RATIO,
      everyRun: noLoss,
    },
  ],
  'closed-loop': [
    {
      metric: 'deliveries/s',
      target: `≥ ${CLOSED_LOOP_MIN_RATIO}× raw`,
      value: (r) => (r.deliveries > 0 ? r.deliveriesPerSec : null),
      ratioOk: (ratio) => ratio >= CLOSED_LOOP_MIN_RATIO,
    },
    {
      metric: 'server CPU µs/delivery',
      target: `≤ ${CLOSED_LOOP_US_PER_DELIVERY} µs (the C IRC servers)`,
      value: (r) => r.server?.cpuUsPerDelivery ?? null,
      medianOk: (us) =>
        us > CLOSED_LOOP_US_PER_DELIVERY
          ? `${us.toFixed(2)} µs over ${CLOSED_LOOP_US_PER_DELIVERY} µs`
          : null,
    },
  ],
  'join-storm': [
    {
      metric: 's until all joined',
      target: `≤ ${JOIN_STORM_TARGET_S} s, all held`,
      value: (r) => r.storm?.joinedS ?? null,
      medianOk: (s) =>
        s > JOIN_STORM_TARGET_S ? `${s.toFixed(1)} s over ${JOIN_STORM_TARGET_S} s` : null,
      everyRun: allHeld,
    },
    {
      metric: 'server CPU s while joining',
      target: 'shown beside the ceiling',
      value: (r) => r.storm?.cpuS ?? null,
    },
    {
      metric: 's until the server is quiet',
      target: 'shown beside the ceiling',
      value: (r) => r.storm?.quietS ?? null,
    },
  ],
  'idle-memory': [
    {
      metric: 'RSS KB/connection after 40 s',
      target: `≤ ${IDLE_MEMORY_MAX_RATIO}× raw, all held`,
      value: (r) => r.idle?.kbPerConnection ?? null,
      ratioOk: (ratio) => ratio <= IDLE_MEMORY_MAX_RATIO,
      everyRun: allHeld,
    },
    {
      metric: 'RSS KB/connection at 3 s',
      target: `≤ ${IDLE_MEMORY_MAX_RATIO}× raw, all held`,
      value: (r) => r.idle?.kbPerConnectionAt3s ?? null,
      ratioOk: (ratio) => ratio <= IDLE_MEMORY_MAX_RATIO,
      everyRun: allHeld,
    },
  ],
  'mixed-room': [
    {
      metric: 'messages in one order',
      target: 'one order, no loss',
      value: (r) => r.order?.messages ?? null,
      everyRun: (r) => {
        if (r.order === null) return 'order not recorded';
        if (!r.order.ok) return r.order.problem;
        return noLoss(r);
      },
    },
  ],
};

/** The figure a scenario is judged by (its table row is the run with the median of it). */
export function keyValue(r: RunResult): number | null {
  return RULES[r.scenario][0]!.value(r);
}

/** The chatgate-vs-ceiling checks, per chatgate scenario × transport × rule, in run order. */
export function buildChecks(results: ReadonlyArray<RunResult>): Check[] {
  const groups = groupRuns(results);
  return groups
    .filter((g) => g.target === 'chatgate')
    .flatMap((cg) => {
      const rawTarget =
        cg.transport === 'mixed' ? undefined : RAW_FOR[cg.transport as Exclude<Transport, 'mixed'>];
      const raw = groups.find(
        (g) => g.scenario === cg.scenario && g.transport === cg.transport && g.target === rawTarget,
      );
      const checks = RULES[cg.scenario].map((rule) => judge(rule, cg, raw));
      return [...checks, ...ircComparisons(cg, groups)];
    });
}

const IRC_LABEL: Record<IrcPeer, string> = { ngircd: 'ngIRCd', inspircd: 'InspIRCd' };

/**
 * chatgate's line transport beside each C IRC server that ran (bench README, "IRC peers"):
 * the scenario's figures with the peer in the `raw` column, for information; `n/a` with the
 * reason when the peer was skipped or failed.
 */
function ircComparisons(cg: RunGroup, groups: ReadonlyArray<RunGroup>): Check[] {
  if (cg.transport !== 'line' || !IRC_SCENARIOS.includes(cg.scenario)) return [];
  const out: Check[] = [];
  for (const peer of IRC_PEERS) {
    const group = groups.find(
      (g) => g.scenario === cg.scenario && g.transport === 'line' && g.target === peer,
    );
    if (group === undefined) continue;
    for (const rule of RULES[cg.scenario]) {
      const base = judge({ ...rule, ratioOk: undefined, medianOk: undefined }, cg, group);
      const check: Check = { ...base, metric: `${rule.metric} vs ${IRC_LABEL[peer]}` };
      const failed = group.runs.find((r) => r.status !== 'ok');
      if (failed !== undefined) {
        out.push({ ...check, verdict: 'n/a', reason: failed.error ?? failed.status });
      } else {
        out.push({
          ...check,
          target: `shown beside ${IRC_LABEL[peer]}`,
          verdict: 'info',
          reason: null,
        });
      }
    }
  }
  return out;
}

function values(rule: Rule, group: RunGroup | undefined): number[] {
  if (group === undefined) return [];
  return group.runs
    .filter((r) => r.status === 'ok')
    .map((r) => rule.value(r))
    .filter((v): v is number => v !== null);
}

function range(vs: number[]): [number, number] | null {
  return vs.length === 0 ? null : [Math.min(...vs), Math.max(...vs)];
}

function judge(rule: Rule, cg: RunGroup, raw: RunGroup | undefined): Check {
  const cgValues = values(rule, cg);
  const rawValues = values(rule, raw);
  const chatgate = median(cgValues);
  const rawValue = median(rawValues);
  const ratio = chatgate !== null && rawValue !== null && rawValue > 0 ? chatgate / rawValue : null;
  const check: Check = {
    scenario: cg.scenario,
    transport: cg.transport,
    metric: rule.metric,
    chatgate,
    raw: rawValue,
    chatgateRange: range(cgValues),
    rawRange: range(rawValues),
    ratio,
    target: rule.target,
    verdict: 'pass',
    reason: null,
  };
  const fail = (reason: string): Check => ({ ...check, verdict: 'fail', reason });
  const failed = cg.runs.filter((r) => r.status !== 'ok');
  if (failed.length > 0) {
    const why = failed[0]!.error ?? 'run failed';
    return fail(
      cg.runs.length > 1 ? `${failed.length} of ${cg.runs.length} runs failed: ${why}` : why,
    );
  }
  if (chatgate === null) return fail('no measurement');
  for (const run of cg.runs) {
    const reason = rule.everyRun?.(run) ?? null;
    if (reason !== null) return fail(reason);
  }
  const medianReason = rule.medianOk?.(chatgate) ?? null;
  if (medianReason !== null) return fail(medianReason);
  if (rule.ratioOk === undefined && rule.medianOk === undefined && rule.everyRun === undefined) {
    return { ...check, verdict: 'info' };
  }
  if (rule.ratioOk !== undefined) {
    if (ratio === null) {
      return {
        ...check,
        verdict: 'n/a',
        reason: raw === undefined ? 'no raw run' : 'raw run failed',
      };
    }
    if (!rule.ratioOk(ratio)) return fail(`ratio ${ratio.toFixed(2)} misses ${rule.target}`);
  }
  return check;
}
