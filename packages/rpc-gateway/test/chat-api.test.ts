import { describe, expect, it } from 'vitest';
import { Inbox, joinAs, openClient, startServer } from './helpers.js';

// The capnweb-python chat example's client, played by the npm capnweb client over a real
// socket: join with a callback RpcTarget, see others join, send, receive, list, leave.
describe('ChatApi > the capnweb-python contract', () => {
  it('joins, announces, delivers to everyone including the sender, lists and leaves', async () => {
    const { url } = await startServer();
    const alice = await joinAs(url, 'alice');
    expect(alice.welcome).toEqual({
      message: 'Welcome to the chat, alice!',
      userCount: 1,
      users: ['alice'],
    });

    const bob = await joinAs(url, 'bob');
    expect(bob.welcome).toEqual({
      message: 'Welcome to the chat, bob!',
      userCount: 2,
      users: ['alice', 'bob'],
    });
    const joined = await alice.inbox.next('bob joined the chat');
    expect(joined).toMatchObject({
      username: 'System',
      text: 'bob joined the chat',
      type: 'system',
    });
    // As in the original, the joiner gets the welcome as the answer, not a notice.
    expect(bob.inbox.texts()).not.toContain('bob joined the chat');

    const sent = await bob.api.sendMessage('bob', 'hello everyone');
    expect(sent.status).toBe('sent');
    expect(typeof sent.timestamp).toBe('number');
    for (const inbox of [alice.inbox, bob.inbox]) {
      const got = await inbox.next('hello everyone');
      expect(got).toMatchObject({ username: 'bob', text: 'hello everyone', type: 'chat' });
    }

    expect(await alice.api.listUsers()).toEqual(['alice', 'bob']);
    expect(await alice.api.userCount).toBe(2);

    const history = await alice.api.getHistory();
    expect(history).toEqual([
      expect.objectContaining({ username: 'bob', text: 'hello everyone', type: 'chat' }),
    ]);
    expect(history[0]!.timestamp).toBeGreaterThan(0);

    expect(await bob.api.leave('bob')).toEqual({ message: 'Goodbye, bob!' });
    expect(await alice.inbox.next('bob left the chat')).toMatchObject({
      username: 'System',
      type: 'system',
    });
    expect(await alice.api.listUsers()).toEqual(['alice']);
  });

  it('refuses a taken name with the exact message, case-insensitively', async () => {
    const { url } = await startServer();
    const alice = await joinAs(url, 'alice');
    const other = openClient(url);
    await expect(other.api.join('alice', new Inbox())).rejects.toThrow(
      /^Username 'alice' is already taken$/,
    );
    const error = await other.api.join('Alice', new Inbox()).catch((err: Error) => err);
    expect((error as Error).message).toBe("Username 'Alice' is already taken");
    expect((error as Error & { code?: string }).code).toBe('name_taken');
    // The refused session can still join under another name, and alice hears about it.
    await other.api.join('carol', new Inbox());
    await alice.inbox.next('carol joined the chat');
  });

  it('refuses reserved and invalid names with a clear error', async () => {
    const { url } = await startServer();
    const client = openClient(url);
    await expect(client.api.join('System', new Inbox())).rejects.toMatchObject({
      code: 'name_reserved',
    });
    await expect(client.api.join('no spaces', new Inbox())).rejects.toMatchObject({
      code: 'name_invalid',
    });
    await expect(client.api.join('dave', 'not a callback' as never)).rejects.toThrow(
      /callback must be an RpcTarget/,
    );
  });

  it('keeps getHistory to the last 50 public messages, oldest first', async () => {
    const { url } = await startServer({ roomOptions: { limits: { rateBurst: 100 } } });
    const alice = await joinAs(url, 'alice');
    for (let i = 1; i <= 55; i++) await alice.api.sendMessage('alice', `m${i}`);
    const history = await alice.api.getHistory();
    expect(history).toHaveLength(50);
    expect(history[0]!.text).toBe('m6');
    expect(history[49]!.text).toBe('m55');
    expect(history.map((m) => m.seq)).toEqual([...history.map((m) => m.seq)].sort((a, b) => a - b));
  });
});

