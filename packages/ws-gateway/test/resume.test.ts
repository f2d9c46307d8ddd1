import { describe, expect, it } from 'vitest';
import { joinAs, startGateway, TestClient } from './helpers.js';

describe('resume after a network blip', () => {
  it('retakes the name at once with the token and gets exactly what was missed, then live messages', async () => {
    const gw = await startGateway();
    const alice = await TestClient.open(`${gw.ws}/ws`);
    alice.send({ type: 'connect', username: 'alice' });
    const welcome = await alice.next('welcome');
    expect(typeof welcome.epoch).toBe('string');
    expect(typeof welcome.resume_token).toBe('string');
    const bob = await joinAs(gw, 'bob');
    bob.say('seen');
    const seen = await alice.next((m) => m.content === 'seen');
    bob.say('missed-1');
    bob.say('missed-2');
    await alice.next((m) => m.content === 'missed-2');

    const back = await TestClient.open(`${gw.ws}/ws`);
    back.send({
      type: 'connect',
      username: 'alice',
      resume: { token: welcome.resume_token, epoch: welcome.epoch, seq: seen.seq },
    });
    expect(await back.next('connect_response')).toMatchObject({ success: true });
    await back.next('welcome');
    const missed = await back.next((m) => m.type === 'chat_message');
    expect(missed.content).toBe('missed-1');
    expect(await back.next((m) => m.type === 'chat_message')).toMatchObject({
      content: 'missed-2',
    });
    const resumed = await back.next((m) => m.type === 'resumed' || m.type === 'chat_message');
    expect(resumed).toMatchObject({ type: 'resumed', missed: 3 }); // two messages, one leave
    bob.say('live');
    expect(await back.next((m) => m.type === 'chat_message')).toMatchObject({ content: 'live' });
    await alice.waitClosed();
    expect(back.messages.filter((m) => m.history === true)).toEqual([]);
  });

  it('says history_reset, then replays the history, for a position from another epoch', async () => {
    const gw = await startGateway();
    const bob = await joinAs(gw, 'bob');
    bob.say('kept');
    await bob.next((m) => m.content === 'kept');
    const client = await TestClient.open(`${gw.ws}/ws`);
    client.send({ type: 'connect', username: 'carol', resume: { epoch: 'old', seq: 5 } });
    await client.next('welcome');
    expect(await client.next((m) => m.type === 'history_reset')).toMatchObject({
      epoch: expect.any(String),
    });
    expect(await client.next((m) => m.type === 'chat_message')).toMatchObject({
      content: 'kept',
      history: true,
    });
  });

  it('refuses a malformed resume like any bad connect, and the room goes on', async () => {
    const gw = await startGateway();
    const bob = await joinAs(gw, 'bob');
    const dan = await joinAs(gw, 'dan');
    const bad = await TestClient.open(`${gw.ws}/ws`);
    bad.send({ type: 'connect', username: 'eve', resume: { epoch: 'e', seq: -1 } });
    expect(await bad.next('connect_response')).toMatchObject({ success: false });
    await bad.waitClosed();
    const wrongToken = await TestClient.open(`${gw.ws}/ws`);
    wrongToken.send({ type: 'connect', username: 'bob', resume: { token: 'guess' } });
    expect(await wrongToken.next('login_response')).toMatchObject({ success: false });
    bob.say('still here');
    expect(await dan.next((m) => m.type === 'chat_message')).toMatchObject({
      content: 'still here',
    });
  });
});
