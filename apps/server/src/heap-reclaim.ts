import { Session } from 'node:inspector';
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** What a reclaimer reads and does; the default is this process (tests pass their own). */
export interface HeapProbe {
  /** Bytes the V8 heap holds from the OS (committed), garbage included. */
  heapBytes(): number;
  /** Event-loop utilisation (0–1) since the previous call. */
  busy(): number;
  /** One full collection that also shrinks the heap and hands free pages back. */
  collect(): Promise<void>;
}

export interface HeapReclaimOptions {
  /** Heap growth since the last reclaim (or start) that makes one worth doing, in bytes. */
  growthBytes: number;
  /** How often to look, in ms. */
  intervalMs?: number;
  /**
   * The burst counts as over when the heap did not grow over one interval and the event loop
   * was busy less than this share of it.
   */
  quietBelow?: number;
  /** Shortest time between two reclaims, in ms: a steady churn pays for at most one a while. */
  minGapMs?: number;
  /** Told after each reclaim: heap bytes before and after, and how long the pause was. */
  onReclaim?: (before: number, after: number, ms: number) => void;
}

/** Growth over one interval below this counts as standing still. */
const GROWING_BYTES = 1024 * 1024;

export const HEAP_RECLAIM_DEFAULTS = { intervalMs: 500, quietBelow: 0.5, minGapMs: 5_000 };

/**
 * V8 keeps the heap it grew during a burst (a join storm leaves ~5 KB of garbage and grown
 * young space per member) and gives it back only after tens of idle seconds. Once a burst has
 * grown the heap by `growthBytes` and is over (the heap stopped growing, the event loop is
 * mostly idle), this asks for the memory-reducing collection V8's idle reducer would make
 * later, at once (docs/limits.md, "Memory"). A busy process is never paused.
 */
export class HeapReclaimer {
  private readonly options: Required<Omit<HeapReclaimOptions, 'onReclaim'>> &
    Pick<HeapReclaimOptions, 'onReclaim'>;
  private baseline = 0;
  /** The heap at the previous look: a heap still growing means the burst is not over. */
  private previous = 0;
  private lastReclaimAt = Number.NEGATIVE_INFINITY;
  private collecting = false;
  /** Set when collecting failed (no inspector in this build): the heap is left to V8. */
  private unavailable = false;
  private timer: NodeJS.Timeout | undefined;
  /** Reclaims done. */
  reclaims = 0;

  constructor(
    options: HeapReclaimOptions,
    private readonly probe: HeapProbe = processHeapProbe(),
  ) {
    this.options = { ...HEAP_RECLAIM_DEFAULTS, ...options };
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.baseline = this.probe.heapBytes();
    this.previous = this.baseline;
    this.probe.busy();
    this.timer = setInterval(() => void this.check(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look: reclaims when the heap grew enough and the loop was quiet. True if it did. */
  async check(now: number = performance.now()): Promise<boolean> {
    const heap = this.probe.heapBytes();
    const busy = this.probe.busy();
    // Idle noise moves the committed heap by a page or two; a burst by megabytes.
    const growing = heap > this.previous + GROWING_BYTES;
    this.previous = heap;
    // V8 may shrink the heap by itself; growth counts from the smallest size seen since.
    if (heap < this.baseline) this.baseline = heap;
    if (
      this.unavailable ||
      this.collecting ||
      heap - this.baseline < this.options.growthBytes ||
      growing ||
      busy >= this.options.quietBelow ||
      now - this.lastReclaimAt < this.options.minGapMs
    ) {
      return false;
    }
    this.collecting = true;
    const started = performance.now();
    try {
      await this.probe.collect();
    } catch {
      this.unavailable = true;
      this.stop();
      return false;
    } finally {
      this.collecting = false;
    }
    this.baseline = this.probe.heapBytes();
    this.previous = this.baseline;
    this.lastReclaimAt = now;
    this.reclaims++;
    this.options.onReclaim?.(heap, this.baseline, performance.now() - started);
    return true;
  }
}

/** This process: V8's committed heap, event-loop utilisation, and the inspector's collection. */
export function processHeapProbe(): HeapProbe {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return {
    heapBytes: () => getHeapStatistics().total_heap_size,
    busy() {
      const now = performance.eventLoopUtilization();
      const delta = performance.eventLoopUtilization(now, last);
      last = now;
      return delta.utilization;
    },
    collect: collectAllGarbage,
  };
}

/**
 * HeapProfiler.collectGarbage through an in-process inspector session (no port is opened):
 * unlike `gc()` it is V8's memory-reducing collection, which also shrinks the young space.
 */
function collectAllGarbage(): Promise<void> {
  return new Promise((resolve, reject) => {
    const session = new Session();
    session.connect();
    session.post('HeapProfiler.collectGarbage', (err) => {
      // Disconnecting inside the callback stalls Node 20's inspector; after this turn it does not.
      setImmediate(() => session.disconnect());
      if (err) reject(err);
      else resolve();
    });
  });
}
