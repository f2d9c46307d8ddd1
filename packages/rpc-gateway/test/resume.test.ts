import { connectChat } from '@chatgate/rpc-client';
import { describe, expect, it } from 'vitest';
import { Inbox, joinAs, recordingMember as member, openClient, startServer } from './helpers.js';

describe('RPC resume (docs/protocols.md, "Resume")', () => {
  it('a reconnecting client takes its name back at once and gets exactly what it missed', async () => {
    const { url, room } = await startServer();
    const bob = await member(url, 'bob');
    const alice = await member(url, 'alice');
    await bob.client.send('m1');
    await alice.next((m) => m.text === 'm1', 'm1');
    // What alice had seen when her network went away; her old connection is still open.
    const saved = alice.client.resumeState();
    expect(saved.token).not.toBe('');
    await bob.client.send('m2');
    await bob.client.send('m3');

    const again = await member(url, 'alice', saved);
    expect(again.client.name).toBe('alice');
    const resumed = await again.next((m) => m.event === 'resumed', 'the resumed notice');
    const chat = again.messages.filter((m) => m.type === 'chat').map((m) => m.text);
    expect(chat).toEqual(['m2', 'm3']);
    // Everything it missed came before the notice, in order.
    const before = again.messages.slice(0, again.messages.indexOf(resumed));
    expect(before.map((m) => m.seq)).toEqual([...before.map((m) => m.seq)].sort((a, b) => a - b));
    expect(resumed.missed).toBe(before.length);
    expect(room.users()).toEqual(['bob', 'alice']);

    // The new connection goes on live, and can resume again from where it is.
    await bob.client.send('m4');
    await again.next((m) => m.text === 'm4', 'm4 live');
    expect(again.client.resumeState().seq).toBeGreaterThan(saved.seq);
  });

  it('refuses a wrong token like any taken name, and a malformed resume as bad_request', async () => {
    const { url, room } = await startServer();
    const alice = await member(url, 'alice');
    const state = alice.client.resumeState();
    const wrong = await connectChat(url, {
      name: 'alice',
      resume: { ...state, token: 'not-her-token' },
    }).catch((err: unknown) => err);
    expect((wrong as Error).message).toMatch(/already taken/);

    for (const resume of [{ epoch: state.epoch, seq: -1 }, { token: 5 }, { seq: 3 }]) {
      const error = await connectChat(url, {
        name: 'zed',
        resume: resume as never,
      }).catch((err: unknown) => err);
      expect((error as { code?: string }).code ?? (error as Error).message).toMatch(
        /bad_request|resume/,
      );
    }
    // Nothing changed for the member already here.
    expect(room.users()).toEqual(['alice']);
    await alice.client.send('still here');
  });

  it('tells a client from another epoch that the history was reset', async () => {
    const { url } = await startServer();
    const alice = await member(url, 'alice');
    const state = alice.client.resumeState();
    alice.client.close();
    const again = await member(url, 'alice', { ...state, epoch: 'an-old-epoch' });
    await again.next((m) => m.event === 'history_reset', 'history_reset');
  });

  it('the original join answers resume fields only to callers that pass options', async () => {
    const { url } = await startServer();
    const plain = await joinAs(url, 'plain');
    expect(Object.keys(plain.welcome).sort()).toEqual(['message', 'userCount', 'users']);

    const client = openClient(url);
    const first = new Inbox();
    const welcome = await client.api.join('modern', first, {});
    expect(welcome).toMatchObject({ message: 'Welcome to the chat, modern!', userCount: 2 });
    expect(typeof welcome.resumeToken).toBe('string');
    expect(typeof welcome.epoch).toBe('string');
    expect(welcome.seq).toBeGreaterThan(0);

    // The old socket is still open: the token takes the name over at once.
    const second = openClient(url);
    const inbox = new Inbox();
    const back = await second.api.join('modern', inbox, {
      resume: { token: welcome.resumeToken, epoch: welcome.epoch, seq: welcome.seq },
    });
    expect(back.message).toBe('Welcome to the chat, modern!');
    await inbox.next(/^resumed: \d+ missed$/);
    // The old member was ended: its callback released, its name now this connection's.
    await first.whenDisposed();
    expect(await second.api.listUsers()).toEqual(['plain', 'modern']);
  });
});
