import type { LatencySummary } from './latency.js';
import type { OrderCheck } from './order-check.js';
import type { LossSummary } from './receiver-tally.js';
import type { Scenario, Transport } from './scenarios.js';

/** Where and how the generator connects. */
export interface GeneratorSetup {
  scenario: Scenario;
  transport: Transport;
  /** chatgate speaks its handshake (ws connect, line greeting); raw servers do not. */
  chatgate: boolean;
  /** The line target is an IRC server: register, join the bench channel, PRIVMSG. */
  irc: boolean;
  host: string;
  ports: { http?: number; line?: number };
}

export type GeneratorCommand =
  | { cmd: 'connect'; setup: GeneratorSetup }
  | { cmd: 'sync' }
  | { cmd: 'run'; phase: 'w' | 'm'; durationMs: number }
  | { cmd: 'status' }
  | { cmd: 'exit' };

export interface RunSummary {
  sent: number;
  delivered: number;
  /** From the first send to the last delivery. */
  windowS: number;
  deliveriesPerSec: number;
  loss: LossSummary;
  latency: LatencySummary;
  /** Mixed room: latency seen by each receiver transport. */
  latencyByTransport: Record<string, LatencySummary> | null;
  /** Closed loop: messages given up on after waiting too long for every receiver. */
  stalls: number;
  order: OrderCheck | null;
  /** Connections that closed under the bench, and the first reason seen. */
  disconnects: number;
  firstDisconnect: string | null;
}

export type GeneratorEvent =
  | { ev: 'connected'; connections: number; ms: number }
  | { ev: 'synced'; ms: number }
  | { ev: 'ran'; phase: 'w' | 'm'; summary: RunSummary }
  | { ev: 'status'; open: number; disconnects: number; firstDisconnect: string | null }
  | { ev: 'progress'; text: string }
  | { ev: 'failed'; error: string };
