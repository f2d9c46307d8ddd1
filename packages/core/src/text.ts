import { ChatError } from './errors.js';

// ESC-introduced sequences (CSI, OSC, DCS/SOS/PM/APC strings, two-byte escapes), then any
// remaining C0 (except tab), DEL and C1 characters. Order matters: sequences first, so their
// parameters go with them instead of being left behind as visible junk.
const ESCAPE_SEQUENCE =
  /\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]?|\x9b[0-?]*[ -/]*[@-~]?/g;
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

// Invisible or reordering: the Arabic letter mark, zero-width space/non-joiner/joiner, LRM/RLM,
// bidi embeddings, overrides and isolates, word joiner and invisible operators, BOM, and the
// line/paragraph separators. With them `L\u202Eexe.txt` shows as `Ltxt.exe` (Trojan Source).
const INVISIBLE_CHARS =
  '\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u2028\u2029';
const INVISIBLE = new RegExp(`[${INVISIBLE_CHARS}]`, 'u');
// Scripts whose spelling needs ZWJ/ZWNJ between letters (Persian, Indic conjuncts).
const JOINING = String.raw`[\p{scx=Arabic}\p{scx=Syriac}\p{scx=Nko}\p{scx=Mongolian}\p{scx=Devanagari}\p{scx=Bengali}\p{scx=Gurmukhi}\p{scx=Gujarati}\p{scx=Oriya}\p{scx=Tamil}\p{scx=Telugu}\p{scx=Kannada}\p{scx=Malayalam}\p{scx=Sinhala}]`;
const INVISIBLE_RUN = new RegExp(
  [
    // Kept: ZWJ inside an emoji sequence (👩 ZWJ 💻), after an optional VS16 or skin tone.
    String.raw`(?<keepEmoji>(?<=\p{Extended_Pictographic}[\u{FE0F}\u{1F3FB}-\u{1F3FF}]?)\u200d(?=\p{Extended_Pictographic}))`,
    // Kept: ZWJ/ZWNJ between letters of a script that needs them.
    `(?<keepJoiner>(?<=${JOINING})[\u200c\u200d](?=${JOINING}))`,
    // Line and paragraph separators become a space, so words stay apart.
    '(?<separator>[\u2028\u2029])',
    `[${INVISIBLE_CHARS}]`,
  ].join('|'),
  'gu',
);

function replaceInvisible(match: string, ...args: unknown[]): string {
  const groups = args.at(-1) as Record<string, string | undefined>;
  if (groups.keepEmoji !== undefined || groups.keepJoiner !== undefined) return match;
  if (groups.separator !== undefined) return ' ';
  return '';
}

/**
 * Removes terminal escape sequences and control characters (C0 except tab, DEL, C1),
 * invisible and bidi-reordering characters (ZWJ kept inside emoji sequences and between
 * letters of scripts that need it), and replaces lone surrogates with U+FFFD, so nobody can
 * repaint another user's terminal or make text show other than it reads.
 */
export function sanitizeText(text: string): string {
  let clean = text.isWellFormed() ? text : text.toWellFormed();
  if (UNSAFE.test(clean)) clean = clean.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '');
  if (INVISIBLE.test(clean)) clean = stripInvisible(clean);
  return clean;
}

/** Removes invisible and reordering characters, keeping the joiners that spell something. */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE_RUN, replaceInvisible);
}

/** True when the text contains a control character or escape (names refuse them). */
export function hasControlCharacters(text: string): boolean {
  return UNSAFE.test(text);
}

/** Counts Unicode code points, not UTF-16 units, so limits mean characters. */
export function codePointLength(text: string, stopAfter = Number.POSITIVE_INFINITY): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    if (++count > stopAfter) return count;
  }
  return count;
}

/**
 * Prepares message text: refuses over `maxChars` (never cuts), strips control characters and
 * escapes, and returns null for text that is empty or only whitespace.
 */
export function prepareMessageText(text: string, maxChars: number): string | null {
  if (text.length > maxChars && codePointLength(text, maxChars) > maxChars) {
    throw new ChatError('too_long', `Message is too long (at most ${maxChars} characters).`);
  }
  const clean = sanitizeText(text);
  return clean.trim().length === 0 ? null : clean;
}
