import type { ChatMessage } from '@chatgate/rpc-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { connectChat, openChatGateway } from '../src/client.js';
import { Inbox, startServer, WAIT_MS, waitFor } from './helpers.js';

/** A connectChat member whose messages are recorded, closed after the test. */
async function member(url: string, name: string) {
  const messages: ChatMessage[] = [];
  const listeners = new Set<() => void>();
  let closedWith: unknown;
  const client = await connectChat(url, {
    name,
    onMessage: (message) => {
      messages.push(message);
      for (const listener of Array.from(listeners)) listener();
    },
    onClose: (error) => {
      closedWith = error ?? 'closed';
      for (const listener of Array.from(listeners)) listener();
    },
  });
  onTestFinished(() => client.close());
  const subscribe = (check: () => void) => {
    listeners.add(check);
    return () => listeners.delete(check);
  };
  return {
    client,
    messages,
    next: (text: string) =>
      waitFor(subscribe, () => messages.find((m) => m.text === text), `message ${text}`),
    closed: () => waitFor(subscribe, () => closedWith, 'onClose', WAIT_MS),
    get closedWith() {
      return closedWith;
    },
  };
}

describe('MemberApi via connectChat', () => {
  it('sends /me as an action to everyone, marked action, and keeps it in history', async () => {
    const { url } = await startServer();
    const alice = await member(url, 'alice');
    const bob = await member(url, 'bob');
    const result = await bob.client.input('/me waves');
    expect(result.kind).toBe('sent');
    for (const m of [alice, bob]) {
      expect(await m.next('waves')).toMatchObject({ username: 'bob', type: 'chat', action: true });
    }
    const history = await alice.client.history(5);
    expect(history.at(-1)).toMatchObject({ text: 'waves', action: true });
    await expect(bob.client.input('/me')).rejects.toThrow('Usage: /me ACTION');
    await bob.client.send('plain');
    expect(await alice.next('plain')).not.toHaveProperty('action');
  });

  it('joins, and sends to everyone including the sender', async () => {
    const { url } = await startServer();
    const alice = await member(url, 'alice');
    expect(alice.client.usersAtJoin).toEqual(['alice']);
    expect(alice.client.name).toBe('alice');
    const bob = await member(url, 'bob');
    expect(bob.client.usersAtJoin).toEqual(['alice', 'bob']);
    expect(await alice.next('bob joined the chat')).toMatchObject({
      type: 'system',
      event: 'join',
      name: 'bob',
    });

    const result = await bob.client.send('hello');
    expect(result.status).toBe('sent');
    for (const m of [alice, bob]) {
      expect(await m.next('hello')).toMatchObject({ username: 'bob', type: 'chat' });
    }
    expect(await alice.client.users()).toEqual(['alice', 'bob']);
    const history = await alice.client.history(5);
    expect(history.map((m) => m.text)).toEqual(['hello']);
    await expect(alice.client.history(0)).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('whispers to one member only', async () => {
    const { url } = await startServer();
    const alice = await member(url, 'alice');
    const bob = await member(url, 'bob');
    const carol = await member(url, 'carol');
    await bob.client.whisper('alice', 'just for you');
    expect(await alice.next('just for you')).toMatchObject({
      username: 'bob',
      type: 'private',
      to: 'alice',
    });
    expect(await bob.next('just for you')).toMatchObject({ type: 'private', to: 'alice' });
    await bob.client.send('public marker');
    await carol.next('public marker');
    expect(carol.messages.map((m) => m.text)).not.toContain('just for you');
    await expect(bob.client.whisper('nobody', 'hi')).rejects.toMatchObject({
      code: 'no_such_member',
    });
  });

  it('renames, announced to the others; a taken name is refused', async () => {
    const { url } = await startServer();
    const alice = await member(url, 'alice');
    const bob = await member(url, 'bob');
    expect(await bob.client.rename('robert')).toBe('robert');
    expect(bob.client.name).toBe('robert');
    expect(await alice.next('bob is now known as robert')).toMatchObject({
      event: 'rename',
      from: 'bob',
      name: 'robert',
    });
    await expect(bob.client.rename('alice')).rejects.toThrow("Username 'alice' is already taken");
    expect(await alice.client.users()).toEqual(['alice', 'robert']);
  });

  it('parses typed lines with input()', async () => {
    const { url } = await startServer();
    const alice = await member(url, 'alice');
    const bob = await member(url, 'bob');
    expect(await bob.client.input('/users')).toEqual({ kind: 'users', names: ['alice', 'bob'] });
    expect(await bob.client.input('@alice psst')).toMatchObject({
      kind: 'sent',
      seq: expect.any(Number),
    });
    expect(await alice.next('psst')).toMatchObject({ type: 'private', username: 'bob' });
    expect(await bob.client.input('/nick bobby')).toEqual({
      kind: 'renamed',
      from: 'bob',
      to: 'bobby',
    });
    expect(bob.client.name).toBe('bobby');
    await expect(bob.client.input('/bogus')).rejects.toThrow('Unknown command: /bogus');
    const history = await bob.client.input('/history 5');
    expect(history.kind).toBe('history');
    expect(await bob.client.input('/quit')).toEqual({ kind: 'quit' });
    await alice.next('bobby left the chat');
    expect(bob.closedWith).toBeUndefined();
  });

  it('leaves once with leave(), and once when closed', async () => {
    const { url } = await startServer();
    const alice = await member(url, 'alice');
    const bob = await member(url, 'bob');
    const carol = await member(url, 'carol');
    expect(await bob.client.leave()).toEqual({ message: 'Goodbye, bob!' });
    await alice.next('bob left the chat');
    carol.client.close();
    await alice.next('carol left the chat');
    await alice.client.send('marker');
    await alice.next('marker');
    const leaves = alice.messages.filter((m) => m.event === 'leave').map((m) => m.name);
    expect(leaves).toEqual(['bob', 'carol']);
    expect(bob.closedWith).toBeUndefined();
    expect(carol.closedWith).toBeUndefined();
  });

  it('refuses a taken name and reports a lost server through onClose', async () => {
    const { url, room } = await startServer();
    const alice = await member(url, 'alice');
    const error = await connectChat(url, { name: 'ALICE' }).catch((err: unknown) => err);
    expect(error).toMatchObject({
      message: "Username 'ALICE' is already taken",
      code: 'name_taken',
    });
    await room.close('shutdown');
    await alice.closed();
  });

  it('rejects when nothing listens at the URL', async () => {
    const { url } = await startServer();
    const wrong = url.replace('/rpc/ws', '/nothing-here');
    await expect(connectChat(wrong, { name: 'alice' })).rejects.toThrow();
  });

  it('caps members per connection', async () => {
    const { url } = await startServer({ maxMembersPerConnection: 2 });
    const api = await openChatGateway(url);
    onTestFinished(() => api[Symbol.dispose]());
    await api.connect('one', new Inbox());
    await api.join('two', new Inbox());
    await expect(api.connect('three', new Inbox())).rejects.toThrow(
      'At most 2 members per connection',
    );
  });
});

describe('MemberApi > capability lifetime', () => {
  it('leaves when the client drops the member stub, keeping the connection', async () => {
    const { url } = await startServer();
    const watcher = await member(url, 'watcher');
    const api = await openChatGateway(url);
    onTestFinished(() => api[Symbol.dispose]());
    const inbox = new Inbox();
    const bot = await api.connect('bot', inbox);
    await watcher.next('bot joined the chat');
    bot[Symbol.dispose]();
    await watcher.next('bot left the chat');
    await inbox.whenDisposed();
    // The same connection can still act.
    expect(await api.listUsers()).toEqual(['watcher']);
  });

  it('refuses calls on a member that has left', async () => {
    const { url } = await startServer();
    const api = await openChatGateway(url);
    onTestFinished(() => api[Symbol.dispose]());
    const bot = await api.connect('bot', new Inbox());
    await bot.leave();
    await expect(bot.send('still here?')).rejects.toMatchObject({ code: 'not_joined' });
    expect(await bot.name).toBe('bot');
  });
});
