import type { RunResult } from './run-result.js';
import { RAW_FOR, type ScenarioId, type Transport } from './scenarios.js';

/** One DESIGN §5 target, judged from a chatgate result and its raw ceiling. */
export interface Check {
  scenario: ScenarioId;
  transport: Transport;
  metric: string;
  chatgate: number | null;
  raw: number | null;
  /** chatgate ÷ raw. */
  ratio: number | null;
  target: string;
  verdict: 'pass' | 'fail' | 'n/a';
  reason: string | null;
}

export const LATENCY_P99_TARGET_MS = 10;
export const EFFICIENCY_MAX_RATIO = 1.25;
export const CLOSED_LOOP_MIN_RATIO = 0.8;
export const IDLE_MEMORY_MAX_RATIO = 1.5;

interface Rule {
  metric: string;
  target: string;
  value(r: RunResult): number | null;
  /** Judges the ratio; absent when the target is absolute. */
  ratioOk?(ratio: number): boolean;
  /** Absolute conditions on the chatgate result; returns why it fails, or null. */
  absolute?(r: RunResult): string | null;
}

const noLoss = (r: RunResult): string | null => {
  const lost = r.loss?.lost ?? 0;
  return lost > 0 ? `${lost} deliveries lost` : null;
};

const RULES: Record<ScenarioId, Rule> = {
  latency: {
    metric: 'p99 latency (ms)',
    target: `≤ ${LATENCY_P99_TARGET_MS} ms, no loss`,
    value: (r) => r.latency?.p99Ms ?? null,
    absolute: (r) => {
      const p99 = r.latency?.p99Ms ?? Infinity;
      if (p99 > LATENCY_P99_TARGET_MS) return `p99 ${p99} ms over ${LATENCY_P99_TARGET_MS} ms`;
      return noLoss(r);
    },
  },
  efficiency: {
    metric: 'server CPU µs/delivery',
    target: `≤ ${EFFICIENCY_MAX_RATIO}× raw, no loss`,
    value: (r) => r.server?.cpuUsPerDelivery ?? null,
    ratioOk: (ratio) => ratio <= EFFICIENCY_MAX_RATIO,
    absolute: noLoss,
  },
  'closed-loop': {
    metric: 'deliveries/s',
    target: `≥ ${CLOSED_LOOP_MIN_RATIO}× raw`,
    value: (r) => (r.deliveries > 0 ? r.deliveriesPerSec : null),
    ratioOk: (ratio) => ratio >= CLOSED_LOOP_MIN_RATIO,
  },
  'idle-memory': {
    metric: 'RSS KB/connection',
    target: `≤ ${IDLE_MEMORY_MAX_RATIO}× raw, all held`,
    value: (r) => r.idle?.kbPerConnection ?? null,
    ratioOk: (ratio) => ratio <= IDLE_MEMORY_MAX_RATIO,
    absolute: (r) =>
      r.connections < r.wanted ? `held ${r.connections} of ${r.wanted} connections` : null,
  },
  'mixed-room': {
    metric: 'messages in one order',
    target: 'one order, no loss',
    value: (r) => r.order?.messages ?? null,
    absolute: (r) => {
      if (r.order === null) return 'order not recorded';
      if (!r.order.ok) return r.order.problem;
      return noLoss(r);
    },
  },
};

/** The chatgate-vs-ceiling checks for every chatgate result present, in result order. */
export function buildChecks(results: ReadonlyArray<RunResult>): Check[] {
  const checks: Check[] = [];
  for (const cg of results) {
    if (cg.target !== 'chatgate') continue;
    const rule = RULES[cg.scenario];
    const raw =
      cg.transport === 'mixed'
        ? undefined
        : results.find(
            (r) =>
              r.scenario === cg.scenario &&
              r.transport === cg.transport &&
              r.target === RAW_FOR[cg.transport as Exclude<Transport, 'mixed'>],
          );
    checks.push(judge(rule, cg, raw));
  }
  return checks;
}

function judge(rule: Rule, cg: RunResult, raw: RunResult | undefined): Check {
  const chatgate = cg.status === 'ok' ? rule.value(cg) : null;
  const rawValue = raw?.status === 'ok' ? rule.value(raw) : null;
  const ratio = chatgate !== null && rawValue !== null && rawValue > 0 ? chatgate / rawValue : null;
  const check: Check = {
    scenario: cg.scenario,
    transport: cg.transport,
    metric: rule.metric,
    chatgate,
    raw: rawValue,
    ratio,
    target: rule.target,
    verdict: 'pass',
    reason: null,
  };
  const fail = (reason: string): Check => ({ ...check, verdict: 'fail', reason });
  if (cg.status !== 'ok') return fail(cg.error ?? 'run failed');
  if (chatgate === null) return fail('no measurement');
  const absolute = rule.absolute?.(cg) ?? null;
  if (absolute !== null) return fail(absolute);
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
