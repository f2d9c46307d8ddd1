import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

export const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Waits for `predicate` to hold on each new chunk of a growing buffer, with a timeout. */
export function waitFor<T>(
  subscribe: (check: () => void) => () => void,
  predicate: () => T | undefined,
  what: string,
  ms = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let stop = () => {};
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const check = () => {
      let value: T | undefined;
      try {
        value = predicate();
      } catch (err) {
        clearTimeout(timer);
        stop();
        reject(err);
        return;
      }
      if (value !== undefined) {
        clearTimeout(timer);
        stop();
        resolve(value);
      }
    };
    stop = subscribe(check);
    check();
  });
}

export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function spawnNode(args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => out, stderr: () => err, exited };
}

export type Ports = Record<string, number>;

/** Starts the real `chatgate` binary with every listener on a free port. */
export async function startChatgate(extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const server = spawnNode(
    [
      MAIN,
      '--http-port=0',
      '--gt-port=0',
      '--line-port=0',
      '--at-port=0',
      '--peer-port=0',
      '--log-level=info',
      ...extra,
    ],
    env,
  );
  // Registered before waiting, so a server that never gets ready is still killed.
  onTestFinished(() => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  });
  const ports = await listening(server);
  return { ...server, ports };
}

/** Waits for a spawned chatgate's `listening` log line; rejects if it exits first. */
export function listening(server: Spawned): Promise<Ports> {
  return waitFor(
    (check) => {
      server.child.stdout!.on('data', check);
      server.child.on('exit', check);
      return () => {
        server.child.stdout!.off('data', check);
        server.child.off('exit', check);
      };
    },
    () => {
      if (server.child.exitCode !== null) throw new Error(`chatgate exited: ${server.stderr()}`);
      for (const line of server.stdout().split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line);
        if (entry.msg === 'listening' && entry.ports) return entry.ports as Ports;
      }
      return undefined;
    },
    'chatgate to listen',
  );
}
