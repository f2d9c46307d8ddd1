import { describe, expect, it } from 'vitest';
import {
  Client,
  createTestRoom,
  joined,
  left,
  Observer,
  said,
  startListener,
  waitFor,
} from './helpers.js';

async function atRoom(options: { nameTimeoutMs?: number } = {}) {
  const room = createTestRoom();
  const { port } = await startListener({ room, dialect: 'at', ...options });
  const observer = await Observer.join(room);
  /** Connects and sends the bare name as the first chunk; resolves once joined. */
  const join = async (name: string, raw = name) => {
    const client = await Client.connect(port);
    await client.send(raw);
    await waitFor(() => room.has(name), `${name} to join`);
    return client;
  };
  // The observer is not an at-style user; leave so @people lists only socket users.
  const alone = () => observer.member.leave('quit');
  return { room, port, observer, join, alone };
}

describe('at dialect', () => {
  it('takes the first chunk as the bare name, with no prompt, and answers @people', async () => {
    const { join, alone, port } = await atRoom();
    await alone();
    const probe = await Client.connect(port);
    const alice = await join('alice');
    await alice.send('@people');
    await alice.read('No other users connected');
    const bob = await join('bob');
    const carol = await join('carol');
    await alice.send('@people');
    await alice.read('Online: bob,carol');
    await bob.send('@people\r\n');
    await bob.read('Online: alice,carol');
    alice.expectNothingUnread();
    carol.expectNothingUnread();
    // A connection that has not named itself has been sent nothing at all.
    probe.expectNothingUnread();
  });

  it('sends @all text to the others as NAME: text, without trailing newline or echo', async () => {
    const { join, observer } = await atRoom();
    const alice = await join('alice');
    const bob = await join('bob');
    const carol = await join('carol');
    await alice.send('@all hello everyone\r\n');
    await bob.read('alice: hello everyone');
    await carol.read('alice: hello everyone');
    await observer.seen(said('hello everyone'));
    await bob.send('@all hi');
    await alice.read('bob: hi');
    alice.expectNothingUnread();
  });

  it('sends @bob text to bob only', async () => {
    const { join } = await atRoom();
    const alice = await join('alice');
    const bob = await join('bob');
    const carol = await join('carol');
    await alice.send('@bob just for you');
    await bob.read('alice: just for you');
    await alice.send('@all public');
    await carol.read('alice: public');
    await bob.read('alice: public');
    alice.expectNothingUnread();
  });

  it('refuses plain text with [ERROR] Missing @ and an unknown target', async () => {
    const { join } = await atRoom();
    const alice = await join('alice');
    await alice.send('hello without at');
    await alice.read('[ERROR] Missing @ ');
    await alice.send('@nobody hi');
    await alice.read('[ERROR] Target user not found');
    await alice.send('/help');
    await alice.readThrough('/quit - leave the room');
    alice.expectNothingUnread();
  });

  it('stays in the default room: room commands are refused', async () => {
    const { join } = await atRoom();
    const alice = await join('alice');
    await alice.send('/join dev');
    await alice.read('[ERROR] This client stays in the default room.');
    await alice.send('/rooms');
    await alice.read('[ERROR] This client stays in the default room.');
    alice.expectNothingUnread();
  });

  it('shows no joins or leaves', async () => {
    const { join, observer } = await atRoom();
    const alice = await join('alice');
    const bob = await join('bob');
    const gone = observer.next(left('bob'));
    bob.end();
    await gone;
    const carol = await join('carol');
    await carol.send('@all first thing alice sees');
    await alice.read('carol: first thing alice sees');
    alice.expectNothingUnread();
  });

  it('refuses a taken name with a clear error and closes', async () => {
    const { join, port, observer } = await atRoom();
    const alice = await join('alice');
    const dup = await Client.connect(port);
    await dup.send('ALICE\r\n');
    await dup.read("[ERROR] The name 'ALICE' is already taken.");
    await dup.waitClosed();
    await alice.send('@all still fine');
    await observer.next(said('still fine'));
    expect(observer.count(joined('ALICE'))).toBe(0);
  });

  it('refuses an invalid name and closes', async () => {
    const { port } = await atRoom();
    const bad = await Client.connect(port);
    await bad.send('two words');
    await bad.read('[ERROR] Names are 1-32 letters, digits, "_", "-" or ".".');
    await bad.waitClosed();
  });

  it('strips a trailing CRLF from the name and from messages', async () => {
    const { join } = await atRoom();
    const alice = await join('alice');
    const bob = await join('bob', 'bob\r\n');
    await bob.send('@alice hey\r\n');
    await alice.read('bob: hey');
  });

  it('closes a connection that sends no name in time', async () => {
    const { port, join } = await atRoom({ nameTimeoutMs: 150 });
    const alice = await join('alice');
    const silent = await Client.connect(port);
    await silent.read('[ERROR] No username received', 3_000);
    await silent.waitClosed();
    const bob = await join('bob');
    await bob.send('@alice after timeout');
    await alice.read('bob: after timeout');
  });

  it('says the server is shutting down before closing', async () => {
    const { join, room } = await atRoom();
    const alice = await join('alice');
    await room.close('shutdown');
    await alice.read('[ERROR] Server shutting down');
    await alice.waitClosed();
  });
});

describe('at dialect > reads that split a UTF-8 character', () => {
  it('keeps a character split across two reads in one message (name José, not Jos)', async () => {
    const { atDialect } = await import('../src/dialects/at.js');
    const whole = Buffer.from('José\r\n');
    for (let cut = 1; cut < whole.length; cut++) {
      const decoder = atDialect.createDecoder();
      decoder.push(whole.subarray(0, cut));
      decoder.push(whole.subarray(cut));
      const inputs = [];
      for (let input = decoder.next(); input !== undefined; input = decoder.next()) {
        inputs.push(input);
      }
      // Cut inside é: one message; elsewhere: two reads, two messages, nothing mangled.
      const texts = inputs.map((i) => (i.kind === 'text' ? i.text : i.kind)).join('|');
      expect(texts.replace('|', ''), `cut at ${cut}`).toBe('José');
      expect(texts).not.toContain('\uFFFD');
      if (cut === 4) expect(inputs).toHaveLength(1);
    }
  });
});
