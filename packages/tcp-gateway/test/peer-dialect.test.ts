import { describe, expect, it } from 'vitest';
import { createPeerDialect, formatPeerTime, parsePeerPayload } from '../src/index.js';
import {
  Client,
  createTestRoom,
  FIXED_ISO,
  FIXED_TS,
  joined,
  left,
  lengthPrefixed,
  Observer,
  peerChat,
  peerLeave,
  said,
  startListener,
} from './helpers.js';

const chatFrame = (sender: string, text: string) => lengthPrefixed(peerChat(sender, text));

async function peerRoom(options: { nameTimeoutMs?: number } = {}) {
  const room = createTestRoom({}, () => FIXED_TS);
  const dialect = createPeerDialect({ now: () => FIXED_TS });
  const { port } = await startListener({ room, dialect, ...options });
  const observer = await Observer.join(room);
  /** A lab3 peer whose first chat frame names it. */
  const join = async (name: string, text: string) => {
    const client = await Client.connect(port);
    const seen = observer.next(said(text));
    await client.send(chatFrame(name, text));
    await seen;
    return client;
  };
  return { room, port, observer, join };
}

describe('peer dialect > payloads', () => {
  it('parses the lab3 chat payload into sender and text', () => {
    expect(
      parsePeerPayload('[2026-11-22T10:04:11.777898] - alice:\x1b[32m hello\n\x1b[0m<MSGENCD>'),
    ).toEqual({ kind: 'message', sender: 'alice', text: 'hello' });
  });

  it('parses the lab3 leave payload', () => {
    expect(
      parsePeerPayload(
        '\n[2026-11-22T10:04:11.777898]|\n\x1b[35malice  has left the chat... \x1b[0m <EXTENCD>',
      ),
    ).toEqual({ kind: 'leave' });
  });

  it('calls anything else malformed', () => {
    for (const payload of ['hello', 'hi<MSGENCD>', '[x] alice: hi<MSGENCD>', 'bye <EXTENCD>']) {
      expect(parsePeerPayload(payload).kind).toBe('malformed');
    }
  });

  it('formats time like Python isoformat with microseconds', () => {
    expect(formatPeerTime(FIXED_TS)).toBe(FIXED_ISO);
  });
});

