import { describe, expect, it } from 'vitest';
import { joinAs, startGateway } from './helpers.js';

describe('ws-gateway > presence deferral', () => {
  it('delivers others’ joins and leaves on their own, with no other traffic', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    expect(await alice.next('join')).toMatchObject({ name: 'bob' });
    bob.socket.terminate();
    expect(await alice.next('leave')).toMatchObject({ name: 'bob' });
  });

  it('keeps seq order: a deferred join goes out before a later message', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    bob.send({ type: 'chat_message', content: 'right after joining' });
    await alice.next((m) => m.type === 'chat_message' && m.content === 'right after joining');
    const kinds = alice.messages
      .filter((m) => m.type === 'join' || m.type === 'chat_message')
      .map((m) => `${m.type}:${m.name ?? m.content}`);
    expect(kinds).toEqual(['join:bob', 'chat_message:right after joining']);
    const seqs = alice.messages
      .filter((m) => typeof m.seq === 'number')
      .map((m) => m.seq as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('sends deferred presence before the goodbye when the server closes', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    await joinAs(gw, 'bob');
    await gw.room.close('shutdown');
    await alice.next('bye');
    const types = alice.messages.map((m) => m.type);
    expect(types.indexOf('join')).toBeGreaterThan(-1);
    expect(types.indexOf('join')).toBeLessThan(types.indexOf('bye'));
  });
});
