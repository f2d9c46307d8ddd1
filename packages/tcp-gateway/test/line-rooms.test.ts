import { describe, expect, it } from 'vitest';
import { Client, createTestRoom, startListener, waitFor } from './helpers.js';

const greeting = (name: string) =>
  `* welcome, you are ${name}. Type /help for commands, /nick NAME to change your name.\n`;

async function lineRooms() {
  const room = createTestRoom();
  const { port } = await startListener({ room, dialect: 'line' });
  const join = async (name: string) => {
    const client = await Client.connect(port);
    await client.read(greeting(name));
    return client;
  };
  return { room, port, join };
}

describe('line dialect > rooms', () => {
  it('joins, talks in the current room, and marks other rooms with [#room]', async () => {
    const { room, join } = await lineRooms();
    const a = await join('user1');
    const b = await join('user2');
    await a.read('* user2 joined the chat\n');
    await a.send('/join #dev\n');
    await a.read('* you joined #dev (1 here); now talking in #dev\n');
    await b.send('/join dev\n');
    await b.read('* you joined #dev (2 here); now talking in #dev\n');
    await a.read('* user2 joined the chat\n');
    await b.send('/switch #main\n');
    await b.read('* now talking in #main\n');

    await a.send('hello dev\n');
    await b.read('[#dev] [user1]: hello dev\n');
    await room.post('lunch?', { sender: 'bot' });
    await a.read('[#main] [bot]: lunch?\n');
    await b.read('[bot]: lunch?\n');
    // Private messages belong to no room: never marked.
    await a.send('@user2 psst\n');
    await a.read('[you -> user2]: psst\n');
    await b.read('[user1 -> you]: psst\n');
    a.expectNothingUnread();
    b.expectNothingUnread();
  });

  it('lists rooms and members, parts, and refuses to part the default room', async () => {
    const { join } = await lineRooms();
    const a = await join('user1');
    const b = await join('user2');
    await a.read('* user2 joined the chat\n');
    await a.send('/join dev\n');
    await a.read('* you joined #dev (1 here); now talking in #dev\n');
    await b.send('/rooms\n');
    await b.read('* rooms: #main (2, current), #dev (1)\n');
    await b.send('/who #dev\n');
    await b.read('* #dev (1): user1\n');
    await b.send('/join dev\n');
    await b.read('* you joined #dev (2 here); now talking in #dev\n');
    await a.read('* user2 joined the chat\n');
    await b.send('/switch main\n');
    await b.read('* now talking in #main\n');
    await a.send('/part\n');
    await a.read('* you left #dev; now talking in #main\n');
    await b.read('[#dev] * user1 left the chat\n');
    await a.send('/part\n');
    await a.read(
      '* error: #main is the default room and cannot be left; /quit ends the connection.\n',
    );
    await a.send('/who #nowhere\n');
    await a.read('* error: Nobody is in #nowhere.\n');
    await a.send('/join #no way\n');
    await a.read(
      '* error: Room names follow the rules of names, with an optional \'#\': Names are 1-32 letters, digits, "_", "-" or ".".\n',
    );
    a.expectNothingUnread();
  });

  it('leaves every room when the connection closes', async () => {
    const { room, join } = await lineRooms();
    const a = await join('user1');
    const b = await join('user2');
    await a.read('* user2 joined the chat\n');
    await a.send('/join dev\n');
    await a.read('* you joined #dev (1 here); now talking in #dev\n');
    await b.send('/join dev\n');
    await b.read('* you joined #dev (2 here); now talking in #dev\n');
    a.socket.destroy();
    await b.read('* user1 left the chat\n');
    await b.read('[#main] * user1 left the chat\n');
    await waitFor(() => !room.has('user1'), 'user1 to be gone');
    expect(room.directory.get('dev')?.users()).toEqual(['user2']);
  });
});
