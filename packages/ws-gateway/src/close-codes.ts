import type { DisconnectReason } from '@chatgate/core';

/** WebSocket close codes (RFC 6455 §7.4.1) this gateway uses. */
export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_UNSUPPORTED_DATA = 1003;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_MESSAGE_TOO_BIG = 1009;
export const CLOSE_INTERNAL_ERROR = 1011;
export const CLOSE_TRY_AGAIN_LATER = 1013;

/**
 * The close code for each reason the server ends a joined member. `too_slow` is 1008: the
 * client broke the contract by not reading (1013 would invite an immediate retry). A binary
 * frame closes with 1003 and an over-size one with 1009, both as reason `protocol`.
 */
export const CLOSE_CODE_BY_REASON: Readonly<Record<DisconnectReason, number>> = {
  quit: CLOSE_NORMAL,
  closed: CLOSE_NORMAL,
  shutdown: CLOSE_GOING_AWAY,
  protocol: CLOSE_PROTOCOL_ERROR,
  too_slow: CLOSE_POLICY_VIOLATION,
  flooding: CLOSE_POLICY_VIOLATION,
  timeout: CLOSE_POLICY_VIOLATION,
  error: CLOSE_INTERNAL_ERROR,
};

/** Human text for the `bye` frame sent before a server-side close. */
export const BYE_MESSAGES: Readonly<Record<DisconnectReason, string>> = {
  quit: 'Goodbye.',
  closed: 'Connection closed.',
  shutdown: 'The server is shutting down.',
  protocol: 'Protocol error.',
  too_slow: 'Disconnected: you were not reading messages fast enough.',
  flooding: 'Disconnected: too many messages.',
  timeout: 'Disconnected: timed out.',
  error: 'Disconnected: internal error.',
};
