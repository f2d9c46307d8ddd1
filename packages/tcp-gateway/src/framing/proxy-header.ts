import { isIPv4, isIPv6 } from 'node:net';

/** The client a proxy speaks for; null when the header says LOCAL/UNKNOWN (a health check). */
export interface ProxySource {
  address: string;
  port: number;
}

export type ProxyHeaderResult =
  | { state: 'more' }
  | { state: 'done'; source: ProxySource | null; rest: Buffer }
  | { state: 'error'; message: string };

/** v1 is at most 107 bytes with its CRLF (haproxy proxy-protocol.txt, section 2.1). */
export const MAX_V1_HEADER_BYTES = 107;
const V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);
const V2_FIXED_BYTES = 16;
const V1_PREFIX = Buffer.from('PROXY ');

const MORE = { state: 'more' } as const;

function error(message: string): ProxyHeaderResult {
  return { state: 'error', message };
}

/**
 * Reads a PROXY protocol header (v1 text or v2 binary, as HAProxy and nginx send it) from
 * the start of a stream fed in chunks of any size. Buffers at most one header; whatever
 * follows it comes back as `rest`, byte for byte.
 */
export class ProxyHeaderParser {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): ProxyHeaderResult {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const data = this.buffered;
    // Decide the version as soon as the bytes seen so far rule one out.
    const v2Prefix = Math.min(data.length, V2_SIGNATURE.length);
    if (data.subarray(0, v2Prefix).equals(V2_SIGNATURE.subarray(0, v2Prefix))) {
      return data.length < V2_SIGNATURE.length ? MORE : parseV2(data);
    }
    const v1Prefix = Math.min(data.length, V1_PREFIX.length);
    if (data.subarray(0, v1Prefix).equals(V1_PREFIX.subarray(0, v1Prefix))) {
      return data.length < V1_PREFIX.length ? MORE : parseV1(data);
    }
    return error('expected a PROXY protocol header first');
  }
}

function parseV1(data: Buffer): ProxyHeaderResult {
  const end = data.indexOf('\r\n');
  if (end === -1) {
    return data.length >= MAX_V1_HEADER_BYTES ? error('PROXY v1 header too long') : MORE;
  }
  if (end + 2 > MAX_V1_HEADER_BYTES) return error('PROXY v1 header too long');
  const rest = data.subarray(end + 2);
  const fields = data.toString('latin1', 0, end).split(' ');
  if (fields[1] === 'UNKNOWN') return { state: 'done', source: null, rest };
  if (fields.length !== 6) return error('malformed PROXY v1 header');
  const [, family, source, , sourcePort, destinationPort] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const validAddress = family === 'TCP4' ? isIPv4(source) : family === 'TCP6' && isIPv6(source);
  if (!validAddress) return error(`bad PROXY v1 family or source address`);
  if (!isPort(sourcePort) || !isPort(destinationPort)) return error('bad PROXY v1 port');
  return { state: 'done', source: { address: source, port: Number(sourcePort) }, rest };
}

function isPort(text: string): boolean {
  return /^(0|[1-9]\d{0,4})$/.test(text) && Number(text) <= 65535;
}

const CMD_LOCAL = 0x0;
const CMD_PROXY = 0x1;
const FAMILY_INET = 0x1;
const FAMILY_INET6 = 0x2;

function parseV2(data: Buffer): ProxyHeaderResult {
  if (data.length < V2_FIXED_BYTES) return MORE;
  const versionCommand = data[12]!;
  if (versionCommand >> 4 !== 2) return error('unsupported PROXY v2 version');
  const command = versionCommand & 0x0f;
  if (command !== CMD_LOCAL && command !== CMD_PROXY) return error('bad PROXY v2 command');
  const family = data[13]! >> 4;
  const length = data.readUInt16BE(14);
  const total = V2_FIXED_BYTES + length;
  if (data.length < total) return MORE;
  const rest = data.subarray(total);
  if (command === CMD_LOCAL) return { state: 'done', source: null, rest };
  const body = data.subarray(V2_FIXED_BYTES, total);
  switch (family) {
    case FAMILY_INET:
      if (length < 12) return error('PROXY v2 address block too short');
      return {
        state: 'done',
        source: { address: Array.from(body.subarray(0, 4)).join('.'), port: body.readUInt16BE(8) },
        rest,
      };
    case FAMILY_INET6:
      if (length < 36) return error('PROXY v2 address block too short');
      return {
        state: 'done',
        source: { address: formatIPv6(body.subarray(0, 16)), port: body.readUInt16BE(32) },
        rest,
      };
    default:
      // UNSPEC or UNIX: no TCP source to use; keep the proxy's own address.
      return { state: 'done', source: null, rest };
  }
}

/** Compact IPv6 text, as node's socket.remoteAddress prints it (`::ffff:1.2.3.4` stays v4-mapped). */
function formatIPv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // Longest run of zero groups (length >= 2) becomes `::`.
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart === -1) return groups.join(':');
  const head = groups.slice(0, bestStart).join(':');
  const tail = groups.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}
