import { TokenBucket } from './limits.js';

export interface ConnectionGateOptions {
  /** Connections open at once across every transport sharing this gate. */
  maxConnections: number;
  /** Connections open at once from one remote address. */
  maxPerAddress: number;
  /** A connection that must send a name and has not after this long is closed. */
  nameTimeoutMs: number;
  /**
   * New connections one address may open at once, and per second after that: every join on
   * WebSocket and TCP is a new connection, so this bounds join/leave churn (docs/limits.md).
   */
  connectBurstPerAddress: number;
  connectsPerSecondPerAddress: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionGateOptions> = Object.freeze({
  maxConnections: 10_000,
  maxPerAddress: 64,
  nameTimeoutMs: 30_000,
  connectBurstPerAddress: 64,
  connectsPerSecondPerAddress: 16,
});

/** Why `admit` refused: the total cap, the per-address cap, or the per-address connect rate. */
export type GateRefusal = 'total' | 'per_address' | 'connect_rate';

/** How often idle addresses' connect buckets are forgotten. */
const PRUNE_EVERY_MS = 1000;

/**
 * Admission control shared by transports: a total cap, a per-address cap and a per-address
 * connect rate. No I/O; a transport calls `admit` on accept and the returned release exactly
 * once on close.
 */
export class ConnectionGate {
  readonly options: Readonly<ConnectionGateOptions>;
  private total = 0;
  private readonly perAddress = new Map<string, number>();
  private readonly perTransport = new Map<string, number>();
  private readonly connectBuckets = new Map<string, TokenBucket>();
  private lastPrune: number;
  private readonly refusals: Record<GateRefusal, number> = {
    total: 0,
    per_address: 0,
    connect_rate: 0,
  };

  constructor(
    options: Partial<ConnectionGateOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = Object.freeze({ ...DEFAULT_CONNECTION_LIMITS, ...options });
    this.lastPrune = now();
  }

  /** Addresses whose connect rate is being tracked (bounded: quiet ones are forgotten). */
  get trackedAddresses(): number {
    return this.connectBuckets.size;
  }

  get open(): number {
    return this.total;
  }

  /** Open connections by transport label (for metrics). */
  openByTransport(): Record<string, number> {
    return Object.fromEntries(this.perTransport);
  }

  /** Connections refused so far, by cap (for metrics). */
  get refused(): Readonly<Record<GateRefusal, number>> {
    return this.refusals;
  }

  /**
   * Admits a connection from `address` over `transport` (a label such as `ws` or `tcp:line`),
   * or returns the reason it is refused. On success returns a release function that is safe
   * to call more than once.
   */
  admit(
    address: string,
    transport = 'unknown',
  ): { ok: true; release: () => void } | { ok: false; code: GateRefusal; reason: string } {
    if (this.total >= this.options.maxConnections) {
      this.refusals.total++;
      return { ok: false, code: 'total', reason: 'Server is full: too many connections.' };
    }
    const count = this.perAddress.get(address) ?? 0;
    if (count >= this.options.maxPerAddress) {
      this.refusals.per_address++;
      return {
        ok: false,
        code: 'per_address',
        reason: 'Too many connections from your address.',
      };
    }
    if (!this.connectBucket(address).take()) {
      this.refusals.connect_rate++;
      return {
        ok: false,
        code: 'connect_rate',
        reason: 'Connecting too fast from your address; try again shortly.',
      };
    }
    this.total++;
    this.perAddress.set(address, count + 1);
    this.pruneQuietAddresses();
    this.perTransport.set(transport, (this.perTransport.get(transport) ?? 0) + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = (this.perAddress.get(address) ?? 1) - 1;
        if (left === 0) this.perAddress.delete(address);
        else this.perAddress.set(address, left);
        this.perTransport.set(transport, (this.perTransport.get(transport) ?? 1) - 1);
      },
    };
  }

  private connectBucket(address: string): TokenBucket {
    let bucket = this.connectBuckets.get(address);
    if (bucket === undefined) {
      const { connectBurstPerAddress: burst, connectsPerSecondPerAddress: rate } = this.options;
      bucket = new TokenBucket(burst, rate, this.now);
      this.connectBuckets.set(address, bucket);
    }
    return bucket;
  }

  /** A full bucket of an address with nothing open says nothing a new bucket would not. */
  private pruneQuietAddresses(): void {
    const now = this.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    for (const [address, bucket] of this.connectBuckets) {
      if (bucket.full && !this.perAddress.has(address)) this.connectBuckets.delete(address);
    }
  }
}
