import { describe, it } from 'vitest';
import { createPeerDialect } from '../src/index.js';
import {
  Client,
  createTestRoom,
  FIXED_TS,
  lengthPrefixed,
  peerChat,
  startListener,
  waitFor,
} from './helpers.js';

const chatFrame = (sender: string, text: string) => lengthPrefixed(peerChat(sender, text));

describe('one room, three dialects', () => {
  it('lets line, at and peer members talk, each in its own wire format', async () => {
    const room = createTestRoom({}, () => FIXED_TS);
    const line = await startListener({ room, dialect: 'line' });
    const at = await startListener({ room, dialect: 'at' });
    const peer = await startListener({ room, dialect: createPeerDialect({ now: () => FIXED_TS }) });

    const nc = await Client.connect(line.port);
    await nc.read(
      '* welcome, you are user1. Type /help for commands, /nick NAME to change your name.\n',
    );
    const cli = await Client.connect(at.port);
    await cli.send('carol');
    await nc.read('* carol joined the chat\n');
    const lab3 = await Client.connect(peer.port);
    await lab3.send(chatFrame('dave', 'hello all'));
    await nc.read('* dave joined the chat\n[dave]: hello all\n');
    await cli.read('dave: hello all');

    await nc.send('hi from nc\n');
    await cli.read('user1: hi from nc');
    await lab3.read(chatFrame('user1', 'hi from nc'));

    await cli.send('@all hi from cli');
    await nc.read('[carol]: hi from cli\n');
    await lab3.read(chatFrame('carol', 'hi from cli'));

    await cli.send('@people');
    await cli.read('Online: user1,dave');
    await cli.send('@dave only you');
    await lab3.read(chatFrame('carol -> you', 'only you'));

    await lab3.send(chatFrame('dave', '@user1 psst'));
    await nc.read('[dave -> you]: psst\n');
    await lab3.read(chatFrame('you -> user1', 'psst'));

    cli.end();
    await nc.read('* carol left the chat\n');
    await lab3.read(chatFrame('system', 'carol left the chat'));
    await waitFor(() => !room.has('carol'), 'carol to leave');
    nc.expectNothingUnread();
    lab3.expectNothingUnread();
  });

  it('shows /me as an action line in every dialect, without echo to the actor', async () => {
    const room = createTestRoom({}, () => FIXED_TS);
    const line = await startListener({ room, dialect: 'line' });
    const at = await startListener({ room, dialect: 'at' });
    const peer = await startListener({ room, dialect: createPeerDialect({ now: () => FIXED_TS }) });

    const nc = await Client.connect(line.port);
    await nc.read(
      '* welcome, you are user1. Type /help for commands, /nick NAME to change your name.\n',
    );
    const cli = await Client.connect(at.port);
    await cli.send('carol');
    await nc.read('* carol joined the chat\n');
    const lab3 = await Client.connect(peer.port);
    await lab3.send(chatFrame('dave', 'hello'));
    await nc.read('* dave joined the chat\n[dave]: hello\n');
    await cli.read('dave: hello');

    await nc.send('/me waves\n');
    await cli.read('* user1 waves');
    await lab3.read(chatFrame('system', '* user1 waves'));

    await cli.send('/me nods');
    await nc.read('* carol nods\n');
    await lab3.read(chatFrame('system', '* carol nods'));

    await lab3.send(chatFrame('dave', '/me bows'));
    await nc.read('* dave bows\n');
    await cli.read('* dave bows');

    await nc.send('/me\n');
    await nc.read('* error: Usage: /me ACTION\n');
    await nc.send('/history\n');
    await nc.read(
      '* history: last 4\n[dave]: hello\n* user1 waves\n* carol nods\n* dave bows\n* end of history\n',
    );
    nc.expectNothingUnread();
    lab3.expectNothingUnread();
  });
});
