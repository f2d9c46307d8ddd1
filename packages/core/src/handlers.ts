import type { MessageEvent } from './events.js';
import type { Logger } from './log.js';

/**
 * The group_terminal handler shape: called for each public chat message, in `seq` order, with
 * the name of the room it was said in last (handlers written for one room ignore it).
 */
export type MessageHandler = (
  content: string,
  username: string,
  event: MessageEvent,
  room: string,
) => void | Promise<void>;

/**
 * Runs handlers serially: for each message, every handler in registration order, awaited;
 * the next message starts only after the previous one's handlers finished. A handler that
 * throws or rejects is logged with the event's seq and does not stop anything else.
 * Runs off the delivery path: enqueue never waits.
 */
export class HandlerQueue {
  private readonly handlers: MessageHandler[] = [];
  private readonly queue: MessageEvent[] = [];
  private head = 0;
  private running = false;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly log: Logger,
    private readonly room = '',
  ) {}

  add(handler: MessageHandler): () => void {
    this.handlers.push(handler);
    return () => {
      const index = this.handlers.indexOf(handler);
      if (index >= 0) this.handlers.splice(index, 1);
    };
  }

  get size(): number {
    return this.handlers.length;
  }

  /** Messages waiting for or in handler dispatch. */
  get backlog(): number {
    return this.queue.length - this.head + (this.running ? 1 : 0);
  }

  enqueue(event: MessageEvent): void {
    if (this.handlers.length === 0 || this.stopped) return;
    this.queue.push(event);
    if (!this.running) void this.drain();
  }

  /** Resolves once every queued message has been handled. */
  idle(): Promise<void> {
    if (this.backlog === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * No handler call starts after this (a drain that ran out of time): queued messages are
   * dropped and their count returned; a call already running is left to finish.
   */
  stop(): number {
    this.stopped = true;
    const dropped = this.queue.length - this.head;
    this.queue.length = 0;
    this.head = 0;
    if (!this.running) this.settleIdle();
    return dropped;
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.head < this.queue.length) {
      const event = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as MessageEvent;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      for (const handler of [...this.handlers]) {
        if (this.stopped) break;
        try {
          await handler(event.content, event.sender, event, this.room);
        } catch (err) {
          this.log.error({ err, seq: event.seq, sender: event.sender }, 'message handler failed');
        }
      }
    }
    this.queue.length = 0;
    this.head = 0;
    this.running = false;
    this.settleIdle();
  }

  private settleIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
