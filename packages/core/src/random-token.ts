const HEX_DIGITS = '0123456789abcdef';
const TOKEN_BYTES = 16;
/** Tokens' worth of random bytes fetched at once: getRandomValues costs ~10 µs a call. */
const POOL_TOKENS = 256;

let pool = new Uint8Array(0);
let poolOffset = 0;

/**
 * A random 128-bit token: 32 lowercase hex digits in one flat string. (V8 builds randomUUID's
 * result as a tree of ~30 small strings, about 0.5 KB for as long as a member holds it.)
 */
export function randomToken(): string {
  if (poolOffset + TOKEN_BYTES > pool.length) {
    pool = globalThis.crypto.getRandomValues(new Uint8Array(TOKEN_BYTES * POOL_TOKENS));
    poolOffset = 0;
  }
  const codes = new Array<number>(TOKEN_BYTES * 2);
  for (let i = 0; i < TOKEN_BYTES; i++) {
    const byte = pool[poolOffset + i]!;
    codes[2 * i] = HEX_DIGITS.charCodeAt(byte >> 4);
    codes[2 * i + 1] = HEX_DIGITS.charCodeAt(byte & 15);
  }
  poolOffset += TOKEN_BYTES;
  return String.fromCharCode(...codes);
}
