/** Something that can be pinged and dropped when it stops answering. */
export interface Pingable {
  /** Called once per interval: drop the peer if it missed the last ping, else ping again. */
  beat(): void;
}

/**
 * One interval for every connection of a gateway (not a timer per socket). A peer that has
 * not answered a ping by the next tick is dropped, so a dead peer goes within two intervals.
 */
export class Heartbeat<T extends Pingable> {
  private readonly members = new Set<T>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(readonly intervalMs: number) {
    this.timer = setInterval(this.tick, intervalMs);
    this.timer.unref();
  }

  add(item: T): void {
    this.members.add(item);
  }

  delete(item: T): void {
    this.members.delete(item);
  }

  stop(): void {
    clearInterval(this.timer);
    this.members.clear();
  }

  private readonly tick = (): void => {
    for (const item of this.members) {
      try {
        item.beat();
      } catch {
        // beat owns its errors; keep beating the others.
      }
    }
  };
}
