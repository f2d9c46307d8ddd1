import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Config } from './config.js';

/** Certificate and key as read at start, and the context the TCP listeners share. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  context: SecureContext;
}

/** The certificate or key cannot be used; the message is one line naming the flag. */
export class TlsError extends Error {
  override readonly name = 'TlsError';
}

function read(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : (err as Error).message;
    throw new TlsError(`cannot read ${flag} ${path}: ${why}`);
  }
}

/** OpenSSL's reason without its `error:0480006C:PEM routines::` prefix. */
function reason(err: unknown): string {
  return String((err as Error).message)
    .replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, '')
    .trim();
}

/**
 * Reads and checks `--tls-cert` and `--tls-key` (null when TLS is off). Each file is parsed
 * alone first, so the error names the file at fault; then the pair, which catches a key that
 * belongs to another certificate.
 */
export function loadTls(config: Pick<Config, 'tlsCert' | 'tlsKey'>): TlsMaterial | null {
  if (config.tlsCert === null || config.tlsKey === null) return null;
  const cert = read('--tls-cert', config.tlsCert);
  const key = read('--tls-key', config.tlsKey);
  try {
    createSecureContext({ cert });
  } catch (err) {
    throw new TlsError(`--tls-cert ${config.tlsCert} is not a PEM certificate: ${reason(err)}`);
  }
  try {
    createSecureContext({ key });
  } catch (err) {
    throw new TlsError(`--tls-key ${config.tlsKey} is not a PEM private key: ${reason(err)}`);
  }
  try {
    return { cert, key, context: createSecureContext({ cert, key }) };
  } catch (err) {
    throw new TlsError(
      `--tls-key ${config.tlsKey} does not match --tls-cert ${config.tlsCert}: ${reason(err)}`,
    );
  }
}
