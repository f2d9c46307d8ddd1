import { build, type Histogram } from 'hdr-histogram-js';

export type { Histogram };

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

/** Histogram of latencies in microseconds, 1 µs to 60 s at 3 significant digits. */
export function createLatencyHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

/** Records one latency; values outside the histogram's range are clamped, never thrown. */
export function recordMicros(histogram: Histogram, micros: number): void {
  histogram.recordValue(Math.min(60_000_000, Math.max(1, Math.round(micros))));
}

const toMs = (micros: number) => Math.round(micros) / 1000;

export function summarizeLatency(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) {
    return { count: 0, p50Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0, meanMs: 0 };
  }
  return {
    count: histogram.totalCount,
    p50Ms: toMs(histogram.getValueAtPercentile(50)),
    p99Ms: toMs(histogram.getValueAtPercentile(99)),
    p999Ms: toMs(histogram.getValueAtPercentile(99.9)),
    maxMs: toMs(histogram.maxValue),
    meanMs: toMs(histogram.mean),
  };
}
