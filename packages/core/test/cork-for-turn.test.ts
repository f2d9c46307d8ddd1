import { describe, expect, it } from 'vitest';
import { corkForTurn, POLLS_BEFORE_WRITE } from '../src/transport.js';
import { nextTurn, waitUntil } from './helpers.js';
import { countWrites, socketPair } from './socket-pair.js';

describe('corkForTurn', () => {
  it('holds a turn of writes for one write at the end of the turn, in order', async () => {
    const { server, client, received } = await socketPair();
    const counts = countWrites(server);
    expect(corkForTurn(server)).toBe(true);
    expect(corkForTurn(server)).toBe(false); // already corked this turn
    const expected: string[] = [];
    for (let i = 0; i < 50; i++) {
      server.write(`${i};`);
      expected.push(`${i};`);
    }
    expect(counts.writes).toBe(0);
    expect(server.writableLength).toBe(expected.join('').length);
    await waitUntil(() => received() === expected.join(''), client, 'data');
    expect(counts.writes).toBe(1);
    expect(server.writableCorked).toBe(0);
  });

  it('flushes every socket corked in a turn, once each, and corks afresh next turn', async () => {
    const a = await socketPair();
    const b = await socketPair();
    const countsA = countWrites(a.server);
    const countsB = countWrites(b.server);
    corkForTurn(a.server);
    corkForTurn(b.server);
    a.server.write('a1;');
    b.server.write('b1;');
    a.server.write('a2;');
    b.server.write('b2;');
    await waitUntil(() => a.received() === 'a1;a2;', a.client, 'data');
    expect([countsA.writes, countsB.writes]).toEqual([1, 1]);
    expect(corkForTurn(a.server)).toBe(true);
    a.server.write('a3;');
    a.server.write('a4;');
    await waitUntil(() => a.received() === 'a1;a2;a3;a4;', a.client, 'data');
    await waitUntil(() => b.received() === 'b1;b2;', b.client, 'data');
    expect(countsA.writes).toBe(2);
  });

  it('a socket destroyed or ended while corked does not break the shared flush', async () => {
    const gone = await socketPair();
    const ended = await socketPair();
    const live = await socketPair();
    for (const pair of [gone, ended, live]) corkForTurn(pair.server);
    gone.server.write('lost;');
    gone.server.destroy();
    ended.server.write('last;');
    ended.server.end(); // end() uncorks by itself; the later uncork is a no-op
    live.server.write('kept;');
    await nextTurn();
    await waitUntil(() => live.received() === 'kept;', live.client, 'data');
    await waitUntil(() => ended.received() === 'last;', ended.client, 'data');
    expect(gone.server.destroyed).toBe(true);
    expect(live.server.writableCorked).toBe(0);
  });

  it('writes made in the polls after the turn join its write', async () => {
    const { server, client, received } = await socketPair();
    const counts = countWrites(server);
    expect(POLLS_BEFORE_WRITE).toBeGreaterThan(0);
    corkForTurn(server);
    server.write('turn;');
    let expected = 'turn;';
    for (let poll = 1; poll <= POLLS_BEFORE_WRITE; poll++) {
      await nextTurn();
      expect(counts.writes).toBe(0);
      expect(corkForTurn(server)).toBe(false); // still corked from the first turn
      server.write(`poll${poll};`);
      expected += `poll${poll};`;
    }
    await waitUntil(() => received() === expected, client, 'data');
    expect(counts.writes).toBe(1);
  });

  it('a socket written on every turn is still written every few turns, in order', async () => {
    const { server, client, received } = await socketPair();
    const counts = countWrites(server);
    const turns = 4 * (POLLS_BEFORE_WRITE + 1);
    let expected = '';
    for (let turn = 0; turn < turns; turn++) {
      corkForTurn(server);
      server.write(`${turn};`);
      expected += `${turn};`;
      await nextTurn();
    }
    await waitUntil(() => received() === expected, client, 'data');
    expect(counts.writes).toBeGreaterThanOrEqual(turns / (POLLS_BEFORE_WRITE + 1) - 1);
    expect(counts.writes).toBeLessThan(turns);
  });
});
