/**
 * The newest `capacity` items, oldest first, with O(1) amortised `push`: the array is cut
 * once its dropped head is as long as the capacity, instead of `shift()`ing every push (an
 * O(capacity) move per event that showed in join-storm profiles).
 */
export class BoundedLog<T> {
  private items: T[] = [];
  private head = 0;

  constructor(readonly capacity: number) {}

  push(item: T): void {
    if (this.capacity <= 0) return;
    this.items.push(item);
    if (this.items.length - this.head > this.capacity) this.head++;
    if (this.head >= this.capacity) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** The oldest item kept, if any. */
  first(): T | undefined {
    return this.size > 0 ? this.items[this.head] : undefined;
  }

  /** The items kept, oldest first (a copy). */
  toArray(): T[] {
    return this.items.slice(this.head);
  }

  /** The kept items that pass `keep`, oldest first. */
  filter(keep: (item: T) => boolean): T[] {
    const out: T[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i]!;
      if (keep(item)) out.push(item);
    }
    return out;
  }
}
