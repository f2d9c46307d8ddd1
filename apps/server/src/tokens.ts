import { readFileSync } from 'node:fs';
import { ChatError, foldName, type TokenVerifier } from '@chatgate/core';
import { errors, jwtVerify } from 'jose';
import type { Config } from './config.js';

/** `--auth-secret` is unusable (unreadable or empty); one line for the operator. */
export class TokenConfigError extends Error {
  override readonly name = 'TokenConfigError';
}

/**
 * Reads `--auth-secret` (null: anonymous, as without tokens). The secret lives in a file so it
 * never shows in `ps` or shell history.
 */
export function loadTokenVerifier(config: Pick<Config, 'authSecret'>): TokenVerifier | null {
  if (config.authSecret === null) return null;
  let text: string;
  try {
    text = readFileSync(config.authSecret, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new TokenConfigError(`--auth-secret ${config.authSecret} cannot be read (${code})`);
  }
  const secret = text.trim();
  if (secret === '') throw new TokenConfigError(`--auth-secret ${config.authSecret} is empty`);
  return new Hs256Verifier(new TextEncoder().encode(secret));
}

/** HS256 JWTs whose `sub` is the member's name, compared like names (case-insensitive). */
class Hs256Verifier implements TokenVerifier {
  constructor(private readonly key: Uint8Array) {}

  async verifyName(token: string | undefined, name: string | undefined): Promise<void> {
    if (token === undefined || token === '') throw new ChatError('auth_required');
    let sub: string | undefined;
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      sub = payload.sub;
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new ChatError('auth_expired');
      throw new ChatError('auth_invalid');
    }
    if (sub === undefined || name === undefined || foldName(sub) !== foldName(name)) {
      throw new ChatError('auth_invalid');
    }
  }
}
