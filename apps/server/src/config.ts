import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_LEASE_MS, DEFAULT_LIMITS, normalizeRoomName } from '@chatgate/core';
import { DEFAULT_CONNECTION_LIMITS } from '@chatgate/core/transport';
import { RPC_DEFAULTS } from '@chatgate/rpc-gateway';
import { DEFAULT_PRESENCE_LIST_MAX } from '@chatgate/ws-gateway';

/** A listener port: a number (0 picks a free one) or null when the listener is off. */
export type Port = number | null;

export interface Config {
  host: string;
  room: string;
  /** `gt` is the group_terminal listener: plain HTTP on its clients' default port, 8723. */
  ports: { http: Port; gt: Port; line: Port; at: Port; peer: Port; admin: Port };
  maxConnections: number;
  maxPerAddress: number;
  connectBurstPerAddress: number;
  connectsPerSecondPerAddress: number;
  nameTimeoutMs: number;
  rateBurst: number;
  ratePerSecond: number;
  maxTextChars: number;
  historySize: number;
  usersPageSize: number;
  roomsPerMember: number;
  maxRooms: number;
  presenceListMax: number;
  maxBufferedBytes: number;
  maxPayloadBytes: number;
  heartbeatMs: number;
  drainTimeoutMs: number;
  /** Heap growth in MB after which a quiet process hands the heap back to the OS; 0: never. */
  heapReclaimMb: number;
  rpcMaxCallsInFlight: number;
  rpcBatchCors: boolean;
  logLevel: string;
  /** PEM certificate chain and key; both or neither. Null: plain HTTP and TCP. */
  tlsCert: string | null;
  tlsKey: string | null;
  /** File holding the HS256 secret; names then need a token (README "Tokens"). Null: anonymous. */
  authSecret: string | null;
  /** JSON Web Key Set URL (http or https) whose keys sign the tokens; exclusive with authSecret. */
  authJwks: string | null;
  /** With tokens on, the at and peer dialects still take anonymous names. */
  authAnonymousTcp: boolean;
  /** Extra origins allowed to open WebSockets; `*` allows any. Own origin is always allowed. */
  allowedOrigins: string[];
  /** Proxy addresses or CIDRs whose X-Forwarded-For is believed. Empty: none. */
  trustProxy: string[];
  /** TCP dialect listeners expect a PROXY protocol (v1 or v2) header first. */
  proxyProtocol: boolean;
  /** Bind address of the admin listener (`ports.admin`). */
  adminHost: string;
  /** Redis URL: this process is one node of many sharing the room. Null: in-process engine. */
  redis: string | null;
  /** This node's id among the nodes on one Redis; unique per process. */
  nodeId: string;
  /** A dead node's members leave everywhere within this many milliseconds. */
  leaseMs: number;
}

type Kind =
  | 'port'
  | 'int'
  | 'string'
  | 'optional'
  | 'level'
  | 'file'
  | 'origins'
  | 'addresses'
  | 'switch';

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
  admin: '/metrics /healthz /readyz here instead of on the HTTP ports',
};

