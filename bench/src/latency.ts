import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

export type Histogram = RecordableHistogram;

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

const HIGHEST_MICROS = 60_000_000;

/**
 * Histogram of latencies in microseconds, 1 µs to 60 s at 3 significant digits: Node's own
 * HDR histogram (node:perf_hooks), so the bench needs no histogram dependency.
 */
export function createLatencyHistogram(): Histogram {
  return createHistogram({ lowest: 1, highest: HIGHEST_MICROS, figures: 3 });
}

/** Records one latency; values outside the histogram's range are clamped, never thrown. */
export function recordMicros(histogram: Histogram, micros: number): void {
  histogram.record(Math.min(HIGHEST_MICROS, Math.max(1, Math.round(micros))));
}

const toMs = (micros: number) => Math.round(micros) / 1000;

export function summarizeLatency(histogram: Histogram): LatencySummary {
  if (histogram.count === 0) {
    return { count: 0, p50Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0, meanMs: 0 };
  }
  return {
    count: histogram.count,
    p50Ms: toMs(histogram.percentile(50)),
    p99Ms: toMs(histogram.percentile(99)),
    p999Ms: toMs(histogram.percentile(99.9)),
    maxMs: toMs(histogram.max),
    meanMs: toMs(histogram.mean),
  };
}
