import type { MessageEvent } from './events.js';

/** Fixed-size ring of the most recent public messages. */
export class HistoryRing {
  private readonly items: Array<MessageEvent | undefined>;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array(Math.max(0, capacity));
  }

  push(event: MessageEvent): void {
    if (this.capacity === 0) return;
    this.items[this.next] = event;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** The last `n` messages, oldest first. */
  recent(n: number = this.capacity): MessageEvent[] {
    const take = Math.max(0, Math.min(n, this.count));
    const out: MessageEvent[] = new Array(take);
    let index = (this.next - take + this.capacity) % this.capacity;
    for (let i = 0; i < take; i++) {
      out[i] = this.items[index]!;
      index = (index + 1) % this.capacity;
    }
    return out;
  }

  get size(): number {
    return this.count;
  }
}
