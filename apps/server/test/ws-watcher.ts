import { onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { waitFor } from './helpers.js';

export type Frame = Record<string, unknown>;

/** A WebSocket JSON client that records every frame and can wait for one. */
export class WsWatcher {
  readonly frames: Frame[] = [];
  private readonly checks = new Set<() => void>();
  closed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      this.wake();
    });
    ws.on('close', () => {
      this.closed = true;
      this.wake();
    });
    ws.on('error', () => {});
  }

  static async open(port: number, name: string): Promise<WsWatcher> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    onTestFinished(() => ws.terminate());
    const watcher = new WsWatcher(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'connect', username: name }));
    return watcher;
  }

  /** Resolves the first frame matching `test`, however long ago it came. */
  frame(test: (f: Frame) => boolean, what: string, ms = 10_000): Promise<Frame> {
    return waitFor(
      (check) => {
        this.checks.add(check);
        return () => this.checks.delete(check);
      },
      () => this.frames.find(test),
      what,
      ms,
    );
  }

  /** Waits for the join's outcome: true once welcomed, false when refused. */
  async joined(): Promise<boolean> {
    const outcome = await this.frame(
      (f) => f.type === 'welcome' || f.type === 'login_response',
      'the join outcome',
      20_000,
    );
    return outcome.type === 'welcome';
  }

  say(content: string): void {
    this.ws.send(JSON.stringify({ type: 'chat_message', content }));
  }

  /** Any client frame (join_room, part_room, chat_message with room…). */
  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  chats(): string[] {
    return this.frames
      .filter((f) => f.type === 'chat_message' && f.history !== true)
      .map((f) => String(f.content));
  }

  private wake(): void {
    for (const check of [...this.checks]) check();
  }
}
