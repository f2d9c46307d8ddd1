/** Stable error codes. Wire text is chosen by each dialect; code is the contract. */
export const CHAT_ERROR_CODES = {
  name_taken: 'That name is already in use in this room.',
  name_invalid: 'Names are 1-32 letters, digits, "_", "-" or ".".',
  name_reserved: 'That name is reserved.',
  too_long: 'Message is too long.',
  rate_limited: 'You are sending too fast; message dropped.',
  no_such_member: 'No such user in the room.',
  no_such_room: 'No such room.',
  too_many_rooms: 'Too many rooms.',
  target_required: 'Address a message with @NAME or @all.',
  unknown_command: 'Unknown command.',
  bad_request: 'Bad request.',
  not_joined: 'You are not in the room.',
  closed: 'The room is closed.',
  unavailable: 'The chat service is temporarily unavailable; try again.',
  auth_required: 'This server requires a token to join.',
  auth_invalid: 'That token is not valid for this name.',
  auth_expired: 'That token has expired.',
  auth_unavailable: 'Tokens cannot be checked right now; try again.',
  internal: 'Internal error.',
} as const;

/**
 * Checks tokens (docs/protocols.md, "Tokens"). Both methods reject with a ChatError
 * `auth_required` (no token), `auth_invalid` (forged, malformed, or another name's),
 * `auth_expired`, or `auth_unavailable` (the keys cannot be fetched). Gateways receive one as
 * an option; none means anonymous.
 */
export interface TokenVerifier {
  /** Resolves when `token` lets its holder take `name`. */
  verifyName(token: string | undefined, name: string | undefined): Promise<void>;
  /** The name `token` grants (its `sub`), for transports that log in with the token alone. */
  verifySubject(token: string | undefined): Promise<string>;
}

export type ChatErrorCode = keyof typeof CHAT_ERROR_CODES;

export class ChatError extends Error {
  override readonly name = 'ChatError';
  readonly code: ChatErrorCode;

  constructor(
    code: ChatErrorCode,
    message: string = CHAT_ERROR_CODES[code],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
  }
}

export function isChatError(value: unknown): value is ChatError {
  return value instanceof ChatError;
}

/** Normalises anything thrown at a boundary; unknown errors become `internal` with `cause` kept. */
export function toChatError(value: unknown): ChatError {
  if (value instanceof ChatError) return value;
  return new ChatError('internal', CHAT_ERROR_CODES.internal, { cause: value });
}

/**
 * Why a member left. `quit`/`closed` are the client's doing; the rest are the server's.
 */
export type DisconnectReason =
  | 'quit'
  | 'closed'
  | 'error'
  | 'timeout'
  | 'too_slow'
  | 'flooding'
  | 'shutdown'
  | 'protocol';
