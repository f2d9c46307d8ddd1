import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS } from '@chatgate/core';
import { DEFAULT_CONNECTION_LIMITS } from '@chatgate/core/transport';

/** A listener port: a number (0 picks a free one) or null when the listener is off. */
export type Port = number | null;

export interface Config {
  host: string;
  room: string;
  ports: { http: Port; gt: Port; line: Port; at: Port; peer: Port };
  maxConnections: number;
  maxPerAddress: number;
  nameTimeoutMs: number;
  rateBurst: number;
  ratePerSecond: number;
  maxTextChars: number;
  historySize: number;
  maxBufferedBytes: number;
  maxPayloadBytes: number;
  heartbeatMs: number;
  drainTimeoutMs: number;
  logLevel: string;
}

type Kind = 'port' | 'int' | 'string' | 'level';

/** Where a setting lands in Config: a top-level field or one listener's port. */
type Key = Exclude<keyof Config, 'ports'> | `ports.${keyof Config['ports']}`;

interface Option {
  flag: string;
  env: string;
  kind: Kind;
  default: string;
  help: string;
  key: Key;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function opt(flag: string, kind: Kind, fallback: string | number, key: Key, help: string): Option {
  const env = `CHATGATE_${flag.toUpperCase().replaceAll('-', '_')}`;
  return { flag, env, kind, default: String(fallback), help, key };
}

const PORT_HELP = {
  http: 'HTTP: browser page, WebSocket /ws, RPC /rpc/ws, /metrics',
  gt: "plain HTTP listener on group_terminal's default port",
  line: 'line dialect over TCP (nc, telnet)',
  at: 'at dialect over TCP (cli-chat-room clients)',
  peer: 'peer dialect over TCP (lab3 GroupPeer)',
};

/** Every setting: one flag, one environment variable, one default, one line of help. */
export const OPTIONS: Option[] = [
  opt('host', 'string', '127.0.0.1', 'host', 'bind address for every listener'),
  opt('http-port', 'port', 8080, 'ports.http', PORT_HELP.http),
  opt('gt-port', 'port', 8723, 'ports.gt', PORT_HELP.gt),
  opt('line-port', 'port', 2323, 'ports.line', PORT_HELP.line),
  opt('at-port', 'port', 12345, 'ports.at', PORT_HELP.at),
  opt('peer-port', 'port', 9000, 'ports.peer', PORT_HELP.peer),
  opt('room', 'string', 'main', 'room', 'room name'),
  opt(
    'max-connections',
    'int',
    DEFAULT_CONNECTION_LIMITS.maxConnections,
    'maxConnections',
    'connections open at once, all listeners',
  ),
  opt(
    'max-per-address',
    'int',
    DEFAULT_CONNECTION_LIMITS.maxPerAddress,
    'maxPerAddress',
    'connections open at once from one address',
  ),
  opt(
    'name-timeout-ms',
    'int',
    DEFAULT_CONNECTION_LIMITS.nameTimeoutMs,
    'nameTimeoutMs',
    'close a client that has not sent a name by then',
  ),
  opt(
    'rate-burst',
    'int',
    DEFAULT_LIMITS.rateBurst,
    'rateBurst',
    'messages a member may send at once',
  ),
  opt(
    'rate-per-second',
    'int',
    DEFAULT_LIMITS.ratePerSecond,
    'ratePerSecond',
    'messages per second a member may keep sending',
  ),
  opt(
    'max-text-chars',
    'int',
    DEFAULT_LIMITS.maxTextChars,
    'maxTextChars',
    'longest message, in characters',
  ),
  opt(
    'history-size',
    'int',
    DEFAULT_LIMITS.historySize,
    'historySize',
    'public messages kept for /history and replay',
  ),
  opt(
    'max-buffered-bytes',
    'int',
    DEFAULT_LIMITS.maxBufferedBytes,
    'maxBufferedBytes',
    'unsent output before a client is dropped as too slow',
  ),
  opt(
    'max-payload-bytes',
    'int',
    65536,
    'maxPayloadBytes',
    'largest WebSocket/RPC message accepted',
  ),
  opt(
    'heartbeat-ms',
    'int',
    30000,
    'heartbeatMs',
    'WebSocket ping interval; a peer that misses one is dropped',
  ),
  opt(
    'drain-timeout-ms',
    'int',
    10000,
    'drainTimeoutMs',
    'on SIGTERM/SIGINT, how long to drain before exiting',
  ),
  opt('log-level', 'level', 'info', 'logLevel', LEVELS.join('|')),
];

function assign(config: Config, key: Key, value: unknown): void {
  if (key.startsWith('ports.')) {
    config.ports[key.slice('ports.'.length) as keyof Config['ports']] = value as Port;
  } else {
    (config as unknown as Record<string, unknown>)[key] = value;
  }
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function parseValue(option: Option, raw: string, source: string): unknown {
  switch (option.kind) {
    case 'string':
      if (raw.length === 0) throw new ConfigError(`${source} must not be empty`);
      return raw;
    case 'level':
      if (!LEVELS.includes(raw)) {
        throw new ConfigError(`${source} must be one of ${LEVELS.join(', ')} (got '${raw}')`);
      }
      return raw;
    case 'port': {
      if (raw === 'off' || raw === 'false' || raw === 'none') return null;
      const port = Number(raw);
      if (!/^\d+$/.test(raw) || port > 65535) {
        throw new ConfigError(`${source} must be a port 0-65535 or 'off' (got '${raw}')`);
      }
      return port;
    }
    case 'int': {
      const value = Number(raw);
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 0) {
        throw new ConfigError(`${source} must be a whole number >= 0 (got '${raw}')`);
      }
      return value;
    }
  }
}

export function defaultConfig(): Config {
  return loadConfig([], {});
}

/**
 * Flags win over environment variables, which win over defaults. Throws ConfigError with a
 * one-line message for anything unknown or malformed.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const config = {
    ports: {},
  } as Config;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: Object.fromEntries([
        ...OPTIONS.map((o) => [o.flag, { type: 'string' as const }]),
        ['help', { type: 'boolean' as const, short: 'h' }],
        ['version', { type: 'boolean' as const, short: 'v' }],
      ]),
    });
  } catch (err) {
    // Keep node's first sentence ("Unknown option '--x'"), drop its advice about positionals.
    throw new ConfigError((err as Error).message.split(/\.\s|\n/)[0]!);
  }
  for (const option of OPTIONS) {
    const flagValue = parsed.values[option.flag];
    const envValue = env[option.env];
    const [raw, source] =
      typeof flagValue === 'string'
        ? [flagValue, `--${option.flag}`]
        : envValue !== undefined && envValue !== ''
          ? [envValue, option.env]
          : [option.default, `default of --${option.flag}`];
    assign(config, option.key, parseValue(option, raw, source));
  }
  if (config.maxPerAddress < 1 || config.maxConnections < 1) {
    throw new ConfigError('--max-connections and --max-per-address must be at least 1');
  }
  if (config.ratePerSecond < 1 || config.rateBurst < 1) {
    throw new ConfigError('--rate-burst and --rate-per-second must be at least 1');
  }
  return config;
}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

export function wantsVersion(argv: string[]): boolean {
  return argv.includes('--version') || argv.includes('-v');
}

export function helpText(): string {
  const rows = OPTIONS.map((o) => {
    const left = `  --${o.flag} ${o.kind === 'port' ? 'PORT|off' : o.kind === 'int' ? 'N' : 'VALUE'}`;
    return `${left.padEnd(34)}${o.help}\n${''.padEnd(34)}env ${o.env}, default ${o.default}`;
  });
  return [
    'Usage: chatgate [options]',
    '',
    "Serves one chat room to every client style: browsers and WebSocket clients, Cap'n Web",
    'RPC programs, nc/telnet (line), cli-chat-room (at) and lab3 GroupPeer (peer) clients.',
    '',
    'Options (flags override environment variables):',
    ...rows,
    '  -h, --help                      show this help',
    '  -v, --version                   print the version',
    '',
    'Endpoints on the HTTP ports: / (browser), /ws, /ws/:username, /rpc/ws, POST /rpc,',
    '/healthz, /readyz, /metrics.',
  ].join('\n');
}
