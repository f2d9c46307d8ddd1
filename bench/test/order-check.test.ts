import { describe, expect, it } from 'vitest';
import { checkOneOrder } from '../src/order-check.js';

describe('order-check > checkOneOrder', () => {
  it('accepts members that saw the same order', () => {
    expect(
      checkOneOrder([
        [1, 2, 3],
        [1, 2, 3],
      ]),
    ).toEqual({ ok: true, members: 2, messages: 3 });
  });

  it('accepts partial views that fit one order (a member missed or joined late)', () => {
    expect(checkOneOrder([[1, 2, 3, 4], [2, 4], [1, 3], []])).toMatchObject({
      ok: true,
      messages: 4,
    });
  });

  it('names two members who saw two messages in opposite orders', () => {
    const check = checkOneOrder([
      [1, 2, 3],
      [1, 3, 2],
    ]);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.problem).toBe('member 0 saw 2 before 3; member 1 saw 3 before 2');
  });

  it('rejects orders that agree pairwise but form a cycle', () => {
    const check = checkOneOrder([
      [1, 2],
      [2, 3],
      [3, 1],
    ]);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.problem).toMatch(/cycle/);
  });

  it('rejects a member that saw one message twice', () => {
    const check = checkOneOrder([[1, 2, 1]]);
    expect(check).toMatchObject({ ok: false, problem: 'member 0 saw 1 twice' });
  });

  it('handles thousands of messages across hundreds of members', () => {
    const order = Array.from({ length: 3000 }, (_, i) => i);
    const lists = Array.from({ length: 200 }, (_, m) => order.filter((id) => (id + m) % 7 !== 0));
    expect(checkOneOrder(lists)).toMatchObject({ ok: true, members: 200, messages: 3000 });
    lists[150] = [...lists[150]!];
    const a = lists[150].indexOf(1000);
    [lists[150][a], lists[150][a + 1]] = [lists[150][a + 1]!, lists[150][a]!];
    expect(checkOneOrder(lists).ok).toBe(false);
  });
});
