/**
 * The load generator: a child process of the bench, never sharing a process with a server.
 * It opens every client connection, then runs phases on command from the parent (which
 * samples server CPU around them) and reports summaries over IPC.
 */
import type { ClientConn, ClientEvents } from './clients/client-conn.js';
import { openIrcClient } from './clients/irc-client.js';
import { openLineClient } from './clients/line-client.js';
import { openRpcClient } from './clients/rpc-client.js';
import { openWsClient } from './clients/ws-client.js';
import type {
  GeneratorCommand,
  GeneratorEvent,
  GeneratorSetup,
  RunSummary,
} from './generator-protocol.js';
import { summarizeLatency } from './latency.js';
import { LoadRun } from './load-run.js';
import { checkOneOrder } from './order-check.js';
import {
  emptyPayload,
  findPayload,
  makePayload,
  nowMicros,
  type ParsedPayload,
  parsePayload,
} from './payload.js';
import { PayloadScanner } from './payload-scanner.js';
import { summarizeLoss } from './receiver-tally.js';

/** A drain ends when nothing new arrived for this long. */
const DRAIN_IDLE_MS = 2000;
/** Closed loop: a message not seen by every receiver after this long is given up on. */
const STALL_MS = 2000;
const SYNC_TIMEOUT_MS = 30_000;
const SYNC_RESEND_MS = 250;

let setup: GeneratorSetup | null = null;
let senders: ClientConn[] = [];
let receiverCount = 0;
/** Mixed room: each receiver's transport, for latency per transport. */
let receiverTransports: string[] = [];
const MIXED_TRANSPORTS = ['ws', 'line', 'rpc'];
/** Every open connection, for a clean exit. */
const connections: ClientConn[] = [];
let current: LoadRun | null = null;
let progressDetail = '';
const lost = { count: 0, first: null as string | null };
const events: ClientEvents = {
  onLost(reason) {
    lost.count++;
    lost.first ??= reason;
  },
};
const scratch: ParsedPayload = emptyPayload();

function send(event: GeneratorEvent): void {
  process.send?.(event);
}

/** A WebSocket frame or RPC text arrived at `receiver`: one payload at most. */
function deliverFrame(receiver: number, frame: Buffer): void {
  if (current === null) return;
  const at = findPayload(frame);
  if (at < 0 || parsePayload(frame, at, scratch) < 0) return;
  current.deliver(receiver, scratch, nowMicros());
}

/** Line receivers scan their byte stream; `chunkNow` is the arrival time of the chunk. */
let chunkNow = 0;
function lineReceiver(receiver: number): (chunk: Buffer) => void {
  const scanner = new PayloadScanner();
  const onPayload = (payload: ParsedPayload) => current?.deliver(receiver, payload, chunkNow);
  return (chunk) => {
    if (current === null) return;
    chunkNow = nowMicros();
    scanner.push(chunk, onPayload);
  };
}

type Opener = () => Promise<ClientConn>;

function wsUrl(s: GeneratorSetup, path: string): string {
  return `ws://${s.host}:${s.ports.http}${path}`;
}