/** Every setting: one flag, one environment variable, one default, one line of help. */
export const OPTIONS: Option[] = [
  opt('host', 'string', '127.0.0.1', 'host', 'bind address for every listener'),
  opt('http-port', 'port', 8080, 'ports.http', PORT_HELP.http),
  opt('gt-port', 'port', 8723, 'ports.gt', PORT_HELP.gt),
  opt('line-port', 'port', 2323, 'ports.line', PORT_HELP.line),
  opt('at-port', 'port', 12345, 'ports.at', PORT_HELP.at),
  opt('peer-port', 'port', 9000, 'ports.peer', PORT_HELP.peer),
  opt('room', 'string', 'main', 'room', 'the default room, where every client starts'),
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
    'connect-burst-per-address',
    'int',
    DEFAULT_CONNECTION_LIMITS.connectBurstPerAddress,
    'connectBurstPerAddress',
    'new connections one address may open at once (bounds join/leave churn)',
  ),
  opt(
    'connect-rate-per-address',
    'int',
    DEFAULT_CONNECTION_LIMITS.connectsPerSecondPerAddress,
    'connectsPerSecondPerAddress',
    'new connections per second one address may open after its burst',
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
    'users-page-size',
    'int',
    DEFAULT_LIMITS.usersPageSize,
    'usersPageSize',
    'names per /users answer; larger rooms are listed a page at a time (/users N)',
  ),
  opt(
    'rooms-per-member',
    'int',
    DEFAULT_LIMITS.roomsPerMember,
    'roomsPerMember',
    'rooms one connection may be in at once, the default room included',
  ),
  opt(
    'max-rooms',
    'int',
    DEFAULT_LIMITS.maxRooms,
    'maxRooms',
    'rooms with members, on every node, the default room included',
  ),
  opt(
    'presence-list-max',
    'int',
    DEFAULT_PRESENCE_LIST_MAX,
    'presenceListMax',
    'WebSocket rooms larger than this get member counts, not names, in welcome and presence',
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
  opt(
    'heap-reclaim-mb',
    'int',
    16,
    'heapReclaimMb',
    'once a burst grew the heap by this many MB, return it to the OS when quiet (0: never)',
  ),
  opt(
    'rpc-max-calls-in-flight',
    'int',
    RPC_DEFAULTS.maxCallsInFlight,
    'rpcMaxCallsInFlight',
    'RPC calls one socket may have unanswered or unreleased; more closes it (1008)',
  ),
  opt(
    'rpc-batch-cors',
    'switch',
    'false',
    'rpcBatchCors',
    'let any web page read POST /rpc (Access-Control-Allow-Origin: *)',
  ),
  opt('log-level', 'level', 'info', 'logLevel', LEVELS.join('|')),
  opt(
    'tls-cert',
    'file',
    '',
    'tlsCert',
    'PEM certificate chain: HTTPS/WSS and TLS on TCP listeners',
  ),
  opt('tls-key', 'file', '', 'tlsKey', 'PEM private key for --tls-cert'),
  opt(
    'auth-secret',
    'file',
    '',
    'authSecret',
    'file with an HS256 secret: names need a JWT whose sub is the name',
  ),
  opt(
    'auth-jwks',
    'optional',
    '',
    'authJwks',
    'JWKS URL (http/https) of the keys signing tokens; instead of --auth-secret',
  ),
  opt(
    'auth-anonymous-tcp',
    'switch',
    'false',
    'authAnonymousTcp',
    'with tokens on, still let at and peer dialect clients join anonymously',
  ),
  opt(
    'allowed-origins',
    'origins',
    '',
    'allowedOrigins',
    'comma-separated origins (or *) that may open WebSockets, besides our own',
  ),
  opt(
    'trust-proxy',
    'addresses',
    '',
    'trustProxy',
    'comma-separated proxy addresses/CIDRs whose X-Forwarded-For is believed',
  ),
  opt(
    'proxy-protocol',
    'switch',
    'false',
    'proxyProtocol',
    'TCP listeners expect a PROXY protocol v1/v2 header (HAProxy, nginx stream)',
  ),
  opt('admin-port', 'port', 'off', 'ports.admin', PORT_HELP.admin),
  opt('admin-host', 'string', '127.0.0.1', 'adminHost', 'bind address of --admin-port'),
  {
    ...opt('redis', 'optional', '', 'redis', 'Redis URL: share the room with other nodes on it'),
    env: 'CHATGATE_REDIS_URL',
  },
  opt('node-id', 'optional', '', 'nodeId', 'this node among nodes on one Redis (hostname-pid)'),
  opt('lease-ms', 'int', DEFAULT_LEASE_MS, 'leaseMs', "a dead node's members leave within this"),
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
    case 'optional':
      return raw.length === 0 ? null : raw;
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
    case 'file':
      return raw === '' ? null : raw;
    case 'origins':
      return splitList(raw).map((origin) => parseOrigin(origin, source));
    case 'addresses':
      return splitList(raw).map((address) => parseAddress(address, source));
    case 'switch':
      if (TRUE.includes(raw.toLowerCase())) return true;
      if (FALSE.includes(raw.toLowerCase())) return false;
      throw new ConfigError(`${source} must be true or false (got '${raw}')`);
  }
}

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** `https://chat.example.com` (scheme, host, optional port; no path) or `*`. */
function parseOrigin(origin: string, source: string): string {
  if (origin === '*') return origin;
  let url: URL | undefined;
  try {
    url = new URL(origin);
  } catch {}
  const bare = origin.replace(/\/$/, '');
  if (url === undefined || url.origin === 'null' || url.origin !== bare.toLowerCase()) {
    throw new ConfigError(
      `${source}: '${origin}' is not an origin like https://chat.example.com (scheme and host, no path)`,
    );
  }
  return url.origin;
}

