import { describe, expect, it } from 'vitest';
import { DEFAULT_URL, parseClientArgs, transportFor, UsageError } from '../src/args.js';

describe('parseClientArgs', () => {
  it('defaults to RPC on the capnweb-python URL', () => {
    expect(parseClientArgs([])).toEqual({
      url: DEFAULT_URL,
      transport: 'rpc',
      name: undefined,
      help: false,
    });
  });

  it('guesses the transport from the URL', () => {
    expect(parseClientArgs(['--url', 'ws://h:8080/ws']).transport).toBe('ws');
    expect(parseClientArgs(['ws://h:8080/rpc/ws']).transport).toBe('rpc');
    expect(parseClientArgs(['--url=tcp://h:2323']).transport).toBe('tcp');
    expect(transportFor(new URL('wss://example.com/rpc'))).toBe('rpc');
    expect(transportFor(new URL('https://example.com/ws/alice'))).toBe('ws');
    expect(parseClientArgs(['tls://h:2323']).transport).toBe('tcp');
    expect(parseClientArgs(['wss://h/ws']).transport).toBe('ws');
  });

  it('takes --name and --transport', () => {
    const args = parseClientArgs(['--name', ' alice ', '--transport', 'ws', 'ws://h/x']);
    expect(args).toMatchObject({ name: 'alice', transport: 'ws', url: 'ws://h/x' });
    expect(parseClientArgs(['-h']).help).toBe(true);
  });

  it('refuses bad arguments with a UsageError', () => {
    expect(() => parseClientArgs(['--bogus'])).toThrow(UsageError);
    expect(() => parseClientArgs(['--transport', 'smoke'])).toThrow(/one of rpc, ws, tcp/);
    expect(() => parseClientArgs(['not a url'])).toThrow(/not a URL/);
    expect(() => parseClientArgs(['ftp://h/'])).toThrow(/unsupported URL scheme/);
    expect(() => parseClientArgs(['--name', '  '])).toThrow(/must not be empty/);
    expect(() => parseClientArgs(['ws://a/', 'ws://b/'])).toThrow(/unexpected argument/);
  });
});
