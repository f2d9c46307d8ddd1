import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, recordMicros, summarizeLatency } from '../src/latency.js';

describe('latency > summarizeLatency', () => {
  it('reports percentiles in milliseconds from microsecond samples', () => {
    const histogram = createLatencyHistogram();
    for (let i = 1; i <= 1000; i++) recordMicros(histogram, i * 10); // 10 µs … 10 ms
    const summary = summarizeLatency(histogram);
    expect(summary.count).toBe(1000);
    expect(summary.p50Ms).toBeCloseTo(5, 1);
    expect(summary.p99Ms).toBeCloseTo(9.9, 1);
    expect(summary.p999Ms).toBeCloseTo(9.99, 1);
    expect(summary.maxMs).toBeCloseTo(10, 1);
    expect(summary.meanMs).toBeCloseTo(5.005, 1);
  });

  it('puts a rare outlier in the max and the tail, not the median', () => {
    const histogram = createLatencyHistogram();
    for (let i = 0; i < 999; i++) recordMicros(histogram, 1000);
    recordMicros(histogram, 250_000);
    const summary = summarizeLatency(histogram);
    expect(summary.p50Ms).toBeCloseTo(1, 2);
    expect(summary.p99Ms).toBeCloseTo(1, 2);
    expect(summary.maxMs).toBeCloseTo(250, 0);
  });

  it('is all zeros when nothing was recorded', () => {
    expect(summarizeLatency(createLatencyHistogram())).toEqual({
      count: 0,
      p50Ms: 0,
      p99Ms: 0,
      p999Ms: 0,
      maxMs: 0,
      meanMs: 0,
    });
  });

  it('clamps values outside the histogram range instead of throwing', () => {
    const histogram = createLatencyHistogram();
    recordMicros(histogram, -5);
    recordMicros(histogram, 1e12);
    const summary = summarizeLatency(histogram);
    expect(summary.count).toBe(2);
    expect(summary.maxMs).toBeCloseTo(60_000, -2);
  });
});
