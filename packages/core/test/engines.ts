import type {
  Engine,
  EngineStatus,
  EventDraft,
  MemberId,
  Position,
  RoomEvent,
  Stamp,
  SubscribeOptions,
} from '../src/index.js';
import { InProcessEngine, InProcessHub } from '../src/index.js';
import type { ClusterOptions, EngineCluster } from './engine-conformance.js';

/** Wraps an engine and records every event it delivers for a room, in delivery order. */
export class RecordingEngine implements Engine {
  readonly log: RoomEvent[] = [];
  /** The same events, by room. */
  readonly byRoom = new Map<string, RoomEvent[]>();
  constructor(readonly inner: Engine = new InProcessEngine()) {}
  get nodeId() {
    return this.inner.nodeId;
  }
  get leaseMs() {
    return this.inner.leaseMs;
  }
  get status(): EngineStatus {
    return this.inner.status;
  }
  onStatus(listener: (status: EngineStatus) => void) {
    return this.inner.onStatus(listener);
  }
  close() {
    return this.inner.close();
  }
  recover(room: string, since: Position) {
    return this.inner.recover(room, since);
  }
  snapshot(room: string) {
    return this.inner.snapshot(room);
  }
  publish(room: string, draft: EventDraft) {
    return this.inner.publish(room, draft);
  }
  subscribe(room: string, deliver: (event: RoomEvent) => void, options?: SubscribeOptions) {
    const stopRecording = this.inner.subscribe(room, (event) => {
      this.log.push(event);
      const events = this.byRoom.get(room) ?? [];
      events.push(event);
      this.byRoom.set(room, events);
    });
    const stop = this.inner.subscribe(room, deliver, options);
    return () => {
      stop();
      stopRecording();
    };
  }
  claim(room: string, folded: string, by: MemberId, token?: string) {
    return this.inner.claim(room, folded, by, token);
  }
  takeOver(room: string, folded: string, by: MemberId, token: string) {
    return this.inner.takeOver(room, folded, by, token);
  }
  release(room: string, folded: string, by: MemberId) {
    return this.inner.release(room, folded, by);
  }
  rooms() {
    return this.inner.rooms();
  }
  discard(room: string) {
    return this.inner.discard(room);
  }
}

/**
 * A networked engine's worst legal behaviour: publishes are buffered and ordered later in a
 * shuffled order, delivery and name claims are asynchronous, and publishes can fail.
 */
export class ScrambledEngine implements Engine {
  readonly nodeId = 'scrambled';
  private readonly inner = new InProcessEngine('scrambled-inner');
  readonly leaseMs = this.inner.leaseMs;
  private pool: Array<{ room: string; draft: EventDraft; done: (stamp: Stamp) => void }> = [];
  private scheduled = false;
  failNextPublishes = 0;

  constructor(private readonly random: () => number = Math.random) {}

  publish(room: string, draft: EventDraft): Promise<Stamp> {
    if (this.failNextPublishes > 0) {
      this.failNextPublishes--;
      return Promise.reject(new Error('engine unavailable'));
    }
    return new Promise((resolve) => {
      this.pool.push({ room, draft, done: resolve });
      this.schedule();
    });
  }

  subscribe(room: string, deliver: (event: RoomEvent) => void, options?: SubscribeOptions) {
    return this.inner.subscribe(room, deliver, options);
  }

  get status(): EngineStatus {
    return this.inner.status;
  }
  onStatus(listener: (status: EngineStatus) => void) {
    return this.inner.onStatus(listener);
  }
  close() {
    return this.inner.close();
  }
  recover(room: string, since: Position) {
    return this.inner.recover(room, since);
  }
  snapshot(room: string) {
    return this.inner.snapshot(room);
  }

  async claim(room: string, folded: string, by: MemberId, token?: string) {
    await new Promise((resolve) => setImmediate(resolve));
    return this.inner.claim(room, folded, by, token);
  }

  async takeOver(room: string, folded: string, by: MemberId, token: string) {
    await new Promise((resolve) => setImmediate(resolve));
    return this.inner.takeOver(room, folded, by, token);
  }

  async release(room: string, folded: string, by: MemberId) {
    await new Promise((resolve) => setImmediate(resolve));
    return this.inner.release(room, folded, by);
  }

  async rooms() {
    await new Promise((resolve) => setImmediate(resolve));
    return this.inner.rooms();
  }

  async discard(room: string) {
    await new Promise((resolve) => setImmediate(resolve));
    return this.inner.discard(room);
  }

  /** Random interleaving that keeps each publisher's own drafts in order. */
  private interleave<T extends { draft: EventDraft }>(items: T[]): T[] {
    const queues = new Map<string, T[]>();
    for (const item of items) {
      const d = item.draft;
      const key = d.kind === 'message' ? (d.senderId ?? 'app') : d.memberId;
      const queue = queues.get(key) ?? [];
      queue.push(item);
      queues.set(key, queue);
    }
    const lanes = [...queues.values()];
    const out: T[] = [];
    while (lanes.length > 0) {
      const index = Math.floor(this.random() * lanes.length);
      const lane = lanes[index]!;
      out.push(lane.shift()!);
      if (lane.length === 0) lanes.splice(index, 1);
    }
    return out;
  }

  private schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.interleave(this.pool);
      this.pool = [];
      for (const item of batch) {
        void this.inner.publish(item.room, item.draft).then(item.done);
      }
    });
  }
}

/** Resolves after pending immediates, so asynchronous engines have delivered. */
export function settle(rounds = 5): Promise<void> {
  let chain = Promise.resolve();
  for (let i = 0; i < rounds; i++) {
    chain = chain.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  }
  return chain;
}

/** Several InProcessEngine nodes sharing one hub: the in-process stand-in for a cluster. */
export async function inProcessCluster({
  historySize,
  logSize,
}: ClusterOptions): Promise<EngineCluster> {
  const hub = new InProcessHub(historySize, logSize);
  const nodes: InProcessEngine[] = [];
  return {
    node: async (nodeId, options = {}) => {
      const engine = new InProcessEngine({ nodeId, hub, ...options });
      nodes.push(engine);
      return engine;
    },
    crash: async (engine: Engine) => (engine as InProcessEngine).crash(),
    close: async () => {
      await Promise.all(nodes.map((n) => n.close()));
    },
  };
}

/** A small seeded generator (LCG), so a property's failing interleaving replays exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state / 2 ** 32;
  };
}
