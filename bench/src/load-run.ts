import { createLatencyHistogram, type Histogram, recordMicros } from './latency.js';
import type { ParsedPayload, Phase } from './payload.js';
import { ReceiverTally } from './receiver-tally.js';

/** Order keys pack (sender, id) into one number; ids stay below this per run. */
export const ORDER_KEY_STRIDE = 10_000_000;

/**
 * One phase of load in the generator (readiness barrier, warm-up or measurement): fresh
 * tallies and histogram, so stragglers from an earlier phase never count in a later one.
 */
export class LoadRun {
  readonly tallies: ReceiverTally[];
  readonly histogram: Histogram = createLatencyHistogram();
  /** Per receiver, the (sender, id) keys in arrival order; only when order is checked. */
  readonly orders: number[][] | null;
  readonly sentPerSender: number[];
  delivered = 0;
  startedAt = 0;
  lastDeliveryAt = 0;
  /**
   * Optional latency per receiver group (the mixed room's transports): `groupOf[receiver]`
   * indexes `groupHistograms`.
   */
  groupOf: ReadonlyArray<number> | null = null;
  groupHistograms: Histogram[] = [];
  /** Called for each new delivery (closed loop uses it to pace senders). */
  onDelivery: ((sender: number, id: number) => void) | null = null;

  constructor(
    readonly phase: Phase,
    senders: number,
    receivers: number,
    recordOrder: boolean,
  ) {
    this.tallies = Array.from({ length: receivers }, () => new ReceiverTally(senders));
    this.orders = recordOrder ? Array.from({ length: receivers }, () => []) : null;
    this.sentPerSender = new Array<number>(senders).fill(0);
  }

  /** Keeps a latency histogram per group as well; `groupOf[receiver]` is 0…groups-1. */
  splitLatency(groupOf: ReadonlyArray<number>, groups: number): void {
    this.groupOf = groupOf;
    this.groupHistograms = Array.from({ length: groups }, () => createLatencyHistogram());
  }

  /** The next id for `sender`; counts it as sent. */
  nextId(sender: number): number {
    const id = this.sentPerSender[sender]!;
    this.sentPerSender[sender] = id + 1;
    return id;
  }

  get sent(): number {
    return this.sentPerSender.reduce((sum, n) => sum + n, 0);
  }

  /** Deliveries still owed: every receiver gets every message sent so far. */
  get outstanding(): number {
    return this.tallies.length * this.sent - this.delivered;
  }

  deliver(receiver: number, payload: ParsedPayload, nowMicros: number): void {
    if (payload.phase !== this.phase) return;
    const tally = this.tallies[receiver];
    if (tally === undefined || !tally.record(payload.sender, payload.id)) return;
    this.delivered++;
    this.lastDeliveryAt = nowMicros;
    recordMicros(this.histogram, nowMicros - payload.sentMicros);
    if (this.groupOf !== null) {
      const group = this.groupHistograms[this.groupOf[receiver]!];
      if (group !== undefined) recordMicros(group, nowMicros - payload.sentMicros);
    }
    this.orders?.[receiver]?.push(payload.sender * ORDER_KEY_STRIDE + payload.id);
    this.onDelivery?.(payload.sender, payload.id);
  }

  /** True once every receiver has seen message `id` (or later) from every sender. */
  allSeen(id: number): boolean {
    const senders = this.sentPerSender.length;
    for (const tally of this.tallies) {
      for (let s = 0; s < senders; s++) if (!tally.hasSeen(s, id)) return false;
    }
    return true;
  }
}