describe('peer dialect', () => {
  it('names the member from its first chat frame and relays the text', async () => {
    const { port, observer } = await peerRoom();
    const alice = await Client.connect(port);
    const joinSeen = observer.next(joined('alice'));
    const textSeen = observer.next(said('hello'));
    await alice.send(chatFrame('alice', 'hello'));
    await joinSeen;
    const message = await textSeen;
    expect(message).toMatchObject({ kind: 'message', sender: 'alice', content: 'hello' });
  });

  it('sends room events as whole chat frames in the lab3 format', async () => {
    const { join, room } = await peerRoom();
    const alice = await join('alice', 'first');
    const bob = await join('bob', 'hi alice');
    await alice.read(chatFrame('system', 'bob joined the chat'));
    await alice.read(chatFrame('bob', 'hi alice'));
    await room.post('from the app', { sender: 'bot' });
    await alice.read(chatFrame('bot', 'from the app'));
    await bob.read(chatFrame('bot', 'from the app'));
    // Exact bytes, length prefix and all, for the example shape in docs/protocols.md.
    const text = '[2026-11-22T10:04:11.777000] - bot:\x1b[32m from the app\n\x1b[0m<MSGENCD>';
    expect(chatFrame('bot', 'from the app')).toEqual(
      Buffer.concat([Buffer.from([0, Buffer.byteLength(text)]), Buffer.from(text)]),
    );
  });

  it('does not echo a peer its own public messages', async () => {
    const { join } = await peerRoom();
    const alice = await join('alice', 'one');
    const bob = await join('bob', 'two');
    await alice.read(chatFrame('system', 'bob joined the chat'));
    await alice.read(chatFrame('bob', 'two'));
    await alice.send(chatFrame('alice', 'three'));
    await bob.read(chatFrame('alice', 'three'));
    await bob.send(chatFrame('bob', 'four'));
    await alice.read(chatFrame('bob', 'four'));
    alice.expectNothingUnread();
    bob.expectNothingUnread();
  });

  it('binds the name to the connection and ignores later sender fields', async () => {
    const { join } = await peerRoom();
    const alice = await join('alice', 'one');
    const bob = await join('bob', 'two');
    await alice.read(chatFrame('system', 'bob joined the chat'));
    await alice.read(chatFrame('bob', 'two'));
    await bob.send(chatFrame('mallory', 'posing'));
    await alice.read(chatFrame('bob', 'posing'));
  });

  it('announces joins, leaves and renames as system chat frames', async () => {
    const { join } = await peerRoom();
    const alice = await join('alice', 'one');
    const bob = await join('bob', 'two');
    await alice.read(chatFrame('system', 'bob joined the chat'));
    await alice.read(chatFrame('bob', 'two'));
    await bob.send(chatFrame('bob', '/nick robert'));
    await bob.read(chatFrame('system', 'you are now known as robert'));
    await alice.read(chatFrame('system', 'bob is now known as robert'));
    bob.end();
    await alice.read(chatFrame('system', 'robert left the chat'));
  });

  it('leaves on a lab3 leave frame, exactly once', async () => {
    const { join, observer } = await peerRoom();
    const alice = await join('alice', 'one');
    const bob = await join('bob', 'two');
    await alice.read(chatFrame('system', 'bob joined the chat'));
    await alice.read(chatFrame('bob', 'two'));
    const gone = observer.next(left('bob'));
    await bob.send(lengthPrefixed(peerLeave('bob')));
    await gone;
    await bob.waitClosed();
    await alice.read(chatFrame('system', 'bob left the chat'));
    expect(observer.count(left('bob'))).toBe(1);
  });

  it('closes on a zero-length frame', async () => {
    const { join, observer } = await peerRoom();
    const alice = await join('alice', 'one');
    const gone = observer.next(left('alice'));
    await alice.send(Buffer.from([0, 0]));
    await gone;
    await alice.waitClosed();
  });

  it('closes a connection that sends a malformed frame, without harm to others', async () => {
    const { join, observer } = await peerRoom();
    const alice = await join('alice', 'one');
    const bob = await join('bob', 'two');
    await alice.read(chatFrame('system', 'bob joined the chat'));
    await alice.read(chatFrame('bob', 'two'));
    await bob.send(lengthPrefixed('no markers at all'));
    await bob.read(chatFrame('system', 'error: malformed frame'));
    await bob.waitClosed();
    await alice.read(chatFrame('system', 'bob left the chat'));
    const reason = await observer.seen(left('bob'));
    expect(reason).toMatchObject({ reason: 'protocol' });
    await observer.member.say('after');
    await alice.read(chatFrame('observer', 'after'));
  });

  it('accepts frames that arrive one byte at a time', async () => {
    const { port, observer } = await peerRoom();
    const alice = await Client.connect(port);
    const frames = Buffer.concat([chatFrame('alice', 'héllo 🎉'), chatFrame('alice', 'again')]);
    const seen = observer.next(said('again'));
    for (let i = 0; i < frames.length; i++) await alice.send(frames.subarray(i, i + 1));
    await seen;
    expect(observer.count(said('héllo 🎉'))).toBe(1);
  });

  it('keeps every coalesced frame whole', async () => {
    const { join, room } = await peerRoom();
    const alice = await join('alice', 'one');
    const expected: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      void room.post(`burst ${i}`, { sender: 'bot' });
      expected.push(chatFrame('bot', `burst ${i}`));
    }
    await alice.read(Buffer.concat(expected));
  });

  it('carries private messages with arrows both ways', async () => {
    const { join } = await peerRoom();
    const alice = await join('alice', 'one');
    const bob = await join('bob', 'two');
    await alice.read(chatFrame('system', 'bob joined the chat'));
    await alice.read(chatFrame('bob', 'two'));
    await alice.send(chatFrame('alice', '@bob psst'));
    await bob.read(chatFrame('alice -> you', 'psst'));
    await alice.read(chatFrame('you -> bob', 'psst'));
  });

  it('answers commands and errors from system', async () => {
    const { join } = await peerRoom();
    const alice = await join('alice', 'one');
    await alice.send(chatFrame('alice', '/users'));
    await alice.read(chatFrame('system', 'users: observer, alice'));
    await alice.send(chatFrame('alice', '/nope'));
    await alice.read(chatFrame('system', 'error: Unknown command: /nope'));
    await alice.send(chatFrame('alice', '/history 1'));
    await alice.read(chatFrame('alice', 'one'));
  });

  it('refuses a taken name and closes', async () => {
    const { join, port } = await peerRoom();
    await join('alice', 'one');
    const dup = await Client.connect(port);
    await dup.send(chatFrame('Alice', 'me too'));
    await dup.read(chatFrame('system', "error: The name 'Alice' is already taken."));
    await dup.waitClosed();
  });

  it('closes a peer that sends nothing in time', async () => {
    const { port, join } = await peerRoom({ nameTimeoutMs: 150 });
    const alice = await join('alice', 'one');
    const silent = await Client.connect(port);
    await silent.read(chatFrame('system', 'error: no message received in time'));
    await silent.waitClosed();
    await join('bob', 'still works');
    await alice.read(chatFrame('system', 'bob joined the chat'));
    await alice.read(chatFrame('bob', 'still works'));
  });

  it('says goodbye as a lab3 peer leaving on shutdown', async () => {
    const { join, room, observer } = await peerRoom();
    const alice = await join('alice', 'one');
    await observer.member.leave('quit');
    await alice.read(chatFrame('system', 'observer left the chat'));
    await room.close('shutdown');
    await alice.read(lengthPrefixed(peerLeave('chatgate')));
    await alice.waitClosed();
  });
});
