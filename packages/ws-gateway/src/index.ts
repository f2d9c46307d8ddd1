export {
  BYE_MESSAGES,
  CLOSE_CODE_BY_REASON,
  CLOSE_GOING_AWAY,
  CLOSE_INTERNAL_ERROR,
  CLOSE_MESSAGE_TOO_BIG,
  CLOSE_NORMAL,
  CLOSE_POLICY_VIOLATION,
  CLOSE_PROTOCOL_ERROR,
  CLOSE_TRY_AGAIN_LATER,
  CLOSE_UNSUPPORTED_DATA,
} from './close-codes.js';
export { type CorkableSocket, corkForTurn } from './cork-for-turn.js';
export { JsonDialect, jsonDialect } from './json-dialect.js';
export {
  CLOSE_GRACE_MS,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_HISTORY_REPLAY,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_PATH,
  type WsGatewayOptions,
  wsGateway,
} from './plugin.js';
export {
  type PreparedFrame,
  preframingAvailable,
  prepareFrame,
  sendPrepared,
  type WireSocket,
  wireSocketOf,
  writePrepared,
} from './prepared-frame.js';
export {
  type ClientMessage,
  CONNECTED_MESSAGE,
  decodeClientMessage,
  encodeBye,
  encodeConnectResponse,
  encodeError,
  encodeEvent,
  encodeHistoryMessage,
  encodeLoginRefusal,
  encodeReply,
  encodeWelcome,
  FIRST_MESSAGE_MUST_BE_CONNECT,
  NAME_MISMATCH_MESSAGE,
  NAME_TAKEN_MESSAGE,
  PROTOCOL_ERROR_CODES,
  type ProtocolErrorCode,
  WIRE_ERROR_CODES,
  type WireErrorCode,
} from './protocol.js';
