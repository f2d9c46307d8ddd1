/** What one run measures; DESIGN §5 lists the targets. */
export type ScenarioId = 'latency' | 'efficiency' | 'closed-loop' | 'idle-memory' | 'mixed-room';
export type Transport = 'ws' | 'line' | 'mixed';
export type TargetId = 'chatgate' | 'raw-ws' | 'raw-net';

export interface Scenario {
  id: ScenarioId;
  title: string;
  /** open: senders pace at a fixed rate; closed: next message once all receivers have the last. */
  load: 'open' | 'closed' | 'idle';
  transports: ReadonlyArray<Transport>;
  senders: number;
  receivers: number;
  /** Messages per second per sender (open loop). */
  ratePerSender: number;
  warmupMs: number;
  durationMs: number;
  /** Idle scenario: connections held. */
  connections: number;
  /** Mixed room: receivers per transport (one sender per transport). */
  mixed: { ws: number; line: number; rpc: number } | null;
}

export type Mode = 'full' | 'quick';

/** The raw ceiling a chatgate transport is compared with. */
export const RAW_FOR: Record<Exclude<Transport, 'mixed'>, TargetId> = {
  ws: 'raw-ws',
  line: 'raw-net',
};

export function scenarios(mode: Mode): Scenario[] {
  const quick = mode === 'quick';
  const base = {
    senders: 1,
    receivers: 0,
    ratePerSender: 0,
    warmupMs: quick ? 400 : 2000,
    durationMs: quick ? 1500 : 10_000,
    connections: 0,
    mixed: null,
  };
  return [
    {
      ...base,
      id: 'latency',
      title: 'latency with headroom: 1 sender × 200 msg/s × 500 receivers',
      load: 'open',
      transports: ['ws', 'line'],
      receivers: 500,
      ratePerSender: 200,
    },
    {
      ...base,
      id: 'efficiency',
      title: 'efficiency at saturation: 1 sender × 200 msg/s × 1,000 receivers',
      load: 'open',
      transports: ['ws', 'line'],
      receivers: 1000,
      ratePerSender: 200,
    },
    {
      ...base,
      id: 'closed-loop',
      title: 'closed loop: 10 senders × 100 receivers',
      load: 'closed',
      transports: ['ws', 'line'],
      senders: 10,
      receivers: 100,
    },
    {
      ...base,
      id: 'idle-memory',
      title: `idle memory: ${quick ? '2,000' : '10,000'} connections held`,
      load: 'idle',
      transports: ['ws', 'line'],
      senders: 0,
      warmupMs: 0,
      durationMs: 0,
      connections: quick ? 2000 : 10_000,
    },
    {
      ...base,
      id: 'mixed-room',
      title: 'mixed room: WebSocket + line + RPC members, one order',
      load: 'open',
      transports: ['mixed'],
      senders: 3,
      ratePerSender: 50,
      durationMs: quick ? 1500 : 5000,
      mixed: quick ? { ws: 30, line: 30, rpc: 5 } : { ws: 100, line: 100, rpc: 10 },
    },
  ];
}

/** The targets a scenario runs against for one transport: chatgate and its raw ceiling. */
export function targetsFor(transport: Transport): TargetId[] {
  return transport === 'mixed' ? ['chatgate'] : ['chatgate', RAW_FOR[transport]];
}
