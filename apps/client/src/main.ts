#!/usr/bin/env node
import { parseClientArgs, USAGE, UsageError } from './args.js';
import {
  type ChatConnection,
  type ConnectionHandlers,
  JoinRefusedError,
  RoomClosedError,
  type Welcome,
} from './chat-connection.js';
import { createConnection } from './create-connection.js';
import {
  type RenderOptions,
  renderEvent,
  renderHelp,
  renderPrompt,
  renderWelcome,
} from './render.js';
import { Terminal } from './terminal.js';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
/** Waits between reconnect attempts after a lost connection (about 30 s in all). */
const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000, 15000];

/** Writes the last words to stderr and exits once stdout has drained. */
function exit(code: number, message?: string): void {
  if (message !== undefined) process.stderr.write(`${message}\n`);
  process.stdout.write('', () => process.exit(code));
}

async function main(argv: readonly string[]): Promise<void> {
  let args: ReturnType<typeof parseClientArgs>;
  try {
    args = parseClientArgs(argv);
  } catch (err) {
    if (err instanceof UsageError)
      return exit(EXIT_USAGE, `chatgate-client: ${err.message}\n\n${USAGE}`);
    throw err;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }

  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  const render: RenderOptions = { color: process.stdout.isTTY === true && !noColor };
  const terminal = new Terminal({ input: process.stdin, output: process.stdout, interactive });
  // Ctrl+C and SIGTERM end input: the loop below leaves the room and exits 0.
  terminal.onInterrupt(() => terminal.close());
  process.once('SIGTERM', () => terminal.close());

  let name = args.name ?? (await terminal.nextLine('Your name: '))?.trim();
  let connection: ChatConnection | undefined;
  let welcome: Welcome | undefined;
  let ending = false;
  const notice = (text: string) => terminal.print(renderEvent({ kind: 'notice', text }, render));
  /** The room typed text goes to, in the prompt; undefined until the server names one. */
  let room: string | undefined;
  const handlers: ConnectionHandlers = {
    onEvent: (event) => {
      if (event.kind === 'room') {
        room = event.room;
        terminal.setPrompt(renderPrompt(room));
      }
      terminal.print(renderEvent(event, render));
    },
    onClose: (reason) => {
      void reconnect(reason);
    },
  };
  const open = () =>
    createConnection(
      args.transport,
      args.url,
      handlers,
      args.ca === undefined ? {} : { ca: args.ca },
    );

  /**
   * A lost connection (network blip, server restart, another node): rejoin with the resume
   * state, so the name is ours again at once and what was missed is shown once. A transport
   * without resume (tcp), or a server that cannot, ends the client as before.
   */
  async function reconnect(reason: string): Promise<void> {
    const resume = connection?.resumeState();
    if (resume === undefined) {
      exit(EXIT_FAILED, `chatgate-client: connection lost: ${reason}`);
      return;
    }
    notice(`connection lost (${reason}); reconnecting…`);
    for (const delay of RECONNECT_DELAYS_MS) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (ending) return;
      const next = open();
      try {
        const back = await next.join(resume.name, resume);
        connection = next;
        notice(`reconnected as ${back.name}`);
        return;
      } catch (err) {
        // A definite no from the server (name refused, room closed): do not keep trying.
        if (err instanceof JoinRefusedError || err instanceof RoomClosedError) {
          exit(
            EXIT_FAILED,
            `chatgate-client: connection lost: ${reason}; rejoin refused: ${err.message}`,
          );
          return;
        }
      }
    }
    exit(EXIT_FAILED, `chatgate-client: connection lost: ${reason}; could not reconnect`);
  }

  while (welcome === undefined) {
    if (name === undefined || name === '')
      return exit(EXIT_FAILED, 'chatgate-client: no name given');
    connection = open();
    try {
      welcome = await connection.join(name);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!(err instanceof JoinRefusedError))
        return exit(EXIT_FAILED, `chatgate-client: ${message}`);
      // A refused name: ask again on a terminal; a script gets a clear failure.
      if (!interactive) return exit(EXIT_FAILED, `chatgate-client: ${message}`);
      terminal.print(renderEvent({ kind: 'error', text: message }, render));
      name = (await terminal.nextLine('Another name: '))?.trim();
    }
  }
  room = welcome.room;
  for (const line of renderWelcome(welcome, render)) terminal.print(line);
  if (interactive)
    terminal.print(renderEvent({ kind: 'notice', text: 'type /help for commands' }, render));

  // Lines are handled one at a time, in order; end of input leaves cleanly.
  for (;;) {
    const raw = await terminal.nextLine(renderPrompt(room));
    if (raw === undefined) break;
    const line = raw.trim();
    if (line === '') continue;
    if (line === '/quit' || line === '/exit') break;
    if (line === '/help') {
      for (const help of renderHelp(render)) terminal.print(help);
      continue;
    }
    try {
      await connection!.send(line);
    } catch (err) {
      terminal.print(
        renderEvent(
          { kind: 'error', text: err instanceof Error ? err.message : String(err) },
          render,
        ),
      );
    }
  }
  ending = true;
  await connection!.leave();
  terminal.close();
  exit(EXIT_OK);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  exit(EXIT_FAILED, `chatgate-client: ${err instanceof Error ? err.message : String(err)}`);
});
