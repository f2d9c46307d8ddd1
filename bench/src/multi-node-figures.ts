/**
 * The multi-node scenario's statistics (bench/README.md, "Multi-node"): what one run of N
 * chatgate nodes on one Redis measured, and the paper estimate for one node per machine.
 */

export interface MultiNodeSample {
  nodes: number;
  receivers: number;
  /** Measured messages the senders published. */
  published: number;
  /** Measured messages the receivers got (one per receiver per message at most). */
  received: number;
  /** Of those, copies of a message a receiver had already got. */
  duplicates: number;
  /** Measured window, seconds (from the first send to the end of the drain). */
  windowS: number;
  /** CPU seconds (user + system) of redis-server and of each node over the window. */
  redisCpuS: number;
  nodeCpuS: number[];
  p99Ms: number;
}

export interface MultiNodeRow {
  nodes: number;
  deliveriesPerSec: number;
  lost: number;
  duplicates: number;
  p99Ms: number;
  /** Redis CPU per published message. */
  redisUsPerPublish: number;
  /** All nodes' CPU per delivery. */
  nodeUsPerDelivery: number;
  /** The busiest node's CPU share of one core over the window. */
  busiestNodeCores: number;
  redisCores: number;
}

export function summarizeMultiNode(sample: MultiNodeSample): MultiNodeRow {
  const expected = sample.published * sample.receivers;
  const delivered = sample.received - sample.duplicates;
  const nodeCpu = sample.nodeCpuS.reduce((a, b) => a + b, 0);
  const perSecond = (n: number) => (sample.windowS > 0 ? n / sample.windowS : 0);
  return {
    nodes: sample.nodes,
    deliveriesPerSec: Math.round(perSecond(delivered)),
    lost: Math.max(0, expected - delivered),
    duplicates: sample.duplicates,
    p99Ms: sample.p99Ms,
    redisUsPerPublish: sample.published > 0 ? (sample.redisCpuS * 1e6) / sample.published : 0,
    nodeUsPerDelivery: delivered > 0 ? (nodeCpu * 1e6) / delivered : 0,
    busiestNodeCores: perSecond(Math.max(0, ...sample.nodeCpuS)),
    redisCores: perSecond(sample.redisCpuS),
  };
}

export interface PaperEstimate {
  machines: number;
  /** Deliveries/s the nodes could make, one core each, at the measured CPU per delivery. */
  nodeBoundPerSec: number;
  /** Deliveries/s Redis could feed, one core, at the measured CPU per publish × receivers. */
  redisBoundPerSec: number;
  deliveriesPerSec: number;
  bottleneck: 'nodes' | 'redis';
}

/**
 * One node per machine, one core each, Redis on its own core: the nodes deliver in parallel
 * (each fans out to its own receivers), while every publish passes through Redis once. The
 * estimate takes the measured per-delivery and per-publish CPU from `row` (ideally the one
 * least squeezed by sharing 2 cores) and assumes the network is not the limit.
 */
export function paperEstimate(
  row: MultiNodeRow,
  machines: number,
  receivers: number,
): PaperEstimate {
  const nodeBoundPerSec = row.nodeUsPerDelivery > 0 ? (machines * 1e6) / row.nodeUsPerDelivery : 0;
  const redisBoundPerSec =
    row.redisUsPerPublish > 0
      ? (1e6 / row.redisUsPerPublish) * receivers
      : Number.POSITIVE_INFINITY;
  const deliveriesPerSec = Math.round(Math.min(nodeBoundPerSec, redisBoundPerSec));
  return {
    machines,
    nodeBoundPerSec: Math.round(nodeBoundPerSec),
    redisBoundPerSec: Math.round(redisBoundPerSec),
    deliveriesPerSec,
    bottleneck: nodeBoundPerSec <= redisBoundPerSec ? 'nodes' : 'redis',
  };
}
