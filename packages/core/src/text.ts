import { ChatError } from './errors.js';

// ESC-introduced sequences (CSI, OSC, DCS/SOS/PM/APC strings, two-byte escapes), then any
// remaining C0 (except tab), DEL and C1 characters. Order matters: sequences first, so their
// parameters go with them instead of being left behind as visible junk.
const ESCAPE_SEQUENCE =
  /\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]?|\x9b[0-?]*[ -/]*[@-~]?/g;
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

/**
 * Removes terminal escape sequences and control characters (C0 except tab, DEL, C1) and
 * replaces lone surrogates with U+FFFD, so nobody can repaint another user's terminal.
 */
export function sanitizeText(text: string): string {
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed();
  if (!UNSAFE.test(wellFormed)) return wellFormed;
  return wellFormed.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '');
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
