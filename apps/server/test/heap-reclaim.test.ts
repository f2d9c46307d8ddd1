import { connect, type Socket } from 'node:net';
import { getHeapStatistics } from 'node:v8';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type HeapProbe, HeapReclaimer, processHeapProbe } from '../src/heap-reclaim.js';
import { startChatgate, waitFor } from './helpers.js';

const MB = 1024 * 1024;

/** A probe whose readings the test sets; counts the collections asked for. */
function scriptedProbe(heapMb: number) {
  const state = { heapMb, busy: 0, collections: 0, afterCollectMb: heapMb, fail: false };
  const probe: HeapProbe = {
    heapBytes: () => state.heapMb * MB,
    busy: () => state.busy,
    async collect() {
      if (state.fail) throw new Error('no inspector');
      state.collections++;
      state.heapMb = state.afterCollectMb;
    },
  };
  return { state, probe };
}

describe('HeapReclaimer policy', () => {
  it('reclaims once the heap grew by the threshold and the burst is over, not before', async () => {
    const { state, probe } = scriptedProbe(50);
    const reclaimer = new HeapReclaimer({ growthBytes: 16 * MB, minGapMs: 0 }, probe);
    reclaimer.start();
    onTestFinished(() => reclaimer.stop());

    state.heapMb = 65;
    expect(await reclaimer.check(1)).toBe(false); // 15 MB of growth: not enough
    state.heapMb = 90;
    expect(await reclaimer.check(2)).toBe(false); // grown enough, but still growing
    state.busy = 0.9;
    expect(await reclaimer.check(3)).toBe(false); // stopped growing, but the loop is busy
    state.busy = 0.05;
    state.afterCollectMb = 55;
    expect(await reclaimer.check(4)).toBe(true);
    expect(state.collections).toBe(1);
    expect(reclaimer.reclaims).toBe(1);
    // Growth now counts from the reclaimed size.
    state.heapMb = 70;
    expect(await reclaimer.check(5)).toBe(false);
    expect(await reclaimer.check(6)).toBe(false);
    state.heapMb = 72;
    expect(await reclaimer.check(7)).toBe(false);
    expect(await reclaimer.check(8)).toBe(true);
    expect(state.collections).toBe(2);
  });

  it('counts growth from the smallest heap seen, so V8 shrinking it does not hide a burst', async () => {
    const { state, probe } = scriptedProbe(80);
    const reclaimer = new HeapReclaimer({ growthBytes: 16 * MB, minGapMs: 0 }, probe);
    reclaimer.start();
    onTestFinished(() => reclaimer.stop());
    state.heapMb = 40; // V8's own reducer ran
    expect(await reclaimer.check(1)).toBe(false);
    state.heapMb = 60; // under 80 + 16, but 20 over 40
    expect(await reclaimer.check(2)).toBe(false); // still growing
    expect(await reclaimer.check(3)).toBe(true);
  });

  it('waits minGapMs between reclaims, and stops for good when collecting fails', async () => {
    const { state, probe } = scriptedProbe(10);
    const told: Array<[number, number]> = [];
    const reclaimer = new HeapReclaimer(
      {
        growthBytes: 1 * MB,
        minGapMs: 1000,
        onReclaim: (before, after) => told.push([before / MB, after / MB]),
      },
      probe,
    );
    reclaimer.start();
    onTestFinished(() => reclaimer.stop());
    state.heapMb = 20;
    state.afterCollectMb = 12;
    expect(await reclaimer.check(4000)).toBe(false); // growing
    expect(await reclaimer.check(5000)).toBe(true);
    expect(told).toEqual([[20, 12]]);
    state.heapMb = 30;
    expect(await reclaimer.check(5200)).toBe(false); // growing
    expect(await reclaimer.check(5500)).toBe(false); // too soon
    state.fail = true;
    expect(await reclaimer.check(6000)).toBe(false);
    state.fail = false;
    expect(await reclaimer.check(7000)).toBe(false); // stopped: never again
    expect(state.collections).toBe(1);
  });
});

describe('HeapReclaimer on this process', () => {
  it("a reclaim hands a burst's garbage back: V8's committed heap shrinks", async () => {
    // The real heap and the real collection; only the event-loop reading is fixed at idle, so
    // a test machine busy with other suites cannot hold the reclaim off.
    const real = processHeapProbe();
    const probe: HeapProbe = { heapBytes: real.heapBytes, busy: () => 0, collect: real.collect };
    const reclaimer = new HeapReclaimer({ growthBytes: 32 * MB, minGapMs: 0 }, probe);
    reclaimer.start();
    reclaimer.stop(); // the test makes each look itself
    // A burst: ~100 MB of short-lived objects that live long enough to reach the old space.
    let burst: Array<{ n: number; s: string }> | null = [];
    for (let i = 0; i < 1_000_000; i++) burst.push({ n: i, s: `member-${i}` });
    const grown = getHeapStatistics().total_heap_size;
    burst = null;
    expect(burst).toBeNull();
    expect(await reclaimer.check()).toBe(false); // grown, but still growing since the last look
    expect(await reclaimer.check()).toBe(true);
    expect(reclaimer.reclaims).toBe(1);
    expect(getHeapStatistics().total_heap_size).toBeLessThan(grown - 32 * MB);
  });
});

describe('chatgate --heap-reclaim-mb', () => {
  it('after a join burst, the binary logs the reclaim and counts it in /metrics', async () => {
    const server = await startChatgate([
      '--heap-reclaim-mb=2',
      '--max-per-address=100000',
      '--connect-burst-per-address=100000',
      '--connect-rate-per-address=100000',
    ]);
    // From here on (a busy test machine may also let it come mid-burst, or right after start-up).
    const mark = server.stdout().length;
    const sockets: Socket[] = [];
    onTestFinished(() => {
      for (const socket of sockets) socket.destroy();
    });
    // 2,000 line members, 200 connecting at a time (more would overflow the listen backlog).
    const total = 2000;
    let started = 0;
    let greeted = 0;
    await new Promise<void>((resolve, reject) => {
      const open = () => {
        const socket = connect({ port: server.ports.line!, host: '127.0.0.1' });
        sockets.push(socket);
        started++;
        socket.once('data', () => {
          if (++greeted === total) resolve();
          else if (started < total) open();
        });
        socket.on('error', reject);
      };
      for (let i = 0; i < 200; i++) open();
    });
    const line = await waitFor(
      (check) => {
        server.child.stdout!.on('data', check);
        return () => server.child.stdout!.off('data', check);
      },
      () =>
        server
          .stdout()
          .slice(mark)
          .match(/\{[^\n]*returned heap memory to the OS[^\n]*\}/)?.[0],
      'the reclaim log line',
      25_000,
    );
    const entry = JSON.parse(line) as { heapMb: number; nowMb: number; pauseMs: number };
    expect(entry.heapMb).toBeGreaterThan(entry.nowMb);
    const metrics = await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text();
    expect(metrics).toMatch(/^chatgate_heap_reclaims_total [1-9]/m);
    expect(sockets.every((socket) => !socket.destroyed)).toBe(true);
  }, 45_000);

  it('0 turns it off: no reclaimer runs and /metrics has no reclaim counter', async () => {
    const server = await startChatgate(['--heap-reclaim-mb=0']);
    const metrics = await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text();
    expect(metrics).not.toContain('chatgate_heap_reclaims_total');
  });
});
