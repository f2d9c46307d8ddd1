/**
 * The bench's message text. Every message carries its own identity and send time so any
 * receiver (WebSocket JSON, line TCP, RPC callback) can find it with one byte search:
 *
 *   #b:<phase><sender>:<id>:<sentMicros>:xxxx…   (padded to PAYLOAD_CHARS)
 *
 * The text survives chatgate's sanitising (no control characters, no JSON escapes), and a
 * server may wrap it (`[user3]: …`, `{"content":"…"}`) without hiding it.
 */
export const PAYLOAD_MARK = '#b:';
const MARK_BYTES = Buffer.from(PAYLOAD_MARK, 'latin1');
const COLON = 0x3a;

/** Realistic short chat line; every target sends the same text. */
export const PAYLOAD_CHARS = 64;

/** `s` readiness barrier, `w` warm-up (not counted), `m` measured. */
export type Phase = 's' | 'w' | 'm';

export interface ParsedPayload {
  phase: Phase;
  sender: number;
  id: number;
  /** Microseconds on the generator's clock (see `nowMicros`). */
  sentMicros: number;
}

/**
 * The generator's clock. Senders and receivers live in the generator process, so one
 * process's monotonic `performance.now()` is enough; no clock crosses a process boundary.
 */
export function nowMicros(): number {
  return Math.round(performance.now() * 1000);
}

export function makePayload(phase: Phase, sender: number, id: number, sentMicros: number): string {
  const head = `${PAYLOAD_MARK}${phase}${sender}:${id}:${sentMicros}:`;
  return head.length >= PAYLOAD_CHARS ? head : head.padEnd(PAYLOAD_CHARS, 'x');
}

// PAYLOAD_MARK's bytes as literals, which V8 compiles into the loop below ('#', 'b', ':').
const MARK_0 = 0x23;
const MARK_1 = 0x62;
const MARK_2 = 0x3a;

/**
 * Index of the next payload marker in `buf` at or after `from`, or -1. A plain loop: the
 * generator calls this once per delivery on chunks of a few dozen bytes, where the call into
 * `Buffer.indexOf` cost more than the search.
 */
export function findPayload(buf: Buffer, from = 0): number {
  const last = buf.length - MARK_BYTES.length;
  for (let i = from; i <= last; i++) {
    if (buf[i] === MARK_0 && buf[i + 1] === MARK_1 && buf[i + 2] === MARK_2) return i;
  }
  return -1;
}

const NOT_A_HEADER = -1;
const CUT_SHORT = -2;
/** Where `readField` stopped: the index after the field's colon. */
let cursor = 0;

/**
 * Parses the payload whose marker starts at `at` into `out` without allocating. Returns the
 * index just past the payload header, -1 if the bytes there are not a header, or -2 if the
 * buffer ends inside what may still become one.
 */
export function parsePayload(buf: Buffer, at: number, out: ParsedPayload): number {
  const phase = buf[at + MARK_BYTES.length];
  if (phase === undefined) return CUT_SHORT;
  if (phase !== 0x73 && phase !== 0x77 && phase !== 0x6d) return NOT_A_HEADER;
  cursor = at + MARK_BYTES.length + 1;
  const sender = readField(buf);
  if (sender < 0) return sender;
  const id = readField(buf);
  if (id < 0) return id;
  const sentMicros = readField(buf);
  if (sentMicros < 0) return sentMicros;
  out.phase = String.fromCharCode(phase) as Phase;
  out.sender = sender;
  out.id = id;
  out.sentMicros = sentMicros;
  return cursor;
}

/** A run of 1–16 decimal digits ending in a colon, starting at `cursor`. */
function readField(buf: Buffer): number {
  let value = 0;
  let digits = 0;
  for (let i = cursor; ; i++) {
    const c = buf[i];
    if (c === undefined) return CUT_SHORT;
    if (c === COLON) {
      if (digits === 0) return NOT_A_HEADER;
      cursor = i + 1;
      return value;
    }
    if (c < 0x30 || c > 0x39 || ++digits > 16) return NOT_A_HEADER;
    value = value * 10 + (c - 0x30);
  }
}

export function emptyPayload(): ParsedPayload {
  return { phase: 'm', sender: 0, id: 0, sentMicros: 0 };
}
