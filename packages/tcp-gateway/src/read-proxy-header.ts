import type { Socket } from 'node:net';
import { ProxyHeaderParser, type ProxySource } from './framing/proxy-header.js';

export type ProxyHeaderOutcome =
  | { ok: true; source: ProxySource | null }
  | { ok: false; message: string };

/**
 * Reads the PROXY header off a fresh socket, then hands the socket back paused with any bytes
 * after the header put back in front, so the next reader (a session or TLS) sees them first.
 * Calls `done` exactly once; a socket that sends no header within `timeoutMs` fails.
 */
export function readProxyHeader(
  socket: Socket,
  timeoutMs: number,
  done: (outcome: ProxyHeaderOutcome) => void,
): void {
  const parser = new ProxyHeaderParser();
  let finished = false;
  const finish = (outcome: ProxyHeaderOutcome) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', onClose);
    done(outcome);
  };
  const onData = (chunk: Buffer) => {
    const result = parser.push(chunk);
    switch (result.state) {
      case 'more':
        return;
      case 'error':
        finish({ ok: false, message: result.message });
        return;
      case 'done':
        socket.pause();
        if (result.rest.length > 0) socket.unshift(result.rest);
        finish({ ok: true, source: result.source });
        return;
    }
  };
  const onClose = () => finish({ ok: false, message: 'closed before the PROXY header' });
  const timer = setTimeout(
    () => finish({ ok: false, message: 'no PROXY header in time' }),
    timeoutMs,
  ).unref();
  socket.on('data', onData);
  socket.on('close', onClose);
}
