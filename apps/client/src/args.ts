import { parseArgs } from 'node:util';
import type { ChatConnection } from './chat-connection.js';

export type Transport = ChatConnection['transport'];

export const DEFAULT_URL = 'ws://127.0.0.1:8080/rpc/ws';

export const USAGE = `Usage: chatgate-client [URL] [--url URL] [--name NAME] [--transport rpc|ws|tcp]

Join a chatgate room from the terminal.

  --url URL          the server (default ${DEFAULT_URL})
                       ws://HOST:8080/rpc/ws   Cap'n Web RPC (the default)
                       ws://HOST:8080/ws       WebSocket JSON protocol
                       tcp://HOST:2323         line TCP (what nc sees)
  --name NAME        your name; otherwise asked (or the first stdin line when piped)
  --transport NAME   rpc, ws or tcp, instead of guessing from the URL
  -h, --help         show this help

In the chat: type text to talk to everyone, @NAME text to one person, /users, /help, /quit.
Server commands (/nick NAME, /history N, @people) work too. Piped stdin/stdout work for
scripts: one incoming message per line; end of input leaves and exits 0.
Exit codes: 0 left normally, 1 could not join or lost the server, 2 bad arguments.
Colours only on a terminal; set NO_COLOR to turn them off.`;

export interface ClientArgs {
  url: string;
  transport: Transport;
  name: string | undefined;
  help: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const TRANSPORTS: readonly Transport[] = ['rpc', 'ws', 'tcp'];

/** Which transport a URL means: tcp:// is line TCP, a ws path ending /rpc/ws or /rpc is RPC. */
export function transportFor(url: URL): Transport {
  switch (url.protocol) {
    case 'tcp:':
    case 'telnet:':
      return 'tcp';
    case 'ws:':
    case 'wss:':
    case 'http:':
    case 'https:':
      return /\/rpc(\/ws)?\/?$/.test(url.pathname) ? 'rpc' : 'ws';
    default:
      throw new UsageError(`unsupported URL scheme ${url.protocol} (use ws://, wss:// or tcp://)`);
  }
}

/** Parses the command line. Throws UsageError. */
export function parseClientArgs(argv: readonly string[]): ClientArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1]}`);
  const raw = values.url ?? positionals[0] ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`not a URL: ${raw}`);
  }
  let transport: Transport;
  if (values.transport !== undefined) {
    if (!TRANSPORTS.includes(values.transport as Transport)) {
      throw new UsageError(`--transport must be one of ${TRANSPORTS.join(', ')}`);
    }
    transport = values.transport as Transport;
  } else {
    transport = transportFor(url);
  }
  const name = values.name?.trim();
  if (name === '') throw new UsageError('--name must not be empty');
  return { url: url.href, transport, name, help: values.help === true };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: 'string' },
      name: { type: 'string' },
      transport: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