/** The names proxy-addr (Fastify's trustProxy) understands besides addresses and CIDRs. */
const ADDRESS_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

function parseAddress(address: string, source: string): string {
  if (ADDRESS_RANGES.includes(address)) return address;
  const [ip, prefix, extra] = address.split('/');
  const family = isIP(ip ?? '');
  const bits = family === 4 ? 32 : 128;
  const prefixOk =
    prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= bits && extra === undefined);
  if (family === 0 || !prefixOk) {
    throw new ConfigError(
      `${source}: '${address}' is not an IP address or CIDR (e.g. 10.0.0.0/8, ::1, loopback)`,
    );
  }
  return address;
}

function parseJwksUrl(raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {}
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new ConfigError(`--auth-jwks must be an http:// or https:// URL (got '${raw}')`);
  }
  return url.href;
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
        ...OPTIONS.map((o) => [
          o.flag,
          { type: o.kind === 'switch' ? ('boolean' as const) : ('string' as const) },
        ]),
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
      typeof flagValue === 'string' || typeof flagValue === 'boolean'
        ? [String(flagValue), `--${option.flag}`]
        : envValue !== undefined && envValue !== ''
          ? [envValue, option.env]
          : [option.default, `default of --${option.flag}`];
    assign(config, option.key, parseValue(option, raw, source));
  }
  if (config.maxPerAddress < 1 || config.maxConnections < 1) {
    throw new ConfigError('--max-connections and --max-per-address must be at least 1');
  }
  if (config.connectBurstPerAddress < 1 || config.connectsPerSecondPerAddress < 1) {
    throw new ConfigError(
      '--connect-burst-per-address and --connect-rate-per-address must be at least 1',
    );
  }
  if (config.usersPageSize < 1) throw new ConfigError('--users-page-size must be at least 1');
  if (config.roomsPerMember < 1 || config.maxRooms < 1) {
    throw new ConfigError('--rooms-per-member and --max-rooms must be at least 1');
  }
  try {
    normalizeRoomName(config.room);
  } catch (err) {
    throw new ConfigError(`--room: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (config.ratePerSecond < 1 || config.rateBurst < 1) {
    throw new ConfigError('--rate-burst and --rate-per-second must be at least 1');
  }
  if ((config.tlsCert === null) !== (config.tlsKey === null)) {
    throw new ConfigError('--tls-cert and --tls-key go together: give both or neither');
  }
  const admin = config.ports.admin;
  if (admin !== null && admin !== 0 && (admin === config.ports.http || admin === config.ports.gt)) {
    throw new ConfigError(`--admin-port ${admin} must differ from --http-port and --gt-port`);
  }
  if (config.redis !== null && !/^rediss?:\/\//.test(config.redis)) {
    throw new ConfigError(`--redis must be a redis:// or rediss:// URL (got '${config.redis}')`);
  }
  if (config.authJwks !== null) {
    if (config.authSecret !== null) {
      throw new ConfigError('--auth-secret and --auth-jwks are exclusive: give one of them');
    }
    config.authJwks = parseJwksUrl(config.authJwks);
  }
  if (config.authAnonymousTcp && config.authSecret === null && config.authJwks === null) {
    throw new ConfigError('--auth-anonymous-tcp needs --auth-secret or --auth-jwks');
  }
  if (config.leaseMs < 300) throw new ConfigError('--lease-ms must be at least 300');
  (config as { nodeId: string | null }).nodeId ??= `${hostname()}-${process.pid}`;
  return config;
}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

export function wantsVersion(argv: string[]): boolean {
  return argv.includes('--version') || argv.includes('-v');
}

const ARGUMENT: Record<Kind, string> = {
  port: ' PORT|off',
  int: ' N',
  string: ' VALUE',
  optional: ' VALUE',
  level: ' LEVEL',
  file: ' PATH',
  origins: ' LIST',
  addresses: ' LIST',
  switch: '',
};

export function helpText(): string {
  const rows = OPTIONS.map((o) => {
    const left = `  --${o.flag}${ARGUMENT[o.kind]}`;
    const fallback = o.default === '' ? 'none' : o.default;
    return `${left.padEnd(34)}${o.help}\n${''.padEnd(34)}env ${o.env}, default ${fallback}`;
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
    '/healthz, /readyz, /metrics (on --admin-port instead when it is set).',
  ].join('\n');
}
