import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';
import { type Dialect, isChatError, type Reply, Room, type Session } from '@chatgate/core';

const room = new Room(); // the default room `main`; in-process engine, default limits

// A bot: handlers see each public message in seq order, one at a time, in every room.
room.directory.addHandler(async (content, username, _event, roomName) => {
  const said = room.directory.get(roomName);
  if (content === '!ping') await said?.post(`pong, ${username}`, { sender: 'pingbot' });
});

// A transport: one Dialect per wire format (encoded once per event), one Session per connection.
const lines: Dialect<string> = {
  name: 'lines',
  encode: (e) => (e.kind === 'message' ? `[${e.sender}]: ${e.content}\n` : null),
};

function render(reply: Reply): string {
  switch (reply.kind) {
    case 'users':
    case 'people':
      return `* users: ${reply.names.join(', ')}\n`;
    case 'help':
      return reply.commands.map((c) => `* ${c.usage}: ${c.description}\n`).join('');
    case 'renamed':
      return `* you are now ${reply.to}\n`;
    case 'history':
      return reply.events.map((e) => `[${e.sender}]: ${e.content}\n`).join('');
    case 'room_joined':
    case 'room_switched':
      return `* now talking in #${reply.room}\n`;
    case 'room_parted':
      return `* left #${reply.room}\n`;
    case 'rooms':
      return `* rooms: ${reply.rooms.map((r) => `#${r.name} (${r.size})`).join(', ')}\n`;
    case 'who':
      return `* #${reply.room}: ${reply.names.join(', ')}\n`;
    case 'sent':
    case 'ignored':
    case 'quit':
      return ''; // no switch default: a new reply kind is a compile error here
  }
}

const server = createServer(async (socket: Socket) => {
  const session: Session<string> = {
    dialect: lines,
    get bufferedBytes() {
      return socket.writableLength;
    },
    // `self` is the member in the event's room: mark lines from rooms one is not talking in.
    deliver: (event, frame, self) => {
      if (frame !== null && event.kind === 'message' && event.senderId !== self.id) {
        socket.write(self.isCurrent ? frame : `[#${self.roomName}] ${frame}`);
      }
    },
    close: (reason) => socket.end(`* bye (${reason})\n`),
  };
  socket.on('error', () => {}); // every socket gets an error listener
  const member = await room.join(session, { name: 'alice' }); // or {} for user1, user2…
  socket.on('data', (line) => {
    member.input(String(line).trim()).then(
      (reply) => socket.write(render(reply)),
      (err: unknown) => socket.write(`* error: ${isChatError(err) ? err.code : 'internal'}\n`),
    );
  });
  socket.on('close', () => void member.leave('closed')); // announced exactly once
});

// Drive it: one client says a few lines and prints what comes back.
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as { port: number };
const client = createConnection(port, '127.0.0.1');
client.setEncoding('utf8');
let seen = '';
const expect = async (text: string) => {
  while (!seen.includes(text)) seen += (await once(client, 'data'))[0];
};
client.write('/users\n');
await expect('* users: alice\n');
client.write('/join #dev\n'); // rooms: /join, /part, /switch, /rooms, /who
await expect('* now talking in #dev\n');
client.write('!ping\n');
await expect('[pingbot]: pong, alice\n');
await room.post('lunch?', { sender: 'bot' }); // said in main, alice is talking in #dev
await expect('[#main] [bot]: lunch?\n');
client.write('/dance\n');
await expect('* error: unknown_command\n');
process.stdout.write(seen);
client.end();
await once(client, 'close');
await room.close();
server.close();
