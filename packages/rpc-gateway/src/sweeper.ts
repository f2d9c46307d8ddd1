import type { RpcConnection } from './rpc-connection.js';
import { CLOSE_POLICY } from './socket-transport.js';

export interface SweeperOptions {
  /** A callback call unanswered this long drops its member. */
  callbackTimeoutMs: number;
  /** A connection without a member is closed after this long. */
  joinTimeoutMs: number;
  /** Ping interval; a socket that has not answered by the next ping is dropped. 0: off. */
  heartbeatMs: number;
}

/** The longest the sweep sleeps, so short deadlines are still met closely. */
const MAX_SWEEP_MS = 1000;

/** How often the sweep runs: a quarter of the shortest deadline, within 10 ms to 1 s. */
export function sweepInterval(periods: number[]): number {
  return Math.max(10, Math.min(MAX_SWEEP_MS, Math.floor(Math.min(...periods) / 4)));
}

/**
 * One timer for every connection: dead peers (heartbeat), silent callbacks and memberless
 * sockets. No timer per socket or per call. Returns the function that stops it.
 */
export function startSweeper(
  open: ReadonlySet<RpcConnection>,
  options: SweeperOptions,
): () => void {
  const { callbackTimeoutMs, joinTimeoutMs, heartbeatMs } = options;
  const periods = [callbackTimeoutMs, joinTimeoutMs, ...(heartbeatMs > 0 ? [heartbeatMs] : [])];
  let lastHeartbeat = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const beat = heartbeatMs > 0 && now - lastHeartbeat >= heartbeatMs;
    if (beat) lastHeartbeat = now;
    for (const connection of open) {
      if (beat) {
        if (!connection.alive) {
          connection.log.info({ heartbeatMs }, 'no answer to ping; dropping the connection');
          connection.drop('timeout');
          continue;
        }
        connection.ping();
      }
      if (connection.members.size === 0) {
        if (now - connection.memberlessSince > joinTimeoutMs) {
          connection.log.info({}, 'closing a connection that joined no one');
          connection.close(CLOSE_POLICY, 'join timeout');
        }
        continue;
      }
      for (const session of connection.members) {
        if (!session.expired(now)) continue;
        session.member?.log.warn(
          { pending: session.pendingCalls, timeoutMs: callbackTimeoutMs },
          'callback did not answer; dropping the member',
        );
        void session.member?.disconnect('timeout');
      }
    }
  }, sweepInterval(periods));
  timer.unref();
  return () => clearInterval(timer);
}
