import { TelnetFilter } from './telnet.js';

/** Default cap on one line's bytes, without its `\n` or `\r\n`. */
export const MAX_LINE_BYTES = 8192;

/** Returned once for each line over the cap; the line itself is discarded. */
export const LINE_TOO_LONG: unique symbol = Symbol('line too long');

/**
 * Incremental line framer: bytes in (any chunking), UTF-8 lines out, pulled one at a time so
 * a consumer can stop mid-chunk (the rest waits here while the socket is paused).
 *
 * - A line ends at `\n`; one trailing `\r` is dropped (CRLF and bare LF both work).
 * - Telnet negotiation is stripped before framing.
 * - A line is decoded only once all its bytes are here, so a UTF-8 character split across
 *   packets decodes whole (`\n` never occurs inside a multi-byte sequence). Invalid UTF-8
 *   becomes U+FFFD.
 * - A line longer than `maxLineBytes` yields LINE_TOO_LONG once and is skipped up to its end;
 *   at most `maxLineBytes + 1` bytes of an unfinished line are ever held.
 */
export class LineFramer {
  private readonly telnet = new TelnetFilter();
  private readonly chunks: Buffer[] = [];
  private offset = 0;
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private discarding = false;

  constructor(private readonly maxLineBytes: number = MAX_LINE_BYTES) {}

  push(chunk: Buffer): void {
    const data = this.telnet.filter(chunk);
    if (data.length > 0) this.chunks.push(data);
  }

  /** Bytes held: unread input plus the unfinished line (bounded while pulled). */
  get pendingBytes(): number {
    let total = this.carryBytes - this.offset;
    for (const chunk of this.chunks) total += chunk.length;
    return total;
  }

  /** The next complete line, LINE_TOO_LONG, or undefined when more bytes are needed. */
  next(): string | typeof LINE_TOO_LONG | undefined {
    while (this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      const start = this.offset;
      const newline = chunk.indexOf(0x0a, start);
      if (newline === -1) {
        this.chunks.shift();
        this.offset = 0;
        if (this.discarding) continue;
        const rest = chunk.length - start;
        // One extra byte: the line may still end in `\r\n`.
        if (this.carryBytes + rest > this.maxLineBytes + 1) {
          this.dropCarry();
          this.discarding = true;
          return LINE_TOO_LONG;
        }
        // Copied so a small tail does not pin a large read buffer.
        this.carry.push(Buffer.from(chunk.subarray(start)));
        this.carryBytes += rest;
        continue;
      }
      this.offset = newline + 1;
      if (this.offset >= chunk.length) {
        this.chunks.shift();
        this.offset = 0;
      }
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      let line = chunk.subarray(start, newline);
      if (this.carryBytes > 0) {
        this.carry.push(line);
        line = Buffer.concat(this.carry, this.carryBytes + line.length);
        this.dropCarry();
      }
      let end = line.length;
      if (end > 0 && line[end - 1] === 0x0d) end--;
      if (end > this.maxLineBytes) return LINE_TOO_LONG;
      return line.toString('utf8', 0, end);
    }
    return undefined;
  }

  private dropCarry(): void {
    this.carry = [];
    this.carryBytes = 0;
  }
}
