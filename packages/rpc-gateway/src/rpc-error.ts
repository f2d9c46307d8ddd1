import { type ChatErrorCode, isChatError, type Logger } from '@chatgate/core';

/**
 * What an RPC caller receives when a call is refused: a plain Error (capnweb sends its name
 * and message) with an own `code` property, which capnweb also carries to the client. The
 * message is the wire contract where the capnweb-python example fixes one; `code` is
 * core's ChatErrorCode, or `not_joined` for identity checks.
 */
export class RpcError extends Error {
  readonly code: ChatErrorCode;

  constructor(code: ChatErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The longest piece of client input quoted back in an error message. */
const MAX_QUOTED_CHARS = 64;

/** Quotes client input in an error message, cut short so errors stay small. */
export function quote(value: unknown): string {
  const text = String(value);
  return text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text;
}

/**
 * The one place errors cross to the client: ChatErrors keep code and message, a refused
 * name gets the capnweb-python example's wording, anything else is logged and becomes
 * `internal` so no stack or detail leaks.
 */
export function toRpcError(err: unknown, log: Logger, requestedName?: string): RpcError {
  if (err instanceof RpcError) return err;
  if (isChatError(err)) {
    if (err.code === 'name_taken' && requestedName !== undefined) {
      return new RpcError('name_taken', `Username '${quote(requestedName)}' is already taken`);
    }
    return new RpcError(err.code, err.message);
  }
  log.error({ err }, 'rpc call failed');
  return new RpcError('internal', 'Internal error');
}
