import type { Member, RoomEvent, Session } from '@chatgate/core';

/** A member on another transport, in process: it records the events the room gives it. */
export class CanarySession implements Session<null> {
  readonly dialect = { name: 'canary', encode: () => null };
  readonly bufferedBytes = 0;
  readonly texts: string[] = [];
  private waiter: { text: string; resolve: () => void } | undefined;

  deliver(event: RoomEvent, _frame: null, _self: Member): void {
    if (event.kind !== 'message') return;
    this.texts.push(event.content);
    if (this.waiter?.text === event.content) this.waiter.resolve();
  }

  close(): void {}

  heard(text: string): Promise<void> {
    if (this.texts.includes(text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`canary never heard ${text}`)), 5000);
      this.waiter = {
        text,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  }
}