describe('ChatApi > identity is bound to the session', () => {
  it('refuses sending or leaving as a name this session did not join', async () => {
    const { url } = await startServer();
    const alice = await joinAs(url, 'alice');
    const bob = await joinAs(url, 'bob');

    await expect(bob.api.sendMessage('alice', 'I am alice')).rejects.toThrow(
      "Username 'alice' belongs to another session",
    );
    await expect(bob.api.leave('alice')).rejects.toThrow(
      "Username 'alice' belongs to another session",
    );
    await expect(bob.api.sendMessage('nobody', 'hi')).rejects.toThrow(
      "User 'nobody' not in chat room",
    );
    await expect(bob.api.leave('nobody')).rejects.toThrow("User 'nobody' not found");

    const stranger = openClient(url);
    await expect(stranger.api.sendMessage('bob', 'hi')).rejects.toMatchObject({
      code: 'not_joined',
    });

    // Nothing was sent as alice, and alice is still in: the next real message arrives.
    await bob.api.sendMessage('bob', 'real message');
    await alice.inbox.next('real message');
    expect(alice.inbox.texts()).not.toContain('I am alice');
    expect(await bob.api.listUsers()).toEqual(['alice', 'bob']);
  });

  it('refuses a second join on the same session', async () => {
    const { url } = await startServer();
    const alice = await joinAs(url, 'alice');
    await expect(alice.api.join('alice2', new Inbox())).rejects.toThrow(
      "This session already joined as 'alice'",
    );
    // After leaving, the session may join again.
    await alice.api.leave('alice');
    const again = await alice.api.join('alice2', new Inbox());
    expect(again.users).toEqual(['alice2']);
  });
});

describe('ChatApi > callbacks', () => {
  it('keeps the callback past the join call (dup) and releases it on leave', async () => {
    const { url } = await startServer();
    const alice = await joinAs(url, 'alice');
    const bob = await joinAs(url, 'bob');
    await bob.api.sendMessage('bob', 'after join');
    await alice.inbox.next('after join');
    expect(alice.inbox.disposed).toBe(false);
    await alice.api.leave('alice');
    await alice.inbox.whenDisposed();
  });

  it('drops a member whose callback throws, and nobody else', async () => {
    const { url } = await startServer();
    const alice = await joinAs(url, 'alice');
    const bob = await joinAs(url, 'bob');
    await joinAs(url, 'thrower', new Inbox('throw'));
    await alice.inbox.next('thrower joined the chat');

    await alice.api.sendMessage('alice', 'trigger');
    await bob.inbox.next('trigger');
    await bob.inbox.next('thrower left the chat');
    await alice.api.sendMessage('alice', 'still flowing');
    await bob.inbox.next('still flowing');
    expect(await alice.api.listUsers()).toEqual(['alice', 'bob']);
    const leaves = bob.inbox.texts().filter((t) => t === 'thrower left the chat');
    expect(leaves).toHaveLength(1);
  });

  it('a callback that never answers does not stall the others', async () => {
    // The timeout is far beyond the test, so hanger is certainly still in while bob reads.
    const { url } = await startServer({ callbackTimeoutMs: 60_000 });
    const alice = await joinAs(url, 'alice');
    const bob = await joinAs(url, 'bob');
    const hanger = await joinAs(url, 'hanger', new Inbox('hang'));
    await alice.inbox.next('hanger joined the chat');

    for (let i = 1; i <= 5; i++) await alice.api.sendMessage('alice', `tick ${i}`);
    await bob.inbox.next('tick 5');
    await hanger.inbox.next('tick 1');
    expect(await bob.api.listUsers()).toEqual(['alice', 'bob', 'hanger']);
  });

  it('drops a member whose callback never answers, and nobody else', async () => {
    // Short enough for the test, long enough that alice's and bob's answers always make it.
    const { url } = await startServer({ callbackTimeoutMs: 1000 });
    const alice = await joinAs(url, 'alice');
    const bob = await joinAs(url, 'bob');
    const hanger = await joinAs(url, 'hanger', new Inbox('hang'));
    await alice.inbox.next('hanger joined the chat');
    await alice.api.sendMessage('alice', 'tick 1');
    await hanger.inbox.next('tick 1');

    await bob.inbox.next('hanger left the chat');
    await alice.api.sendMessage('alice', 'after the drop');
    await bob.inbox.next('after the drop');
    expect(await alice.api.listUsers()).toEqual(['alice', 'bob']);
  });

  it('keeps every message in order across many callback epochs', async () => {
    // A short timeout makes epochs short (a quarter of it), so this run crosses several; not
    // so short that a loaded machine's pause drops bob.
    const { url } = await startServer({
      callbackTimeoutMs: 800,
      // The 300 sends are awaited only at the end, so capnweb holds every result until then.
      maxCallsInFlight: 400,
      roomOptions: { limits: { rateBurst: 400, ratePerSecond: 1000 } },
    });
    const alice = await joinAs(url, 'alice');
    const bob = await joinAs(url, 'bob');
    const sends: Promise<unknown>[] = [];
    for (let i = 1; i <= 300; i++) {
      sends.push(alice.api.sendMessage('alice', `n${i}`));
      if (i % 30 === 0) await bob.inbox.next(`n${i}`);
    }
    await Promise.all(sends);
    await bob.inbox.next('n300');
    const seen = bob.inbox.texts().filter((t) => t.startsWith('n'));
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => `n${i + 1}`));
    expect(await alice.api.listUsers()).toEqual(['alice', 'bob']);
  });

  it('disconnects a member whose unanswered calls pass maxBufferedBytes (too_slow)', async () => {
    const { url } = await startServer({
      callbackTimeoutMs: 60_000,
      roomOptions: { limits: { maxBufferedBytes: 2000, rateBurst: 50 } },
    });
    const alice = await joinAs(url, 'alice');
    const bob = await joinAs(url, 'bob');
    const slow = await joinAs(url, 'slow', new Inbox('hang'));
    await alice.inbox.next('slow joined the chat');
    for (let i = 1; i <= 20; i++) await alice.api.sendMessage('alice', `load ${i}`);
    expect(await slow.closed).toBe(1008);
    await bob.inbox.next('slow left the chat');
    await alice.api.sendMessage('alice', 'after too_slow');
    await bob.inbox.next('after too_slow');
    expect(bob.inbox.texts().filter((t) => t.startsWith('load '))).toHaveLength(20);
  });
});

