import { describe, expect, it } from 'vitest';
import { Client, createTestRoom, joined, left, Observer, said, startListener } from './helpers.js';

const greeting = (name: string) =>
  `* welcome, you are ${name}. Type /help for commands, /nick NAME to change your name.\n`;

async function lineRoom(limits = {}) {
  const room = createTestRoom(limits);
  const { port, listener } = await startListener({ room, dialect: 'line' });
  const observer = await Observer.join(room);
  /** Connects a line client and reads its greeting. */
  const join = async (name: string) => {
    const client = await Client.connect(port);
    await client.read(greeting(name));
    return client;
  };
  return { room, port, listener, observer, join };
}

describe('line dialect', () => {
  it('auto-names userN, greets, and announces the join to the others', async () => {
    const { join } = await lineRoom();
    const a = await join('user1');
    const b = await join('user2');
    await a.read('* user2 joined the chat\n');
    b.expectNothingUnread();
  });

  it('sends a line to the others as [NAME]: text, without echo to the sender', async () => {
    const { join } = await lineRoom();
    const a = await join('user1');
    const b = await join('user2');
    await a.read('* user2 joined the chat\n');
    await a.send('hello there\r\n');
    await b.read('[user1]: hello there\n');
    await b.send('hi back\n');
    // The very next bytes a sees are b's line: no echo of its own came first.
    await a.read('[user2]: hi back\n');
    a.expectNothingUnread();
  });

  it('announces a leave exactly once when the client disconnects', async () => {
    const { join, observer } = await lineRoom();
    const a = await join('user1');
    const b = await join('user2');
    await a.read('* user2 joined the chat\n');
    const leave = observer.next(left('user2'));
    b.end();
    await a.read('* user2 left the chat\n');
    await leave;
    await a.send('after\n');
    await observer.next(said('after'));
    expect(observer.count(left('user2'))).toBe(1);
    a.expectNothingUnread();
  });

  it('lists users and people as * lines', async () => {
    const { join, observer } = await lineRoom();
    const a = await join('user1');
    await a.send('@people\n');
    await a.read('* people: observer\n');
    await a.send('/users\n');
    await a.read('* users: observer, user1\n');
    await observer.member.leave('quit');
    await a.read('* observer left the chat\n');
    await a.send('@people\n');
    await a.read('* nobody else is here\n');
  });

  it('pages /users in a room larger than one page', async () => {
    const { join } = await lineRoom({ usersPageSize: 2 });
    const a = await join('user1');
    const b = await join('user2');
    await a.read('* user2 joined the chat\n');
    await b.send('/users\n');
    await b.read('* users, page 1 of 2 (3 in all; /users N for page N): observer, user1\n');
    await b.send('/users 2\n');
    await b.read('* users, page 2 of 2 (3 in all; /users N for page N): user2\n');
    await b.send('/users 3\n');
    await b.read('* error: Usage: /users [PAGE] (1-2)\n');
  });

  it('lets an nc user pick a name with /nick and announces it', async () => {
    const { join } = await lineRoom();
    const a = await join('user1');
    const b = await join('user2');
    await a.read('* user2 joined the chat\n');
    await a.send('/nick alice\n');
    await a.read('* you are now known as alice\n');
    await b.read('* user1 is now known as alice\n');
    await a.send('as alice\n');
    await b.read('[alice]: as alice\n');
    await b.send('/nick ALICE\n');
    await b.read("* error: The name 'ALICE' is already taken.\n");
    await a.send('/nick alice\n');
    await a.read('* you are already alice\n');
    await a.send('/nick no way\n');
    await a.read('* error: Names are 1-32 letters, digits, "_", "-" or ".".\n');
  });

  it('delivers private messages as [alice -> you] and confirms [you -> bob] to the sender', async () => {
    const { join } = await lineRoom();
    const a = await join('user1');
    const b = await join('user2');
    const c = await join('user3');
    await a.read('* user2 joined the chat\n* user3 joined the chat\n');
    await b.read('* user3 joined the chat\n');
    await a.send('/msg user2 psst\n');
    await b.read('[user1 -> you]: psst\n');
    await a.read('[you -> user2]: psst\n');
    await a.send('@USER2 again\n');
    await b.read('[user1 -> you]: again\n');
    await a.read('[you -> user2]: again\n');
    await a.send('@zed hi\n');
    await a.read("* error: No user named 'zed' here.\n");
    await a.send('public\n');
    await c.read('[user1]: public\n');
  });

  it('answers /help with the command list', async () => {
    const { join } = await lineRoom();
    const a = await join('user1');
    await a.send('/help\n');
    await a.read(
      [
        '* commands:',
        '*   text            send a message to everyone',
        '*   @all text       send a message to everyone',
        '*   @NAME text      send a private message to NAME',
        '*   /msg NAME text  send a private message to NAME',
        '*   @people         list the others in the room',
        '*   /users          list everyone in the room',
        '*   /me ACTION      tell everyone what you do (* NAME ACTION)',
        '*   /nick NAME      change your name',
        '*   /history [N]    show the last N messages (default 20)',
        '*   /help           show this list',
        '*   /join ROOM      join ROOM (e.g. #dev) and talk there',
        '*   /part [ROOM]    leave ROOM (default: the current room)',
        '*   /switch ROOM    talk in ROOM, one you are in',
        '*   /rooms          list the rooms and how many are in each',
        "*   /who [ROOM]     list a room's members",
        '*   /quit           leave the room',
        '',
      ].join('\n'),
    );
  });

  it('replays /history as [NAME]: lines between * markers', async () => {
    const { join, room } = await lineRoom();
    const a = await join('user1');
    await a.send('/history\n');
    await a.read('* history: no messages yet\n');
    await room.post('first', { sender: 'bot' });
    await a.read('[bot]: first\n');
    const b = await join('user2');
    await b.send('second\n');
    await a.read('* user2 joined the chat\n[user2]: second\n');
    await a.send('/history 5\n');
    await a.read('* history: last 2\n[bot]: first\n[user2]: second\n* end of history\n');
    await a.send('/history zero\n');
    await a.read('* error: Usage: /history [N] (1-100)\n');
  });

  it('reports unknown commands and ignores empty lines', async () => {
    const { join } = await lineRoom();
    const a = await join('user1');
    await a.send('\n   \r\n/frobnicate now\n');
    await a.read('* error: Unknown command: /frobnicate\n');
    a.expectNothingUnread();
  });

  it('ends with * goodbye on /quit and the others see the leave', async () => {
    const { join } = await lineRoom();
    const a = await join('user1');
    const b = await join('user2');
    await a.read('* user2 joined the chat\n');
    await b.send('/quit\n');
    await b.read('* goodbye\n');
    await b.waitClosed();
    await a.read('* user2 left the chat\n');
  });

  it('ignores telnet negotiation bytes', async () => {
    const { join } = await lineRoom();
    const a = await join('user1');
    const b = await join('user2');
    await a.read('* user2 joined the chat\n');
    await b.send(Buffer.from([0xff, 0xfd, 0x03, 0xff, 0xfb, 0x18]));
    await b.send(
      Buffer.concat([Buffer.from('tel'), Buffer.from([0xff, 0xf1]), Buffer.from('net\r\n')]),
    );
    await a.read('[user2]: telnet\n');
  });

  it('reassembles a UTF-8 character split across packets', async () => {
    const { join, observer } = await lineRoom();
    const a = await join('user1');
    const b = await join('user2');
    await a.read('* user2 joined the chat\n');
    const bytes = Buffer.from('¡olé 🎉!\n');
    const arrived = observer.next(said('¡olé 🎉!'));
    for (let i = 0; i < bytes.length; i++) await b.send(bytes.subarray(i, i + 1));
    await arrived;
    await a.read('[user2]: ¡olé 🎉!\n');
  });

  it('refuses a line over 8 KiB with an error, discards it, and keeps the connection', async () => {
    const { join } = await lineRoom();
    const a = await join('user1');
    const b = await join('user2');
    await a.read('* user2 joined the chat\n');
    await b.send(`${'x'.repeat(8192)}\n`);
    await b.send(`${'y'.repeat(8193)}\r\n`);
    // 8192 bytes is a valid line, but over the room's 4000-character message limit.
    await b.read('* error: Message is too long (at most 4000 characters).\n');
    await b.read('* error: line too long (at most 8192 bytes); discarded\n');
    // 200 KiB without a newline, in pieces: one error, nothing buffered, then life goes on.
    const kib = 'z'.repeat(1024);
    for (let i = 0; i < 200; i++) await b.send(kib);
    await b.send('\nstill here\n');
    await b.read('* error: line too long (at most 8192 bytes); discarded\n');
    await a.read('[user2]: still here\n');
    b.expectNothingUnread();
    a.expectNothingUnread();
  });

  it('answers inputs from one packet in input order', async () => {
    const { join } = await lineRoom();
    const a = await join('user1');
    await a.send(`${'m'.repeat(4001)}\n${'l'.repeat(9000)}\n/nick zoe\n/users\n/bogus\n`);
    await a.read(
      '* error: Message is too long (at most 4000 characters).\n' +
        '* error: line too long (at most 8192 bytes); discarded\n' +
        '* you are now known as zoe\n' +
        '* users: observer, zoe\n' +
        '* error: Unknown command: /bogus\n',
    );
  });

  it('removes control characters and ANSI escapes from messages', async () => {
    const { join } = await lineRoom();
    const a = await join('user1');
    const b = await join('user2');
    await a.read('* user2 joined the chat\n');
    await b.send('\x1b[2J\x1b[31mred\x07 text\n');
    await a.read('[user2]: red text\n');
  });

  it('tells a client it is sending too fast', async () => {
    const { join } = await lineRoom({ rateBurst: 2, ratePerSecond: 0.001 });
    const a = await join('user1');
    const b = await join('user2');
    await a.read('* user2 joined the chat\n');
    await b.send('one\ntwo\nthree\n');
    await a.read('[user2]: one\n[user2]: two\n');
    await b.read('* error: You are sending too fast; message dropped.\n');
  });

  it('writes * server shutting down before closing on room shutdown', async () => {
    const { join, room, observer } = await lineRoom();
    const a = await join('user1');
    await observer.seen(joined('user1'));
    await observer.member.leave('quit');
    await a.read('* observer left the chat\n');
    await room.close('shutdown');
    await a.read('* server shutting down\n');
    await a.waitClosed();
  });
});
