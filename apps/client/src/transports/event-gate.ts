import type { ChatEvent } from '../chat-connection.js';

/**
 * Holds events that arrive while joining, so the welcome is printed first; `open()` releases
 * them on the next macrotask (after the caller has printed the welcome) and lets later ones
 * through at once.
 */
export class EventGate {
  #held: ChatEvent[] | undefined = [];

  constructor(private readonly deliver: (event: ChatEvent) => void) {}

  emit(event: ChatEvent): void {
    if (this.#held !== undefined) this.#held.push(event);
    else this.deliver(event);
  }

  open(): void {
    setImmediate(() => {
      const held = this.#held ?? [];
      this.#held = undefined;
      for (const event of held) this.deliver(event);
    });
  }
}
