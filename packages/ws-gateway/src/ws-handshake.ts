import type { ChatError, ResumeRequest } from '@chatgate/core';
import {
  CLOSE_GOING_AWAY,
  CLOSE_INTERNAL_ERROR,
  CLOSE_POLICY_VIOLATION,
  CLOSE_TRY_AGAIN_LATER,
} from './close-codes.js';
import {
  type ClientMessage,
  FIRST_MESSAGE_MUST_BE_CONNECT,
  NAME_MISMATCH_MESSAGE,
  NAME_TAKEN_MESSAGE,
} from './protocol.js';

/** What a connection's first frame decides (pure: no socket, no room). */
export type HandshakeResult =
  /** Join with this name; undefined asks the room for `userN`. */
  | { kind: 'join'; name: string | undefined; resume?: ResumeRequest }
  /** Not a connect: answer `connect_response` false, then close. */
  | { kind: 'connect_first'; message: string }
  /** Name refused before joining: answer `login_response` false, then close. */
  | { kind: 'refuse'; message: string; closeCode: number };

/**
 * The connect handshake. `/ws/NAME` then `{"type":"connect","username":NAME}`: both must
 * agree (a mismatch is a client bug we refuse rather than guess); an omitted username takes
 * the path's. Names compare in NFC, as the room compares them.
 */
export function handshake(message: ClientMessage, pathName: string | undefined): HandshakeResult {
  if (message.kind !== 'connect') {
    return { kind: 'connect_first', message: FIRST_MESSAGE_MUST_BE_CONNECT };
  }
  const name = message.username;
  const resume = message.resume;
  if (pathName === undefined) return withResume({ kind: 'join', name }, resume);
  if (name === undefined) return withResume({ kind: 'join', name: pathName }, resume);
  if (name.normalize('NFC') !== pathName.normalize('NFC')) {
    return { kind: 'refuse', message: NAME_MISMATCH_MESSAGE, closeCode: CLOSE_POLICY_VIOLATION };
  }
  return withResume({ kind: 'join', name }, resume);
}

function withResume(
  join: { kind: 'join'; name: string | undefined },
  resume: ResumeRequest | undefined,
): HandshakeResult {
  return resume === undefined ? join : { ...join, resume };
}

/**
 * How a refused join is told to the client (`login_response` text and close code), and
 * whether the refusal is a bug worth an error log: a join raises only the name codes,
 * `closed` and `unavailable` on purpose. "User already connected" is the text group_terminal clients expect.
 */
export function joinRefusal(error: ChatError): {
  message: string;
  closeCode: number;
  bug: boolean;
} {
  switch (error.code) {
    case 'name_taken':
      return { message: NAME_TAKEN_MESSAGE, closeCode: CLOSE_POLICY_VIOLATION, bug: false };
    case 'name_invalid':
    case 'name_reserved':
    case 'auth_required':
    case 'auth_invalid':
    case 'auth_expired':
      return { message: error.message, closeCode: CLOSE_POLICY_VIOLATION, bug: false };
    case 'closed':
      return { message: error.message, closeCode: CLOSE_GOING_AWAY, bug: false };
    case 'unavailable':
    case 'auth_unavailable':
      return { message: error.message, closeCode: CLOSE_TRY_AGAIN_LATER, bug: false };
    case 'too_long':
    case 'rate_limited':
    case 'no_such_member':
    case 'target_required':
    case 'unknown_command':
    case 'bad_request':
    case 'not_joined':
    case 'no_such_room':
    case 'too_many_rooms':
    case 'internal':
      return { message: error.message, closeCode: CLOSE_INTERNAL_ERROR, bug: true };
  }
}