/** One opener per connection: receivers (index order) first, then senders. */
function planConnections(s: GeneratorSetup): { receivers: Opener[]; senders: Opener[] } {
  const sc = s.scenario;
  const ws = (name: string, receiver: number | null): Opener => {
    const onFrame = receiver === null ? null : (f: Buffer) => deliverFrame(receiver, f);
    return () =>
      openWsClient({
        url: wsUrl(s, s.chatgate ? '/ws' : '/'),
        username: s.chatgate ? name : null,
        onFrame,
        events,
      });
  };
  const line = (name: string, receiver: number | null): Opener => {
    const onChunk = receiver === null ? null : lineReceiver(receiver);
    if (s.irc) {
      return () =>
        openIrcClient({ host: s.host, port: s.ports.line!, nick: name, onChunk, events });
    }
    return () =>
      openLineClient({
        host: s.host,
        port: s.ports.line!,
        awaitGreeting: s.chatgate,
        onChunk,
        events,
      });
  };
  const rpc = (name: string, receiver: number | null): Opener => {
    const onText =
      receiver === null ? null : (t: string) => deliverFrame(receiver, Buffer.from(t, 'latin1'));
    return () => openRpcClient({ url: wsUrl(s, '/rpc/ws'), username: name, onText, events });
  };
  const byTransport = (name: string, receiver: number | null): Opener =>
    s.transport === 'line' ? line(name, receiver) : ws(name, receiver);

  if (sc.load === 'idle' || sc.load === 'storm') {
    return {
      receivers: Array.from({ length: sc.connections }, (_, i) => byTransport(`idle${i}`, null)),
      senders: [],
    };
  }
  if (sc.mixed !== null) {
    const receivers: Opener[] = [];
    for (let i = 0; i < sc.mixed.ws; i++) receivers.push(ws(`rws${i}`, receivers.length));
    for (let i = 0; i < sc.mixed.line; i++) receivers.push(line(`rl${i}`, receivers.length));
    for (let i = 0; i < sc.mixed.rpc; i++) receivers.push(rpc(`rrpc${i}`, receivers.length));
    receiverTransports = [
      ...Array<string>(sc.mixed.ws).fill('ws'),
      ...Array<string>(sc.mixed.line).fill('line'),
      ...Array<string>(sc.mixed.rpc).fill('rpc'),
    ];
    return { receivers, senders: [ws('sws', null), line('sl', null), rpc('srpc', null)] };
  }
  return {
    receivers: Array.from({ length: sc.receivers }, (_, i) => byTransport(`r${i}`, i)),
    senders: Array.from({ length: sc.senders }, (_, i) => byTransport(`s${i}`, null)),
  };
}

/** Opens connections, `concurrency` at a time; stops starting new ones at `deadline`. */
async function openAll(
  openers: Opener[],
  label: string,
  concurrency: number,
  deadline = Infinity,
): Promise<ClientConn[]> {
  const opened = new Array<ClientConn>(openers.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < openers.length && performance.now() < deadline) {
      const i = next++;
      const conn = await openers[i]!();
      opened[i] = conn;
      connections.push(conn);
      done++;
      progressDetail = `${label} ${done}/${openers.length}`;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, openers.length) }, worker));
  return opened.filter((conn) => conn !== undefined);
}

async function connect(s: GeneratorSetup): Promise<void> {
  setup = s;
  const started = performance.now();
  const plan = planConnections(s);
  receiverCount = plan.receivers.length;
  const deadline =
    s.scenario.connectDeadlineMs > 0 ? started + s.scenario.connectDeadlineMs : Infinity;
  await withProgress(async () => {
    const concurrency = s.scenario.connectConcurrency;
    await openAll(plan.receivers, 'connected', concurrency, deadline);
    senders = await openAll(plan.senders, 'senders connected', concurrency);
  });
  send({ ev: 'connected', connections: connections.length, ms: performance.now() - started });
}

/** Every sender sends until every receiver has seen one of its messages: all are in. */
async function sync(): Promise<void> {
  const started = performance.now();
  const run = new LoadRun('s', senders.length, receiverCount, false);
  current = run;
  const sendRound = () => {
    for (let s = 0; s < senders.length; s++) {
      senders[s]!.send(makePayload('s', s, run.nextId(s), nowMicros()));
    }
  };
  sendRound();
  while (!run.allSeen(0)) {
    if (performance.now() - started > SYNC_TIMEOUT_MS) {
      const missing = run.tallies.filter((t) => t.received < senders.length).length;
      throw new Error(`${missing} of ${receiverCount} receivers never got a message`);
    }
    await delay(SYNC_RESEND_MS);
    if (!run.allSeen(0)) sendRound();
  }
  current = null;
  send({ ev: 'synced', ms: performance.now() - started });
}

async function runPhase(phase: 'w' | 'm', durationMs: number): Promise<void> {
  const sc = setup!.scenario;
  const run = new LoadRun(phase, senders.length, receiverCount, phase === 'm' && sc.mixed !== null);
  if (receiverTransports.length > 0) {
    run.splitLatency(
      receiverTransports.map((t) => MIXED_TRANSPORTS.indexOf(t)),
      MIXED_TRANSPORTS.length,
    );
  }
  current = run;
  let stalls = 0;
  run.startedAt = nowMicros();
  const label = phase === 'm' ? 'measure' : 'warm-up';
  await withProgress(
    async () => {
      if (sc.load === 'closed') stalls = await closedLoop(run, durationMs);
      else await openLoop(run, durationMs, sc.ratePerSender);
      await drain(run);
    },
    () => `${label} sent=${run.sent} delivered=${run.delivered}`,
  );
  current = null;
  send({ ev: 'ran', phase, summary: summarize(run, stalls) });
}

