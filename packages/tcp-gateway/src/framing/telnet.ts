// Telnet commands (RFC 854). Only the bytes that matter for stripping are named.
const IAC = 0xff;
const SB = 0xfa;
const SE = 0xf0;
const WILL = 0xfb;
const DONT = 0xfe;

// Filter states: plain data, after IAC, after WILL/WONT/DO/DONT, inside SB, IAC inside SB.
const DATA = 0;
const COMMAND = 1;
const OPTION = 2;
const SUB = 3;
const SUB_COMMAND = 4;

/**
 * Removes telnet negotiation from a byte stream: `IAC cmd`, `IAC WILL|WONT|DO|DONT opt` and
 * `IAC SB ... IAC SE`, across chunk boundaries; `IAC IAC` is a literal 0xFF. We never
 * negotiate, so a telnet client falls back to its defaults. 0xFF never occurs in UTF-8, so
 * stripping is safe for nc clients; a chunk without 0xFF passes through uncopied.
 */
export class TelnetFilter {
  private state = DATA;

  filter(chunk: Buffer): Buffer {
    if (this.state === DATA && chunk.indexOf(IAC) === -1) return chunk;
    const out = Buffer.allocUnsafe(chunk.length);
    let n = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      switch (this.state) {
        case DATA:
          if (byte === IAC) this.state = COMMAND;
          else out[n++] = byte;
          break;
        case COMMAND:
          if (byte === IAC) {
            out[n++] = byte;
            this.state = DATA;
          } else if (byte >= WILL && byte <= DONT) this.state = OPTION;
          else if (byte === SB) this.state = SUB;
          else this.state = DATA;
          break;
        case OPTION:
          this.state = DATA;
          break;
        case SUB:
          if (byte === IAC) this.state = SUB_COMMAND;
          break;
        case SUB_COMMAND:
          this.state = byte === SE ? DATA : SUB;
          break;
      }
    }
    return out.subarray(0, n);
  }
}
