import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ensureOpenFiles } from './open-files.js';
import * as progress from './progress.js';

/** How to start one target: a Node script and its flags. */
export interface TargetLaunch {
  id: string;
  label: string;
  script: string;
  args: string[];
}

export interface ServerProcess {
  /** The process measured: the target's, or the daemon a launcher named (`"pid"`). */
  readonly pid: number;
  readonly ports: Record<string, number>;
  /** Soft open-file limit in force for the server. */
  readonly openFiles: number;
  /** True once the process has exited (a crash mid-run fails the run). */
  readonly exited: boolean;
  /** The last lines the server wrote, for error reports. */
  recentOutput(): string[];
  stop(): Promise<void>;
}

const LISTEN_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const KEPT_LINES = 20;
/** Server log lines echoed to stderr per run before the rest are only counted. */
const ECHOED_LINES = 5;

/**
 * Spawns a target and resolves once it printed `{"msg":"listening","ports":{…}}` on stdout.
 * Stdout and stderr are drained for the life of the process so a chatty server never blocks.
 */
export function startServer(
  launch: TargetLaunch,
  openFilesNeeded: number,
  nodeFlags: ReadonlyArray<string> = [],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeFlags, launch.script, ...launch.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) return Promise.reject(new Error(`could not start ${launch.label}`));
  const openFiles = ensureOpenFiles(pid, openFilesNeeded);
  const recent: string[] = [];
  let echoed = 0;
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => {
    exited = true;
  });
  const keep = (line: string) => {
    recent.push(line);
    if (recent.length > KEPT_LINES) recent.shift();
  };
  const echo = (line: string) => {
    keep(line);
    if (echoed++ < ECHOED_LINES) progress.log(`  ${launch.id}: ${line.slice(0, 200)}`);
  };
  createInterface({ input: child.stderr! }).on('line', echo);

  return new Promise((resolve, reject) => {
    let listening = false;
    const timer = setTimeout(() => {
      fail(new Error(`${launch.label} did not report listening within ${LISTEN_TIMEOUT_MS} ms`));
    }, LISTEN_TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      void stop(child, exit).then(() => reject(err));
    };
    child.once('error', fail);
    void exit.then(() => {
      if (!listening) fail(new Error(`${launch.label} exited early: ${recent.join(' | ')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (listening) {
        echo(line);
        return;
      }
      const ports = parseListening(line);
      if (ports === null) {
        echo(line);
        return;
      }
      listening = true;
      clearTimeout(timer);
      const daemon = listeningPid(line);
      if (daemon !== null) ensureOpenFiles(daemon, openFilesNeeded);
      resolve({
        pid: daemon ?? pid,
        ports,
        openFiles,
        get exited() {
          return exited;
        },
        recentOutput: () => [...recent],
        stop: () => stop(child, exit),
      });
    });
  });
}

/** The ports of a `{"msg":"listening","ports":{…}}` line, or null for any other line. */
export function parseListening(line: string): Record<string, number> | null {
  if (!line.includes('"listening"')) return null;
  try {
    const parsed = JSON.parse(line) as { msg?: unknown; ports?: Record<string, unknown> };
    if (parsed.msg !== 'listening' || typeof parsed.ports !== 'object' || parsed.ports === null) {
      return null;
    }
    const ports: Record<string, number> = {};
    for (const [name, port] of Object.entries(parsed.ports)) {
      if (typeof port === 'number' && port > 0) ports[name] = port;
    }
    return ports;
  } catch {
    return null;
  }
}

/** The `"pid"` of a listening line: a launcher's daemon, the process to measure. */
export function listeningPid(line: string): number | null {
  try {
    const pid = (JSON.parse(line) as { pid?: unknown }).pid;
    return typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** SIGTERM, then SIGKILL if the process has not exited in time. */
async function stop(child: ChildProcess, exit: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exit;
  clearTimeout(timer);
}
