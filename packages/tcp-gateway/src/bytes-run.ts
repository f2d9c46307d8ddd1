/**
 * A presence run as bytes: each event's frame back to back, built once for every member of a
 * dialect. A member that joined during the run gets the tail after the events it already
 * knows, as a view of the same buffer (no copy), so a flush costs one write per member.
 */
export class BytesRun {
  private constructor(
    readonly bytes: Buffer,
    /** Where each event's frame starts in `bytes`. */
    private readonly starts: number[],
  ) {}

  static of(frames: ReadonlyArray<Buffer>): BytesRun {
    const starts: number[] = [];
    let length = 0;
    for (const frame of frames) {
      starts.push(length);
      length += frame.length;
    }
    return new BytesRun(Buffer.concat(frames, length), starts);
  }

  /** The bytes after the first `known` events; empty when the member knows them all. */
  from(known: number): Buffer {
    if (known <= 0) return this.bytes;
    const start = this.starts[known];
    return start === undefined
      ? this.bytes.subarray(this.bytes.length)
      : this.bytes.subarray(start);
  }
}
