import { StringDecoder } from 'node:string_decoder';

/** The longest line kept; the rest of a longer line is dropped (a server should never send it). */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Incremental `\n` / `\r\n` lines from a byte stream: UTF-8 split across chunks is decoded
 * correctly, and a runaway line is cut at MAX_LINE_CHARS instead of buffered whole.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  #partial = '';
  #overflow = false;

  /** Returns the complete lines in `chunk`, without their line endings. */
  push(chunk: Buffer): string[] {
    const text = this.#decoder.write(chunk);
    const lines: string[] = [];
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      const piece = text.slice(start, end);
      start = end + 1;
      const line = this.#overflow ? this.#partial : this.#partial + piece;
      this.#partial = '';
      this.#overflow = false;
      lines.push(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
    this.#append(text.slice(start));
    return lines;
  }

  #append(piece: string): void {
    if (this.#overflow) return;
    this.#partial += piece;
    if (this.#partial.length > MAX_LINE_CHARS) {
      this.#partial = this.#partial.slice(0, MAX_LINE_CHARS);
      this.#overflow = true;
    }
  }
}
