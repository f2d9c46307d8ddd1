import {
  emptyPayload,
  findPayload,
  PAYLOAD_MARK,
  type ParsedPayload,
  parsePayload,
} from './payload.js';

/** The bytes of a payload header can span at most this many bytes; longer is not a header. */
const MAX_HEADER_BYTES = 64;
const MARK = Buffer.from(PAYLOAD_MARK, 'latin1');

/**
 * Finds payloads in a byte stream (line TCP) whose chunks may split a payload anywhere.
 * Payloads are self-delimiting, so no line framing is needed: only a possibly cut header at
 * the end of a chunk is kept for the next one.
 */
export class PayloadScanner {
  private tail: Buffer | null = null;
  private readonly parsed: ParsedPayload = emptyPayload();

  /** Calls `onPayload` for each complete payload header in order. */
  push(chunk: Buffer, onPayload: (payload: ParsedPayload) => void): void {
    let buf = chunk;
    if (this.tail !== null) {
      buf = Buffer.concat([this.tail, chunk]);
      this.tail = null;
    }
    let from = 0;
    for (;;) {
      const at = findPayload(buf, from);
      if (at < 0) break;
      const end = parsePayload(buf, at, this.parsed);
      if (end >= 0) {
        onPayload(this.parsed);
        from = end;
        continue;
      }
      if (end === -2 && buf.length - at < MAX_HEADER_BYTES) {
        this.tail = Buffer.from(buf.subarray(at));
        return;
      }
      from = at + MARK.length;
    }
    this.keepMarkPrefix(buf);
  }

  /** Keeps a trailing `#` or `#b` that may be the start of a marker cut by the chunk end. */
  private keepMarkPrefix(buf: Buffer): void {
    for (let n = Math.min(MARK.length - 1, buf.length); n > 0; n--) {
      if (endsWithMarkPrefix(buf, n)) {
        this.tail = Buffer.from(buf.subarray(buf.length - n));
        return;
      }
    }
  }
}

/** Whether `buf` ends with the marker's first `n` bytes (byte by byte: no views made). */
function endsWithMarkPrefix(buf: Buffer, n: number): boolean {
  const from = buf.length - n;
  for (let i = 0; i < n; i++) if (buf[from + i] !== MARK[i]) return false;
  return true;
}
