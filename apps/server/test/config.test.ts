import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, helpText, loadConfig, OPTIONS } from '../src/config.js';

describe('config > defaults', () => {
  it('serves every listener on the documented ports at 127.0.0.1', () => {
    const config = defaultConfig();
    expect(config.host).toBe('127.0.0.1');
    expect(config.ports).toEqual({
      http: 8080,
      gt: 8723,
      line: 2323,
      at: 12345,
      peer: 9000,
      admin: null,
    });
    expect(config).toMatchObject({
      maxConnections: 10_000,
      maxPerAddress: 64,
      nameTimeoutMs: 30_000,
      rateBurst: 20,
      ratePerSecond: 10,
      maxTextChars: 4000,
      historySize: 100,
      maxBufferedBytes: 1024 * 1024,
      maxPayloadBytes: 65536,
      rpcMaxCallsInFlight: 128,
      rpcBatchCors: false,
      logLevel: 'info',
      heapReclaimMb: 16,
    });
  });

  it('reads a boolean setting and refuses anything but true or false', () => {
    expect(loadConfig(['--rpc-batch-cors'], {}).rpcBatchCors).toBe(true);
    expect(loadConfig([], { CHATGATE_RPC_BATCH_CORS: 'no' }).rpcBatchCors).toBe(false);
    expect(() => loadConfig([], { CHATGATE_RPC_BATCH_CORS: 'maybe' })).toThrow(
      /CHATGATE_RPC_BATCH_CORS must be true or false \(got 'maybe'\)/,
    );
  });
});

describe('config > flags and environment', () => {
  it('moves and turns off listeners by flag', () => {
    const config = loadConfig(['--http-port', '0', '--line-port=off', '--at-port', '4000'], {});
    expect(config.ports).toMatchObject({ http: 0, line: null, at: 4000 });
  });

  it('reads CHATGATE_* environment variables, and flags win over them', () => {
    const env = { CHATGATE_PEER_PORT: 'off', CHATGATE_HOST: '::1', CHATGATE_RATE_BURST: '5' };
    expect(loadConfig([], env)).toMatchObject({ host: '::1', rateBurst: 5, ports: { peer: null } });
    expect(loadConfig(['--rate-burst', '7'], env).rateBurst).toBe(7);
    expect(loadConfig([], { CHATGATE_HEAP_RECLAIM_MB: '0' }).heapReclaimMb).toBe(0);
  });

  it.each([
    [['--http-port', '70000'], /--http-port must be a port 0-65535 or 'off'/],
    [['--http-port', 'abc'], /--http-port must be a port/],
    [['--max-connections=-1'], /--max-connections must be a whole number/],
    [['--max-per-address', '0'], /at least 1/],
    [['--log-level', 'loud'], /--log-level must be one of/],
    [['--heap-reclaim-mb', '1.5'], /--heap-reclaim-mb must be a whole number >= 0/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--tls-cert', 'cert.pem'], /--tls-cert and --tls-key go together/],
    [['--tls-key', 'key.pem'], /--tls-cert and --tls-key go together/],
    [['--allowed-origins', 'chat.example.com'], /'chat.example.com' is not an origin like https/],
    [['--allowed-origins', 'https://chat.example.com/app'], /is not an origin/],
    [['--trust-proxy', '10.0.0.0/33'], /'10.0.0.0\/33' is not an IP address or CIDR/],
    [['--trust-proxy', 'proxy.internal'], /'proxy.internal' is not an IP address or CIDR/],
    [['--proxy-protocol=yes'], /Option '--proxy-protocol' does not take an argument/],
    [['--admin-port', '8080'], /--admin-port 8080 must differ from --http-port/],
    [['--admin-host', ''], /--admin-host must not be empty/],
    [['extra'], /Unexpected argument 'extra'/],
    [
      ['--auth-secret', 's', '--auth-jwks', 'https://id.example.com/jwks.json'],
      /--auth-secret and --auth-jwks are exclusive/,
    ],
    [['--auth-jwks', 'id.example.com/jwks'], /--auth-jwks must be an http:\/\/ or https:\/\/ URL/],
    [
      ['--auth-jwks', 'file:///etc/jwks.json'],
      /--auth-jwks must be an http:\/\/ or https:\/\/ URL/,
    ],
    [['--auth-anonymous-tcp'], /--auth-anonymous-tcp needs --auth-secret or --auth-jwks/],
  ])('refuses %j with a one-line ConfigError', (argv, message) => {
    let error: unknown;
    try {
      loadConfig(argv, {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('reads the deployment settings from flags and environment', () => {
    const config = loadConfig(
      [
        '--tls-cert=/etc/chatgate/cert.pem',
        '--tls-key=/etc/chatgate/key.pem',
        '--allowed-origins=https://Chat.Example.com/, http://localhost:3000',
        '--trust-proxy=10.0.0.0/8, ::1,loopback',
        '--proxy-protocol',
        '--admin-port=9100',
      ],
      {},
    );
    expect(config).toMatchObject({
      tlsCert: '/etc/chatgate/cert.pem',
      tlsKey: '/etc/chatgate/key.pem',
      allowedOrigins: ['https://chat.example.com', 'http://localhost:3000'],
      trustProxy: ['10.0.0.0/8', '::1', 'loopback'],
      proxyProtocol: true,
      adminHost: '127.0.0.1',
      ports: { admin: 9100 },
    });
    const fromEnv = loadConfig([], {
      CHATGATE_PROXY_PROTOCOL: 'true',
      CHATGATE_TRUST_PROXY: '127.0.0.1',
    });
    expect(fromEnv).toMatchObject({ proxyProtocol: true, trustProxy: ['127.0.0.1'] });
    expect(defaultConfig()).toMatchObject({
      tlsCert: null,
      tlsKey: null,
      allowedOrigins: [],
      trustProxy: [],
      proxyProtocol: false,
      ports: { admin: null },
    });
    expect(() => loadConfig([], { CHATGATE_PROXY_PROTOCOL: 'maybe' })).toThrow(
      /CHATGATE_PROXY_PROTOCOL must be true or false \(got 'maybe'\)/,
    );
  });

  it('names the environment variable in errors that come from it', () => {
    expect(() => loadConfig([], { CHATGATE_LINE_PORT: 'x' })).toThrow(/CHATGATE_LINE_PORT/);
  });
});

describe('config > --help', () => {
  it('lists every flag with its environment variable and default', () => {
    const help = helpText();
    for (const option of OPTIONS) {
      expect(help).toContain(`--${option.flag}`);
      expect(help).toContain(`env ${option.env}, default ${option.default || 'none'}`);
    }
  });
});
