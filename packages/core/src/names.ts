import { ChatError } from './errors.js';
import { hasControlCharacters } from './text.js';

export const MAX_NAME_CHARS = 32;
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'system',
  'server',
  'all',
  'people',
  'everyone',
  'exit',
  'you',
]);

const NAME_PATTERN = /^[\p{L}\p{N}_.-]{1,32}$/u;

/** The case-insensitive key a name is claimed under: NFC, then full case folding. */
export function foldName(name: string): string {
  return name.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

/**
 * Validates a requested name and returns its NFC form.
 * Throws `name_invalid` or `name_reserved`; uniqueness is the registry's job.
 */
export function normalizeName(requested: string): string {
  if (typeof requested !== 'string' || hasControlCharacters(requested)) {
    throw new ChatError('name_invalid', 'Names may not contain control characters.');
  }
  const name = requested.normalize('NFC');
  if (!NAME_PATTERN.test(name)) {
    throw new ChatError('name_invalid');
  }
  if (RESERVED_NAMES.has(foldName(name))) {
    throw new ChatError('name_reserved', `The name '${name}' is reserved.`);
  }
  return name;
}

/** Auto-assigned names: user1, user2, … */
export function autoName(n: number): string {
  return `user${n}`;
}
