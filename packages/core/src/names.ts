import { CONFUSABLES_DATA } from './confusables-data.js';
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

// Letters, marks (combining: Devanagari vowel signs, accents), digits, `_`, `-`, `.`; a mark
// cannot come first. Length is checked in code points separately.
const NAME_PATTERN = /^[\p{L}\p{N}_.-][\p{L}\p{M}\p{N}_.-]*$/u;
const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/** More marks in a row than any script spells with: stacked "Zalgo" text. */
const MARK_RUN = /\p{M}{5}/u;
// Invisible in a name: bidi controls, zero-width characters, BOM, separators, Hangul fillers
// (letters that draw nothing), the combining grapheme joiner, variation selectors and tags.
// biome-ignore lint/complexity/useRegexLiterals: as a literal it trips noMisleadingCharacterClass, but each character is removed alone, so mixing marks and letters is meant.
const NAME_INVISIBLE = new RegExp(
  String.raw`[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u2028\u2029\u115f\u1160\u3164\uffa0\u034f\u180b-\u180f\ufe00-\ufe0f\u{e0000}-\u{e007f}\u{e0100}-\u{e01ef}]`,
  'gu',
);

/** The case-insensitive key a name is claimed under: NFC, then full case folding. */
export function foldName(name: string): string {
  const folded = name.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
  // The same characters as the name: keep the name's string, not a copy held per member.
  return folded === name ? name : folded;
}

/**
 * Validates a requested name and returns its NFC form, with invisible characters removed.
 * Throws `name_invalid` or `name_reserved`; uniqueness is the registry's job, look-alikes of
 * members present are the room's (`nameSkeleton`).
 */
export function normalizeName(requested: string): string {
  if (typeof requested !== 'string' || hasControlCharacters(requested)) {
    throw new ChatError('name_invalid', 'Names may not contain control characters.');
  }
  const name = requested.replace(NAME_INVISIBLE, '').normalize('NFC');
  const length = [...name].length;
  if (length < 1 || length > MAX_NAME_CHARS || !NAME_PATTERN.test(name)) {
    throw new ChatError('name_invalid');
  }
  if (!HAS_LETTER_OR_DIGIT.test(name)) {
    throw new ChatError('name_invalid', 'A name needs at least one letter or digit.');
  }
  if (MARK_RUN.test(name)) {
    throw new ChatError('name_invalid', 'Too many combining marks in a row.');
  }
  if (RESERVED_NAMES.has(foldName(name)) || RESERVED_SKELETONS().has(nameSkeleton(name))) {
    throw new ChatError('name_reserved', `The name '${name}' is reserved.`);
  }
  const scripts = scriptsOf(name);
  if (!isSingleScript(scripts)) {
    throw new ChatError(
      'name_invalid',
      `A name may not mix scripts (this one mixes ${[...scripts].join(', ')}).`,
    );
  }
  return name;
}

/** Auto-assigned names: user1, user2, … */
export function autoName(n: number): string {
  return `user${n}`;
}

// ---- Confusables (UTS #39 skeleton, as Ergo does for IRC nicknames) ----

let prototypes: Map<number, string> | undefined;

function confusablePrototypes(): Map<number, string> {
  if (prototypes !== undefined) return prototypes;
  prototypes = new Map();
  for (const entry of CONFUSABLES_DATA.split(',')) {
    const [source, target] = entry.split('=') as [string, string];
    const chars = target.split('.').map((cp) => String.fromCodePoint(Number.parseInt(cp, 36)));
    prototypes.set(Number.parseInt(source, 36), chars.join(''));
  }
  return prototypes;
}

/**
 * The key two names that look alike share: NFD, each character mapped to its prototype in
 * Unicode's confusables table, NFD again, then case-folded (`ѕystem`, `SYSTEM` and `system`
 * share one; so do `paypal` and `paypa1`).
 */
/**
 * The engine key that stands for every look-alike of `name`: claimed beside the folded name, so
 * that of racing joins or renames with look-alike names, on any node, exactly one wins. `~`
 * cannot occur in a name, so the key never meets a folded name.
 */
export function lookAlikeKey(name: string): string {
  return `~${nameSkeleton(name)}`;
}

export function nameSkeleton(name: string): string {
  const table = confusablePrototypes();
  let mapped = '';
  for (const ch of name.normalize('NFD')) {
    mapped += table.get(ch.codePointAt(0)!) ?? ch;
  }
  return foldName(mapped.normalize('NFD'));
}

let reservedSkeletons: ReadonlySet<string> | undefined;

function RESERVED_SKELETONS(): ReadonlySet<string> {
  reservedSkeletons ??= new Set([...RESERVED_NAMES].map(nameSkeleton));
  return reservedSkeletons;
}

// ---- Scripts ----

/** Scripts told apart; a letter in none of them counts as `Other`. */
const SCRIPTS = [
  'Latin',
  'Greek',
  'Cyrillic',
  'Armenian',
  'Hebrew',
  'Arabic',
  'Syriac',
  'Thaana',
  'Nko',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Georgian',
  'Hangul',
  'Ethiopic',
  'Cherokee',
  'Canadian_Aboriginal',
  'Khmer',
  'Mongolian',
  'Hiragana',
  'Katakana',
  'Bopomofo',
  'Han',
  'Yi',
  'Javanese',
  'Balinese',
  'Tifinagh',
  'Ol_Chiki',
  'Adlam',
].map((script) => ({ script, pattern: new RegExp(`^\\p{Script=${script}}$`, 'u') }));

const COMMON_OR_INHERITED = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

/** The scripts of a name's letters, marks and digits (ASCII digits and `_.-` are common). */
function scriptsOf(name: string): Set<string> {
  const found = new Set<string>();
  for (const ch of name) {
    if (COMMON_OR_INHERITED.test(ch)) continue;
    found.add(SCRIPTS.find(({ pattern }) => pattern.test(ch))?.script ?? 'Other');
  }
  return found;
}

// Scripts written together (UTS #39 "highly restrictive"): Japanese, Chinese with Bopomofo,
// Korean; each may carry Latin too.
const WRITTEN_TOGETHER = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

function isSingleScript(scripts: Set<string>): boolean {
  if (scripts.size <= 1) return true;
  return WRITTEN_TOGETHER.some((group) => [...scripts].every((script) => group.has(script)));
}

/**
 * A room's name as typed (`dev` or `#dev`) made canonical: the member-name rules, without the
 * optional leading `#`, folded, since `#Dev` and `#dev` are one room. Throws `name_invalid` or
 * `name_reserved` worded for rooms.
 */
export function normalizeRoomName(requested: string): string {
  const text = typeof requested === 'string' ? requested.trim() : requested;
  const bare = typeof text === 'string' && text.startsWith('#') ? text.slice(1) : text;
  try {
    return foldName(normalizeName(bare));
  } catch (err) {
    if (!(err instanceof ChatError)) throw err;
    throw new ChatError(
      err.code,
      err.code === 'name_reserved'
        ? `The room name '${String(bare)}' is reserved.`
        : `Room names follow the rules of names, with an optional '#': ${err.message}`,
    );
  }
}

/** A room's canonical name from its engine name; a name outside the rules is used folded. */
export function roomKey(name: string): string {
  try {
    return normalizeRoomName(name);
  } catch {
    return foldName(name);
  }
}
