import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DisconnectReason, Member, RoomEvent, Session } from '@chatgate/core';
import { onTestFinished } from 'vitest';

export const WAIT_MS = 8000;

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const CLIENT_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/**
 * The tests run the built bin, as users do. `npm test` builds everything first; when this
 * project runs alone (`npx vitest run --project client`) an incremental `tsc -b` brings
 * dist up to date (a no-op when it already is).
 */
export function ensureBuilt(): void {
  const result = spawnSync('npx', ['tsc', '-b', 'apps/client'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (result.status !== 0 || !existsSync(CLIENT_MAIN)) {
    throw new Error(`building apps/client failed:\n${result.stdout}\n${result.stderr}`);
  }
}

/** Resolves with the first value `take` returns that is not undefined, or rejects after `ms`. */
export function waitFor<T>(
  subscribe: (check: () => void) => () => void,
  take: () => T | undefined,
  what: string,
  ms = WAIT_MS,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const check = () => {
      const value = take();
      if (value === undefined) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    };
    unsubscribe = subscribe(check);
    check();
  });
}

/** Something that calls its listeners when it changes. */
export class Signal {
  readonly #listeners = new Set<() => void>();
  subscribe = (check: () => void): (() => void) => {
    this.#listeners.add(check);
    return () => this.#listeners.delete(check);
  };
  fire(): void {
    for (const listener of Array.from(this.#listeners)) listener();
  }
}

/** The terminal client as a child process with piped stdin/stdout. */
export class ClientProcess {
  readonly lines: string[] = [];
  stderr = '';
  exitCode: number | null | undefined;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #changed = new Signal();
  #partial = '';

  constructor(args: string[]) {
    this.#child = spawn(process.execPath, [CLIENT_MAIN, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    this.#child.stdout.setEncoding('utf8');
    this.#child.stdout.on('data', (chunk: string) => {
      const parts = (this.#partial + chunk).split('\n');
      this.#partial = parts.pop() ?? '';
      this.lines.push(...parts);
      this.#changed.fire();
    });
    this.#child.stderr.setEncoding('utf8');
    this.#child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
      this.#changed.fire();
    });
    this.#child.stdin.on('error', () => {});
    this.#child.on('exit', (code) => {
      this.exitCode = code;
      this.#changed.fire();
    });
    onTestFinished(() => {
      if (this.exitCode === undefined) this.#child.kill();
    });
  }

  write(line: string): void {
    this.#child.stdin.write(`${line}\n`);
  }

  endInput(): void {
    this.#child.stdin.end();
  }

  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Waits for a stdout line matching `pattern` at index `from` or later; returns its index. */
  line(pattern: string | RegExp, from = 0): Promise<number> {
    const matches = (line: string) =>
      typeof pattern === 'string' ? line === pattern : pattern.test(line);
    return waitFor(
      this.#changed.subscribe,
      () => {
        const index = this.lines.findIndex((line, i) => i >= from && matches(line));
        return index === -1 ? undefined : index;
      },
      `stdout line ${String(pattern)} (got: ${JSON.stringify(this.lines)}, stderr: ${this.stderr})`,
    );
  }

  exited(): Promise<number | null> {
    return waitFor(
      this.#changed.subscribe,
      () => (this.exitCode === undefined ? undefined : { code: this.exitCode }),
      `exit (stdout: ${JSON.stringify(this.lines)}, stderr: ${this.stderr})`,
    ).then((e) => e.code);
  }
}

/** A member of the room in this process, recording what the room delivers to it. */
export class Observer implements Session<null> {
  readonly dialect = { name: 'observer', encode: () => null };
  readonly bufferedBytes = 0;
  readonly events: RoomEvent[] = [];
  readonly #changed = new Signal();

  deliver(event: RoomEvent, _frame: null, _self: Member): void {
    this.events.push(event);
    this.#changed.fire();
  }

  close(_reason: DisconnectReason): void {}

  next(match: (event: RoomEvent) => boolean, what: string): Promise<RoomEvent> {
    return waitFor(this.#changed.subscribe, () => this.events.find(match), what);
  }

  message(content: string): Promise<RoomEvent> {
    return this.next((e) => e.kind === 'message' && e.content === content, `message ${content}`);
  }

  left(name: string): Promise<RoomEvent> {
    return this.next((e) => e.kind === 'leave' && e.name === name, `${name} leaving`);
  }
}
