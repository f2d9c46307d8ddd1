import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ChatConnection } from './chat-connection.js';

export type Transport = ChatConnection['transport'];

export const DEFAULT_URL = 'ws://127.0.0.1:8080/rpc/ws';

export const USAGE = `Usage: chatgate-client [URL] [--url URL] [--name NAME] [--transport rpc|ws|tcp] [--ca FILE]

Join a chatgate room from the terminal.

  --url URL          the server (default ${DEFAULT_URL})
                       ws://HOST:8080/rpc/ws   Cap'n Web RPC (the default)
                       ws://HOST:8080/ws       WebSocket JSON protocol
                       tcp://HOST:2323         line TCP (what nc sees)
                       wss://HOST/rpc/ws, wss://HOST/ws, tls://HOST:2323   the same over TLS
  --name NAME        your name; otherwise asked (or the first stdin line when piped)
  --transport NAME   rpc, ws or tcp, instead of guessing from the URL
  --ca FILE          trust this PEM CA (or self-signed certificate) for wss:// and tls://;
                       NODE_EXTRA_CA_CERTS=FILE works too
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
  /** Extra trusted CA certificates (PEM), from --ca. */
  ca?: Buffer;
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
    case 'tls:':
      return 'tcp';
    case 'ws:':
    case 'wss:':
    case 'http:':
    case 'https:':
      return /\/rpc(\/ws)?\/?$/.test(url.pathname) ? 'rpc' : 'ws';
    default:
      throw new UsageError(
        `unsupported URL scheme ${url.protocol} (use ws://, wss://, tcp:// or tls://)`,
      );
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
  const args: ClientArgs = { url: url.href, transport, name, help: values.help === true };
  if (values.ca !== undefined) args.ca = readCa(values.ca);
  return args;
}

function readCa(path: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read --ca ${path}: ${code === 'ENOENT' ? 'no such file' : code}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`--ca ${path} holds no PEM certificate`);
  }
  return pem;
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
      ca: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
