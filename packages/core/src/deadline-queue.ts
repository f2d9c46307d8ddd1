/**
 * Items that expire a fixed delay after they are added, served by one timer for all of them
 * (not one timer per socket). Insertion order is expiry order because the delay is fixed.
 */
export class DeadlineQueue<T> {
  private readonly items = new Map<T, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly delayMs: number,
    private readonly onExpire: (item: T) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.items.size;
  }

  /** (Re)starts the item's countdown. */
  add(item: T): void {
    this.items.delete(item);
    this.items.set(item, this.now() + this.delayMs);
    if (this.timer === undefined) this.schedule();
  }

  delete(item: T): void {
    this.items.delete(item);
    if (this.items.size === 0) this.clearTimer();
  }

  /** Forgets every item without expiring them. */
  stop(): void {
    this.items.clear();
    this.clearTimer();
  }

  private schedule(): void {
    const first = this.items.values().next();
    if (first.done) return;
    const wait = Math.max(0, first.value - this.now());
    this.timer = setTimeout(this.fire, wait);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = this.now();
    for (const [item, at] of this.items) {
      if (at > now) break;
      this.items.delete(item);
      try {
        this.onExpire(item);
      } catch {
        // onExpire owns its errors; one bad item must not stop the others expiring.
      }
    }
    if (this.items.size > 0 && this.timer === undefined) this.schedule();
  };
}
