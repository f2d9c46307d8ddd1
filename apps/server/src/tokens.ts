import { readFileSync } from 'node:fs';
import { ChatError, foldName, type TokenVerifier } from '@chatgate/core';
import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Config } from './config.js';

/** `--auth-secret` is unusable (unreadable or empty); one line for the operator. */
export class TokenConfigError extends Error {
  override readonly name = 'TokenConfigError';
}

/** What a JWKS may sign with: asymmetric algorithms only, so no key doubles as an HMAC secret. */
const JWKS_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** How long a JWKS fetch may take before a join is refused with `auth_unavailable`. */
const JWKS_TIMEOUT_MS = 5_000;

/**
 * The token checker for `--auth-secret FILE` (HS256) or `--auth-jwks URL` (keys from a JSON Web
 * Key Set, fetched and cached by jose, refetched when a token names an unknown key); null:
 * anonymous, as without tokens. The secret lives in a file so it never shows in `ps` or shell
 * history. README "Tokens".
 */
export function loadTokenVerifier(
  config: Pick<Config, 'authSecret' | 'authJwks'>,
): TokenVerifier | null {
  if (config.authJwks !== null) {
    const keys = createRemoteJWKSet(new URL(config.authJwks), { timeoutDuration: JWKS_TIMEOUT_MS });
    return new JwtVerifier(keys, JWKS_ALGORITHMS);
  }
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
  return new JwtVerifier(new TextEncoder().encode(secret), ['HS256']);
}

/** JWTs whose `sub` is the member's name, compared like names (case-insensitive). */
class JwtVerifier implements TokenVerifier {
  constructor(
    private readonly key: Uint8Array | JWTVerifyGetKey,
    private readonly algorithms: string[],
  ) {}

  async verifySubject(token: string | undefined): Promise<string> {
    if (token === undefined || token === '') throw new ChatError('auth_required');
    let sub: string | undefined;
    try {
      const options = { algorithms: this.algorithms };
      const { payload } =
        this.key instanceof Uint8Array
          ? await jwtVerify(token, this.key, options)
          : await jwtVerify(token, this.key, options);
      sub = payload.sub;
    } catch (err) {
      throw refusalOf(err);
    }
    if (sub === undefined || sub === '') throw new ChatError('auth_invalid');
    return sub;
  }

  async verifyName(token: string | undefined, name: string | undefined): Promise<void> {
    const sub = await this.verifySubject(token);
    if (name === undefined || foldName(sub) !== foldName(name)) {
      throw new ChatError('auth_invalid');
    }
  }
}

function refusalOf(err: unknown): ChatError {
  if (err instanceof errors.JWTExpired) return new ChatError('auth_expired');
  // The key set could not be fetched or read: the token may be fine, so say try again.
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) {
    return new ChatError('auth_unavailable');
  }
  if (
    err instanceof TypeError ||
    (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC')
  ) {
    return new ChatError('auth_unavailable');
  }
  return new ChatError('auth_invalid');
}
