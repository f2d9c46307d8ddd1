/** Per-room limits. Each field bounds one cost; defaults are in docs/limits.md. */
export interface RoomLimits {
  /** Longest accepted message, in characters (code points). Longer is refused, not cut. */
  maxTextChars: number;
  /** Public messages kept for /history and replay. */
  historySize: number;
  /** Token bucket burst: messages a member may send at once. */
  rateBurst: number;
  /** Token bucket refill, messages per second. */
  ratePerSecond: number;
  /**
   * Refused messages after which the member is disconnected as flooding. The count starts
   * again only once the member's bucket has refilled completely, so a client that keeps
   * sending at twice the rate is disconnected too, while an occasional burst is not.
   */
  floodDisconnectAfter: number;
  /** Unsent output, in bytes, past which a member is disconnected as `too_slow`. */
  maxBufferedBytes: number;
  /** Names per `/users` answer: a larger room is listed a page at a time (`/users PAGE`). */
  usersPageSize: number;
  /** Rooms one connection may be in at once, the default room included. */
  roomsPerMember: number;
  /** Rooms with members, across every node, the default room included. */
  maxRooms: number;
}

export const DEFAULT_LIMITS: Readonly<RoomLimits> = Object.freeze({
  maxTextChars: 4000,
  historySize: 100,
  rateBurst: 20,
  ratePerSecond: 10,
  floodDisconnectAfter: 50,
  maxBufferedBytes: 1024 * 1024,
  usersPageSize: 500,
  roomsPerMember: 20,
  maxRooms: 1000,
});

/** Token bucket; `now` is injectable so tests need no clocks. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** True when the bucket has refilled completely: the sender has been calm for a while. */
  get full(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  /** Takes one token if available. */
  take(): boolean {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
      this.last = now;
    }
  }
}