/** Each sender sends `rate` messages a second, on schedule, for `durationMs`. */
function openLoop(run: LoadRun, durationMs: number, rate: number): Promise<void> {
  const total = Math.max(1, Math.round((durationMs * rate) / 1000));
  const started = performance.now();
  return new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
      for (let s = 0; s < senders.length; s++) {
        while (run.sentPerSender[s]! < due) {
          senders[s]!.send(makePayload(run.phase, s, run.nextId(s), nowMicros()));
        }
      }
      if (due >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 1);
    tick();
  });
}

/** Each sender sends its next message once every receiver has its previous one. */
function closedLoop(run: LoadRun, durationMs: number): Promise<number> {
  const count = senders.length;
  const awaiting = new Array<number>(count).fill(-1);
  const remaining = new Array<number>(count).fill(0);
  const sentAt = new Array<number>(count).fill(0);
  let running = true;
  let stalls = 0;
  const sendNext = (s: number) => {
    const id = run.nextId(s);
    awaiting[s] = id;
    remaining[s] = receiverCount;
    sentAt[s] = performance.now();
    senders[s]!.send(makePayload(run.phase, s, id, nowMicros()));
  };
  run.onDelivery = (s, id) => {
    if (id === awaiting[s] && --remaining[s]! === 0 && running) sendNext(s);
  };
  for (let s = 0; s < count; s++) sendNext(s);
  return new Promise((resolve) => {
    const started = performance.now();
    const watchdog = setInterval(() => {
      const now = performance.now();
      if (now - started >= durationMs) {
        running = false;
        clearInterval(watchdog);
        resolve(stalls);
        return;
      }
      for (let s = 0; s < count; s++) {
        if (remaining[s]! > 0 && now - sentAt[s]! > STALL_MS) {
          stalls++;
          sendNext(s);
        }
      }
    }, 20);
  });
}

/** Waits until every owed delivery arrived, or nothing arrived for DRAIN_IDLE_MS. */
async function drain(run: LoadRun): Promise<void> {
  let seen = run.delivered;
  let quietSince = performance.now();
  while (run.outstanding > 0) {
    await delay(10);
    if (run.delivered !== seen) {
      seen = run.delivered;
      quietSince = performance.now();
    } else if (performance.now() - quietSince > DRAIN_IDLE_MS) {
      return;
    }
  }
}

function summarize(run: LoadRun, stalls: number): RunSummary {
  const end = run.delivered > 0 ? run.lastDeliveryAt : nowMicros();
  const windowS = Math.max(1e-6, (end - run.startedAt) / 1e6);
  return {
    sent: run.sent,
    delivered: run.delivered,
    windowS,
    deliveriesPerSec: run.delivered / windowS,
    loss: summarizeLoss(run.tallies, run.sentPerSender),
    latency: summarizeLatency(run.histogram),
    latencyByTransport:
      run.groupOf === null
        ? null
        : Object.fromEntries(
            MIXED_TRANSPORTS.map((t, i) => [t, summarizeLatency(run.groupHistograms[i]!)]),
          ),
    stalls,
    order: run.orders === null ? null : checkOneOrder(run.orders),
    disconnects: lost.count,
    firstDisconnect: lost.first,
  };
}

/** Reports progress to the parent once a second while `work` runs. */
async function withProgress(work: () => Promise<void>, detail?: () => string): Promise<void> {
  const timer = setInterval(() => {
    send({ ev: 'progress', text: detail?.() ?? progressDetail });
  }, 1000);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function handle(command: GeneratorCommand): Promise<void> {
  switch (command.cmd) {
    case 'connect':
      return connect(command.setup);
    case 'sync':
      return sync();
    case 'run':
      return runPhase(command.phase, command.durationMs);
    case 'status':
      send({
        ev: 'status',
        open: connections.length - lost.count,
        disconnects: lost.count,
        firstDisconnect: lost.first,
      });
      return;
    case 'exit':
      for (const conn of connections) conn.close();
      process.exit(0);
  }
}

process.on('message', (command: GeneratorCommand) => {
  handle(command).catch((err: unknown) => {
    send({ ev: 'failed', error: err instanceof Error ? err.message : String(err) });
  });
});
// The bench owns this process: if it goes away, so do we.
process.on('disconnect', () => process.exit(0));
