import { describe, expect, it } from 'vitest';
import { Client, createTestRoom, startListener } from './helpers.js';

const greeting = (name: string) =>
  `* welcome, you are ${name}. Type /help for commands, /nick NAME to change your name.\n`;

describe('TcpSession > presence flush', () => {
  it('delivers every join to a line member in order, and before a later message', async () => {
    const room = createTestRoom();
    const { port } = await startListener({ room, dialect: 'line' });
    const first = await Client.connect(port);
    await first.read(greeting('user1'));
    const others: Client[] = [];
    for (let i = 2; i <= 6; i++) {
      const client = await Client.connect(port);
      await client.read(greeting(`user${i}`));
      others.push(client);
    }
    // user6 speaks at once: the deferred joins must reach user1 first, in seq order.
    await others[4]!.send('hello\n');
    await first.read(
      '* user2 joined the chat\n* user3 joined the chat\n* user4 joined the chat\n' +
        '* user5 joined the chat\n* user6 joined the chat\n[user6]: hello\n',
    );
    // user2 saw the later joins too, and the message after them.
    await others[0]!.read(
      '* user3 joined the chat\n* user4 joined the chat\n* user5 joined the chat\n' +
        '* user6 joined the chat\n[user6]: hello\n',
    );
  });

  it('delivers deferred joins and leaves with no other traffic', async () => {
    const room = createTestRoom();
    const { port } = await startListener({ room, dialect: 'line' });
    const first = await Client.connect(port);
    await first.read(greeting('user1'));
    const second = await Client.connect(port);
    await second.read(greeting('user2'));
    second.socket.end();
    await first.read('* user2 joined the chat\n* user2 left the chat\n');
  });

  it('sends deferred joins before the farewell when the member quits', async () => {
    const room = createTestRoom();
    const { port } = await startListener({ room, dialect: 'line' });
    const first = await Client.connect(port);
    await first.read(greeting('user1'));
    const second = await Client.connect(port);
    await second.read(greeting('user2'));
    await first.send('/quit\n');
    await first.read('* user2 joined the chat\n* goodbye\n');
    expect(room.users()).toEqual(['user2']);
  });
});
