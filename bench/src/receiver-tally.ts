/**
 * Per-receiver loss accounting. Each sender numbers its measured messages 0, 1, 2… and one
 * sender's messages travel one connection, so a receiver must see each sender's ids rising.
 * Only a rising id counts as received; a repeat is a duplicate, a smaller id is out of order
 * (so a late message shows up both as out of order and as lost).
 */
export class ReceiverTally {
  received = 0;
  duplicates = 0;
  outOfOrder = 0;
  /** Highest id seen per sender, -1 before the first. */
  private readonly last: Float64Array;

  constructor(senders: number) {
    this.last = new Float64Array(senders).fill(-1);
  }

  /** Returns true when the message counts as a new delivery. */
  record(sender: number, id: number): boolean {
    const last = this.last[sender];
    if (last === undefined) return false;
    if (id > last) {
      this.last[sender] = id;
      this.received++;
      return true;
    }
    if (id === last) this.duplicates++;
    else this.outOfOrder++;
    return false;
  }

  /** True once every sender's message `id` (or a later one) has been seen. */
  hasSeen(sender: number, id: number): boolean {
    return (this.last[sender] ?? -1) >= id;
  }
}

export interface LossSummary {
  /** Deliveries that should have happened: every receiver gets every measured message. */
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
}

/** Totals over receivers, given how many measured messages each sender sent. */
export function summarizeLoss(
  tallies: Iterable<ReceiverTally>,
  sentPerSender: ReadonlyArray<number>,
): LossSummary {
  const perReceiver = sentPerSender.reduce((sum, n) => sum + n, 0);
  let receivers = 0;
  let received = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  for (const tally of tallies) {
    receivers++;
    received += tally.received;
    duplicates += tally.duplicates;
    outOfOrder += tally.outOfOrder;
  }
  const expected = receivers * perReceiver;
  return { expected, received, lost: expected - received, duplicates, outOfOrder };
}
