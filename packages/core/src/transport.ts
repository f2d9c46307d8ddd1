// @chatgate/core/transport: the mechanics a transport needs around a Session (admission,
// corked output with deferred presence, name deadlines, heartbeat). Kept out of the main
// entry, which is the room API.
export {
  ConnectionGate,
  type ConnectionGateOptions,
  DEFAULT_CONNECTION_LIMITS,
  type GateRefusal,
} from './connection-gate.js';
export {
  atTurnEnd,
  type CorkableSocket,
  corkForTurn,
  POLLS_BEFORE_WRITE,
  type TurnEnd,
  type TurnEndTarget,
  writeAtTurnEnd,
} from './cork-for-turn.js';
export { CorkedOutput, type FrameSink, type OutputSocket } from './corked-output.js';
export { DeadlineQueue } from './deadline-queue.js';
export { Heartbeat, type Pingable } from './heartbeat.js';
export {
  type DeferredWriter,
  isOthersPresence,
  PRESENCE_FLUSH_MAX_MS,
  PRESENCE_FLUSH_MIN_MS,
  schedulePresenceFlush,
} from './presence-flush.js';
export {
  createWebSocketErrorHandler,
  isClientProtocolError,
  releaseUpgrade,
  type Terminable,
} from './websocket-errors.js';
