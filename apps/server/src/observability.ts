import { createRequire } from 'node:module';
import type { Room } from '@chatgate/core';
import type { ConnectionGate } from '@chatgate/core/transport';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger as PinoLogger } from 'pino';
import type PinoPretty from 'pino-pretty';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { version } from './version.js';

type Pretty = typeof PinoPretty;

/** pino-pretty is an optional dependency: without it a terminal gets JSON lines too. */
export function loadPretty(): Pretty | undefined {
  try {
    return createRequire(import.meta.url)('pino-pretty') as Pretty;
  } catch {
    return undefined;
  }
}

/** Root logger: JSON lines on stdout, pretty when stdout is a terminal and pino-pretty is installed. */
export function createLogger(
  level: string,
  stream: NodeJS.WritableStream = process.stdout,
  load: () => Pretty | undefined = loadPretty,
): PinoLogger {
  const options = { level, base: { pid: process.pid } };
  const pretty = (stream as NodeJS.WriteStream).isTTY ? load() : undefined;
  if (pretty) {
    return pino(options, pretty({ colorize: true, destination: stream as NodeJS.WriteStream }));
  }
  return pino(options, stream);
}

/**
 * Prometheus metrics read from the room and the connection gate at scrape time, so the hot
 * path only bumps plain integers.
 */
export function createMetrics(
  room: Room,
  gate: ConnectionGate,
  refusals: () => Readonly<Record<string, number>> = () => gate.refused,
): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });

  new Gauge({
    name: 'chatgate_build_info',
    help: 'Always 1; the labels say which chatgate and which Node',
    labelNames: ['version', 'node'],
    registers: [registry],
  }).set({ version: version(), node: process.versions.node }, 1);

  new Gauge({
    name: 'chatgate_connections',
    help: 'Open connections by transport and dialect',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [transport, open] of Object.entries(gate.openByTransport())) {
        this.set({ transport }, open);
      }
    },
  });
  new Gauge({
    name: 'chatgate_room_members',
    help: 'Members in the room',
    registers: [registry],
    collect() {
      this.set(room.size);
    },
  });
  new Gauge({
    name: 'chatgate_rooms_open',
    help: 'Rooms with members on this node, the default room included',
    registers: [registry],
    collect() {
      this.set(room.directory.open().length);
    },
  });
  new Gauge({
    name: 'chatgate_handler_backlog',
    help: 'Public messages waiting for or in handler dispatch',
    registers: [registry],
    collect() {
      this.set(room.handlerBacklog);
    },
  });
  monotonic(
    registry,
    'chatgate_messages_in_total',
    'Messages accepted from members and posts',
    () => room.stats.messagesIn,
  );
  monotonic(
    registry,
    'chatgate_messages_out_total',
    'Frames delivered to members',
    () => room.stats.deliveries,
  );

  const refusedSeen = new Map<string, number>();
  new Counter({
    name: 'chatgate_connections_refused_total',
    help: 'Connections refused before joining, by reason (per_address, total, connect_rate, origin, auth)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      for (const [reason, total] of Object.entries(refusals())) {
        // inc(0) makes every reason visible from the first scrape, so alerts can use rate().
        this.inc({ reason }, total - (refusedSeen.get(reason) ?? 0));
        refusedSeen.set(reason, total);
      }
    },
  });

  const dropsSeen = new Map<string, number>();
  new Counter({
    name: 'chatgate_drops_total',
    help: 'Refused or lost work by reason (rate_limited, too_long, too_slow, flooding)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      for (const [reason, total] of Object.entries(room.stats.drops)) {
        const delta = total - (dropsSeen.get(reason) ?? 0);
        if (delta > 0) this.inc({ reason }, delta);
        dropsSeen.set(reason, total);
      }
    },
  });
  return registry;
}

/** Reclaims done by the process's HeapReclaimer (the `chatgate` binary starts one). */
export function registerHeapReclaimMetrics(registry: Registry, reclaims: () => number): void {
  monotonic(
    registry,
    'chatgate_heap_reclaims_total',
    'Times the V8 heap grown by a burst was handed back to the OS once quiet (--heap-reclaim-mb)',
    reclaims,
  );
}

function monotonic(registry: Registry, name: string, help: string, read: () => number): void {
  let seen = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const total = read();
      if (total > seen) this.inc(total - seen);
      seen = total;
    },
  });
}

/** What a multi-node engine reports; read at scrape time. */
export interface EngineMetricsSource {
  readonly status: 'ready' | 'unavailable';
  readonly stats: { reconnects: number; recoveredGaps: number; recoveredEvents: number };
  onPublished: ((seconds: number) => void) | undefined;
}

/** Engine publish latency, Redis reconnects and recovered gaps (with `--redis`). */
export function registerEngineMetrics(registry: Registry, engine: EngineMetricsSource): void {
  const latency = new Histogram({
    name: 'chatgate_engine_publish_seconds',
    help: 'Time from handing an event to the engine until Redis ordered it',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  engine.onPublished = (seconds) => latency.observe(seconds);
  monotonic(
    registry,
    'chatgate_redis_reconnects_total',
    'Connections to Redis re-established after a loss',
    () => engine.stats.reconnects,
  );
  monotonic(
    registry,
    'chatgate_engine_recovered_gaps_total',
    'Gaps in seq (lost notifications) filled from the room log',
    () => engine.stats.recoveredGaps,
  );
  monotonic(
    registry,
    'chatgate_engine_recovered_events_total',
    'Events read from the room log to fill gaps or catch up after a reconnect',
    () => engine.stats.recoveredEvents,
  );
  new Gauge({
    name: 'chatgate_engine_up',
    help: '1 while the engine (Redis) is reachable, else 0',
    registers: [registry],
    collect() {
      this.set(engine.status === 'ready' ? 1 : 0);
    },
  });
}

/**
 * /healthz (alive), /readyz (503 while draining or while the engine, Redis, is unreachable)
 * and, given a registry, /metrics.
 */
export function registerOpsRoutes(
  app: FastifyInstance,
  readiness: () => 'draining' | 'unavailable' | 'ready',
  registry: Registry | null,
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const status = readiness();
    if (status !== 'ready') return reply.code(503).send({ status });
    return { status: 'ready' };
  });
  if (registry !== null) {
    app.get('/metrics', async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    });
  }
}
