/**
 * "One order": every member's sequence of message ids must be a subsequence of a single
 * room order. Equivalently, the graph whose edges are each member's consecutive pairs has
 * no cycle (and nobody saw a message twice). Pairwise agreement alone is not enough: three
 * members can each agree pairwise and still disagree as a whole.
 */
export type OrderCheck =
  | { ok: true; members: number; messages: number }
  | { ok: false; members: number; messages: number; problem: string };

export function checkOneOrder(lists: ReadonlyArray<ReadonlyArray<number>>): OrderCheck {
  const members = lists.length;
  const successors = new Map<number, Set<number>>();
  const indegree = new Map<number, number>();
  const node = (id: number) => {
    if (!indegree.has(id)) {
      indegree.set(id, 0);
      successors.set(id, new Set());
    }
  };
  for (let m = 0; m < members; m++) {
    const list = lists[m]!;
    const seen = new Set<number>();
    for (let i = 0; i < list.length; i++) {
      const id = list[i]!;
      if (seen.has(id)) {
        return {
          ok: false,
          members,
          messages: indegree.size,
          problem: `member ${m} saw ${id} twice`,
        };
      }
      seen.add(id);
      node(id);
      if (i > 0) {
        const prev = list[i - 1]!;
        const out = successors.get(prev)!;
        if (!out.has(id)) {
          out.add(id);
          indegree.set(id, indegree.get(id)! + 1);
        }
      }
    }
  }
  const messages = indegree.size;
  const ready: number[] = [];
  for (const [id, degree] of indegree) if (degree === 0) ready.push(id);
  let placed = 0;
  while (ready.length > 0) {
    const id = ready.pop()!;
    placed++;
    for (const next of successors.get(id)!) {
      const degree = indegree.get(next)! - 1;
      indegree.set(next, degree);
      if (degree === 0) ready.push(next);
    }
  }
  if (placed === messages) return { ok: true, members, messages };
  return { ok: false, members, messages, problem: describeDisagreement(lists) };
}

/** Finds two members who saw two messages in opposite orders (only on failure). */
function describeDisagreement(lists: ReadonlyArray<ReadonlyArray<number>>): string {
  for (let a = 0; a < lists.length; a++) {
    for (let b = a + 1; b < lists.length; b++) {
      const position = new Map<number, number>();
      for (const [i, id] of lists[b]!.entries()) position.set(id, i);
      let prevId: number | undefined;
      let prevPos = -1;
      for (const id of lists[a]!) {
        const pos = position.get(id);
        if (pos === undefined) continue;
        if (pos < prevPos) {
          return `member ${a} saw ${prevId} before ${id}; member ${b} saw ${id} before ${prevId}`;
        }
        prevId = id;
        prevPos = pos;
      }
    }
  }
  return 'members agree pairwise but their orders form a cycle';
}
