// The bench's reusable pieces; `npm run bench` runs bench/dist/main.js.
export { buildChecks, type Check, keyValue } from './checks.js';
export {
  createLatencyHistogram,
  type LatencySummary,
  recordMicros,
  summarizeLatency,
} from './latency.js';
export { describeMachine, formatMachine, type MachineInfo } from './machine.js';
export { type BenchOptions, parseOptions } from './options.js';
export { checkOneOrder, type OrderCheck } from './order-check.js';
export {
  findPayload,
  makePayload,
  PAYLOAD_CHARS,
  type ParsedPayload,
  type Phase,
  parsePayload,
} from './payload.js';
export { PayloadScanner } from './payload-scanner.js';
export {
  type CpuSeconds,
  cpuSince,
  parseStatTicks,
  parseStatusKb,
  readCpu,
  readMemory,
} from './proc-stats.js';
export { type LossSummary, ReceiverTally, summarizeLoss } from './receiver-tally.js';
export {
  formatNumber,
  formatRatio,
  formatWithRange,
  renderChecks,
  renderResults,
  renderTable,
} from './report-table.js';
export { groupRuns, median, type RunGroup, representative } from './run-groups.js';
export type { RunResult } from './run-result.js';
export {
  type Scenario,
  type ScenarioId,
  scenarios,
  type TargetId,
  type Transport,
} from './scenarios.js';
