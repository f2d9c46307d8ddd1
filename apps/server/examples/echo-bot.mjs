// group_terminal style: a ChatServer with a handler bot. Run after `npm run build`:
//   node apps/server/examples/echo-bot.mjs      (PORT=0 picks a free port)
// then open http://127.0.0.1:8723/ and type "!echo hello".
import { ChatServer } from '@chatgate/server';

const server = new ChatServer({ host: '127.0.0.1', port: Number(process.env.PORT ?? 8723) });

server.addHandler(async (content, username) => {
  if (content.startsWith('!echo ')) {
    await server.post(`${username} said: ${content.slice(6)}`, { sender: 'echo-bot' });
  }
});

const ports = await server.start();
console.log(`echo-bot listening on http://127.0.0.1:${ports.http}/`);
// SIGINT/SIGTERM stop it gracefully (join() resolves); a second one exits at once.
await server.join();
console.log('echo-bot stopped');
