import { connect } from 'node:net';
import { onTestFinished } from 'vitest';
import { waitFor } from './helpers.js';

/** A line (nc-style) connection from `localAddress`: what it got, and ways to wait for more. */
export function lineSession(port: number, localAddress = '127.0.0.1') {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  onTestFinished(() => {
    socket.destroy();
  });
  const lines: string[] = [];
  const checks = new Set<() => void>();
  let text = '';
  let closed = false;
  const notify = () => {
    for (const check of [...checks]) check();
  };
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    const whole = text.slice(text.lastIndexOf('\n') + 1) + chunk;
    text += chunk;
    const parts = whole.split('\n');
    parts.pop();
    lines.push(...parts);
    notify();
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
    notify();
  });
  const subscribe = (check: () => void) => {
    checks.add(check);
    return () => checks.delete(check);
  };
  return {
    socket,
    lines,
    /** The first whole line matching `pattern`. */
    waitLine: (pattern: RegExp) =>
      waitFor(
        subscribe,
        () => lines.find((line) => pattern.test(line)),
        `a line matching ${pattern} (got ${JSON.stringify(lines)})`,
      ),
    /** Everything received so far, once it matches `pattern`. */
    seen: (pattern: RegExp) =>
      waitFor(subscribe, () => (pattern.test(text) ? text : undefined), `${pattern} in ${text}`),
    send: (line: string) => socket.write(`${line}\r\n`),
    /** Everything received, once the server has closed the connection. */
    closed: () => waitFor(subscribe, () => (closed ? text : undefined), 'the server to close'),
  };
}
