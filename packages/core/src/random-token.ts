const HEX_DIGITS = '0123456789abcdef';

/**
 * A random 128-bit token: 32 lowercase hex digits in one flat string. (V8 builds randomUUID's
 * result as a tree of ~30 small strings, about 0.5 KB for as long as a member holds it.)
 */
export function randomToken(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  const codes = new Array<number>(32);
  for (let i = 0; i < 16; i++) {
    const byte = bytes[i]!;
    codes[2 * i] = HEX_DIGITS.charCodeAt(byte >> 4);
    codes[2 * i + 1] = HEX_DIGITS.charCodeAt(byte & 15);
  }
  return String.fromCharCode(...codes);
}
