import type { RpcConnection } from './rpc-connection.js';

export interface SweeperOptions {
  /** A callback call unanswered this long drops its member. */
  callbackTimeoutMs: number;
}

/** The longest the sweep sleeps, so short deadlines are still met closely. */
const MAX_SWEEP_MS = 1000;

/** How often the sweep runs: a quarter of the shortest deadline, within 10 ms to 1 s. */
export function sweepInterval(periods: number[]): number {
  return Math.max(10, Math.min(MAX_SWEEP_MS, Math.floor(Math.min(...periods) / 4)));
}

/**
 * One timer for every connection's silent callbacks: no timer per socket or per call. (Dead
 * peers are core's Heartbeat and memberless sockets core's DeadlineQueue, as in the other
 * gateways.) Returns the function that stops it.
 */
export function startSweeper(
  open: ReadonlySet<RpcConnection>,
  options: SweeperOptions,
): () => void {
  const { callbackTimeoutMs } = options;
  const timer = setInterval(
    () => {
      const now = Date.now();
      for (const connection of open) {
        for (const session of connection.members) {
          if (!session.expired(now)) continue;
          session.member?.log.warn(
            { pending: session.pendingCalls, timeoutMs: callbackTimeoutMs },
            'callback did not answer; dropping the member',
          );
          void session.member?.disconnect('timeout');
        }
      }
    },
    sweepInterval([callbackTimeoutMs]),
  );
  timer.unref();
  return () => clearInterval(timer);
}
