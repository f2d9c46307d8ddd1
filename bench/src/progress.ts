/**
 * Progress on stderr (stdout carries only the result table). On a terminal the running status
 * line is rewritten in place; otherwise every update is its own line.
 */
const started = performance.now();
const tty = process.stderr.isTTY === true;
let statusShown = false;

function stamp(): string {
  const s = Math.floor((performance.now() - started) / 1000);
  return `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}]`;
}

/** A lasting line. */
export function log(text: string): void {
  if (statusShown) process.stderr.write('\r\x1b[K');
  statusShown = false;
  process.stderr.write(`${stamp()} ${text}\n`);
}

/** A passing update, replaced by the next one on a terminal. */
export function status(text: string): void {
  if (!tty) {
    log(text);
    return;
  }
  process.stderr.write(`\r\x1b[K${stamp()} ${text}`);
  statusShown = true;
}