describe('ChatApi > the session ends', () => {
  it('leaves the room exactly once when the socket is terminated', async () => {
    const { url, room } = await startServer();
    const alice = await joinAs(url, 'alice');
    const bob = await joinAs(url, 'bob');
    await alice.inbox.next('bob joined the chat');

    bob.socket.terminate();
    await alice.inbox.next('bob left the chat');
    await alice.api.sendMessage('alice', 'marker');
    await alice.inbox.next('marker');
    expect(alice.inbox.texts().filter((t) => t === 'bob left the chat')).toHaveLength(1);
    expect(room.users()).toEqual(['alice']);
    // The name is free again.
    const again = await joinAs(url, 'bob');
    expect(again.welcome.users).toEqual(['alice', 'bob']);
  });

  it('leaves when the client disposes its session stub', async () => {
    const { url } = await startServer();
    const alice = await joinAs(url, 'alice');
    const bob = await joinAs(url, 'bob');
    bob.api[Symbol.dispose]();
    await alice.inbox.next('bob left the chat');
  });
});

describe('ChatApi > limits', () => {
  it('refuses a message over maxMessageSize by ending that session only', async () => {
    const { url } = await startServer({ maxMessageSize: 16 * 1024 });
    const alice = await joinAs(url, 'alice');
    const bob = await joinAs(url, 'bob');
    await alice.inbox.next('bob joined the chat');

    const huge = bob.api.sendMessage('bob', 'x'.repeat(32 * 1024));
    await expect(huge).rejects.toThrow();
    await alice.inbox.next('bob left the chat');
    expect(alice.inbox.texts().some((t) => t.startsWith('xxx'))).toBe(false);

    const carol = await joinAs(url, 'carol');
    await carol.api.sendMessage('carol', 'next message');
    await alice.inbox.next('next message');
  });

  it('refuses a message nested deeper than maxDepth', async () => {
    const { url } = await startServer({ maxDepth: 16 });
    const alice = await joinAs(url, 'alice');
    const bob = await joinAs(url, 'bob');
    await alice.inbox.next('bob joined the chat');

    let deep: unknown = 'bottom';
    for (let i = 0; i < 40; i++) deep = [deep];
    await expect(bob.api.sendMessage('bob', deep as string)).rejects.toThrow();
    await alice.inbox.next('bob left the chat');
    const carol = await joinAs(url, 'carol');
    await carol.api.sendMessage('carol', 'after deep');
    await alice.inbox.next('after deep');
  });

  it('refuses text over the room limit with too_long and keeps the member', async () => {
    const { url } = await startServer();
    const alice = await joinAs(url, 'alice');
    const bob = await joinAs(url, 'bob');
    await expect(bob.api.sendMessage('bob', 'y'.repeat(4001))).rejects.toMatchObject({
      code: 'too_long',
    });
    await expect(bob.api.sendMessage('bob', 42 as unknown as string)).rejects.toMatchObject({
      code: 'bad_request',
    });
    await bob.api.sendMessage('bob', 'short one');
    await alice.inbox.next('short one');
  });
});
