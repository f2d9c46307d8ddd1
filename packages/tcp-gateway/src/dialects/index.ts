import type { TcpDialect } from '../tcp-dialect.js';
import { atDialect } from './at.js';
import { lineDialect } from './line.js';
import { peerDialect } from './peer.js';

/** The built-in dialects by name. */
export const DIALECTS = { line: lineDialect, at: atDialect, peer: peerDialect } as const;

export type DialectName = keyof typeof DIALECTS;

export function resolveDialect(dialect: DialectName | TcpDialect): TcpDialect {
  if (typeof dialect !== 'string') return dialect;
  const found = DIALECTS[dialect];
  if (found === undefined) throw new TypeError(`unknown tcp dialect '${String(dialect)}'`);
  return found;
}
