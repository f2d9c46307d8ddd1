import { emptyResult, type RunResult } from '../src/run-result.js';
import type { ScenarioId, TargetId, Transport } from '../src/scenarios.js';

/** A finished run with the given figures; everything else empty. */
export function result(
  scenario: ScenarioId,
  transport: Transport,
  target: TargetId,
  figures: Partial<RunResult> = {},
): RunResult {
  return { ...emptyResult(scenario, transport, target, target), ...figures };
}

export const noLoss = { expected: 100, received: 100, lost: 0, duplicates: 0, outOfOrder: 0 };

export function latency(p99Ms: number) {
  return { count: 100, p50Ms: p99Ms / 2, p99Ms, p999Ms: p99Ms, maxMs: p99Ms, meanMs: p99Ms / 2 };
}

export function server(cpuUsPerDelivery: number | null) {
  return { cpuS: 1, cpuUserS: 0.5, cpuSystemS: 0.5, cpuUsPerDelivery, rssMb: 70, peakRssMb: 80 };
}

export function idle(kbPerConnection: number, kbPerConnectionAt3s = kbPerConnection) {
  return {
    baselineRssKb: 50_000,
    rssKb: 60_000,
    rssKbAtQuiet: 70_000,
    rssKbAt3s: 75_000,
    kbPerConnectionAt3s,
    kbPerConnection,
    settled: true,
    settleS: 1,
    heldS: 40,
  };
}

export function storm(joinedS: number, cpuS = joinedS) {
  return { joinedS, cpuS, quietS: joinedS + 1, cpuToQuietS: cpuS + 1, settled: true };
}
