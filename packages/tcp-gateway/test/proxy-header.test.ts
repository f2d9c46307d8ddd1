import { describe, expect, it } from 'vitest';
import { ProxyHeaderParser, type ProxyHeaderResult } from '../src/index.js';

const SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

function v2(command: number, family: number, body: Buffer): Buffer {
  const fixed = Buffer.alloc(4);
  fixed[0] = 0x20 | command;
  fixed[1] = family;
  fixed.writeUInt16BE(body.length, 2);
  return Buffer.concat([SIGNATURE, fixed, body]);
}

function v2Inet(source: number[], port: number, tlvs = Buffer.alloc(0)): Buffer {
  const body = Buffer.alloc(12);
  Buffer.from(source).copy(body, 0);
  Buffer.from([10, 0, 0, 1]).copy(body, 4);
  body.writeUInt16BE(port, 8);
  body.writeUInt16BE(2323, 10);
  return v2(0x1, 0x11, Buffer.concat([body, tlvs]));
}

function v2Inet6(source: string, port: number): Buffer {
  const body = Buffer.alloc(36);
  Buffer.from(source.replaceAll(':', ''), 'hex').copy(body, 0);
  body[31] = 1;
  body.writeUInt16BE(port, 32);
  body.writeUInt16BE(2323, 34);
  return v2(0x1, 0x21, body);
}

/**
 * Feeds `input` in chunks cut at `cuts`; once the header is done, whatever was not fed yet is
 * what the socket would deliver next, so it is appended to `rest`.
 */
function parseChunks(input: Buffer, cuts: number[]): ProxyHeaderResult {
  const parser = new ProxyHeaderParser();
  const bounds = [0, ...cuts, input.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const result = parser.push(input.subarray(bounds[i], bounds[i + 1]));
    if (result.state === 'done') {
      return { ...result, rest: Buffer.concat([result.rest, input.subarray(bounds[i + 1])]) };
    }
    if (result.state === 'error') return result;
  }
  return { state: 'more' };
}

const parseBytewise = (input: Buffer) =>
  parseChunks(
    input,
    Array.from({ length: input.length - 1 }, (_, i) => i + 1),
  );

const AFTER = Buffer.from('hello\r\n');

const GOOD: Array<[string, Buffer, { address: string; port: number } | null]> = [
  [
    'v1 TCP4',
    Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 51234 2323\r\n'),
    {
      address: '203.0.113.7',
      port: 51234,
    },
  ],
  [
    'v1 TCP6',
    Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::1 4000 2323\r\n'),
    {
      address: '2001:db8::7',
      port: 4000,
    },
  ],
  ['v1 UNKNOWN', Buffer.from('PROXY UNKNOWN\r\n'), null],
  ['v2 IPv4', v2Inet([198, 51, 100, 9], 40000), { address: '198.51.100.9', port: 40000 }],
  [
    'v2 IPv4 with TLVs',
    v2Inet([198, 51, 100, 9], 40000, Buffer.from('0400020a0b', 'hex')),
    { address: '198.51.100.9', port: 40000 },
  ],
  [
    'v2 IPv6',
    v2Inet6('20010db8:00000000:00000000:00000007', 5000),
    { address: '2001:db8::7', port: 5000 },
  ],
  ['v2 LOCAL', v2(0x0, 0x00, Buffer.alloc(0)), null],
  ['v2 UNSPEC', v2(0x1, 0x00, Buffer.alloc(0)), null],
];

describe('ProxyHeaderParser', () => {
  it.each(GOOD)(
    'reads a %s header split at every byte, keeping what follows',
    (_, header, source) => {
      const input = Buffer.concat([header, AFTER]);
      for (let at = 1; at < input.length; at++) {
        expect(parseChunks(input, [at])).toEqual({ state: 'done', source, rest: AFTER });
      }
      expect(parseChunks(input, [])).toEqual({ state: 'done', source, rest: AFTER });
      expect(parseBytewise(input)).toEqual({ state: 'done', source, rest: AFTER });
    },
  );

  it.each([
    ['plain text', 'hello there\r\n', /expected a PROXY protocol header/],
    ['a TLS ClientHello', '\x16\x03\x01\x02\x00', /expected a PROXY protocol header/],
    ['a v1 header with a bad address', 'PROXY TCP4 300.1.1.1 10.0.0.1 1 2\r\n', /bad PROXY v1/],
    ['a v1 header with a bad port', 'PROXY TCP4 1.1.1.1 10.0.0.1 70000 2\r\n', /bad PROXY v1 port/],
    ['a v1 header with fields missing', 'PROXY TCP4 1.1.1.1\r\n', /malformed PROXY v1/],
    ['a v1 header that never ends', `PROXY TCP4 ${'1'.repeat(120)}`, /too long/],
  ])('refuses %s at the first byte that rules a header out', (_, text, message) => {
    const result = parseBytewise(Buffer.from(text, 'latin1'));
    expect(result.state).toBe('error');
    expect(result.state === 'error' && result.message).toMatch(message);
  });

  it('refuses a v2 header with a bad version or command, or a short address block', () => {
    const badVersion = Buffer.concat([SIGNATURE, Buffer.from([0x11, 0x11, 0, 0])]);
    expect(parseBytewise(badVersion)).toEqual({
      state: 'error',
      message: 'unsupported PROXY v2 version',
    });
    const badCommand = Buffer.concat([SIGNATURE, Buffer.from([0x2f, 0x11, 0, 0])]);
    expect(parseBytewise(badCommand)).toEqual({ state: 'error', message: 'bad PROXY v2 command' });
    const short = v2(0x1, 0x11, Buffer.alloc(4));
    expect(parseBytewise(short)).toEqual({
      state: 'error',
      message: 'PROXY v2 address block too short',
    });
  });

  it('waits for more while the input is still a header prefix', () => {
    const parser = new ProxyHeaderParser();
    expect(parser.push(Buffer.from('PRO'))).toEqual({ state: 'more' });
    expect(parser.push(SIGNATURE.subarray(0, 0))).toEqual({ state: 'more' });
    expect(new ProxyHeaderParser().push(SIGNATURE.subarray(0, 5))).toEqual({ state: 'more' });
  });
});
