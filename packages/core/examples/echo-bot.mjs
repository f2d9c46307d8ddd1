// A bot and a person in one in-process room, no network. Run: node examples/echo-bot.mjs
import { Room } from '@chatgate/core';

const room = new Room({ name: 'demo' });

// The bot: a handler sees every public message in order; its reply is an agent post,
// which handlers never see again, so it cannot loop.
room.addHandler(async (content, username) => {
  if (content.startsWith('!echo ')) {
    await room.post(`${username} said: ${content.slice(6)}`, { sender: 'echo-bot' });
  }
});

// A person: any transport is a Session — here one that prints what it is given.
const dialect = {
  name: 'console',
  encode(event) {
    switch (event.kind) {
      case 'message':
        return `#${event.seq} [${event.sender}${event.to ? ` -> ${event.to}` : ''}] ${event.content}`;
      case 'join':
        return `#${event.seq} * ${event.name} joined`;
      case 'leave':
        return `#${event.seq} * ${event.name} left (${event.reason})`;
      case 'rename':
        return `#${event.seq} * ${event.from} is now ${event.to}`;
    }
  },
};
const consoleSession = {
  dialect,
  bufferedBytes: 0,
  deliver: (_event, frame) => console.log(frame),
  close: (reason) => console.log(`(closed: ${reason})`),
};

const alice = await room.join(consoleSession, { name: 'alice' });
await alice.input('hello, room');
await alice.input('!echo is anybody there?');
await room.handlersIdle();
const users = await alice.input('/users');
console.log(`users: ${users.names.join(', ')}`);
await alice.input('/dance').catch((err) => console.log(`error ${err.code}: ${err.message}`));
await alice.leave('quit');
