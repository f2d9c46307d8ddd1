import { describe, expect, it } from 'vitest';
import type { Logger } from '../src/log.js';
import { createWebSocketErrorHandler, isClientProtocolError } from '../src/websocket-errors.js';

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (_obj: object, msg?: string) => {
    lines.push(`${level} ${msg ?? ''}`);
  };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => recordingLog(),
  } as unknown as Logger & { lines: string[] };
}

function codedError(code: string): Error {
  return Object.assign(new Error(code), { code });
}

describe('createWebSocketErrorHandler', () => {
  it('leaves a socket whose client broke the protocol to ws, so its close frame arrives', () => {
    const log = recordingLog();
    let terminated = 0;
    createWebSocketErrorHandler(log)(codedError('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'), {
      terminate: () => terminated++,
    });
    expect(terminated).toBe(0);
    expect(log.lines).toEqual(['warn websocket client error']);
  });

  it('terminates and logs an error for anything else (our bug)', () => {
    const log = recordingLog();
    let terminated = 0;
    createWebSocketErrorHandler(log)(new TypeError('boom'), { terminate: () => terminated++ });
    expect(terminated).toBe(1);
    expect(log.lines).toEqual(['error websocket handler failed']);
  });

  it('tells ws protocol codes from other errors', () => {
    expect(isClientProtocolError(codedError('WS_ERR_INVALID_UTF8'))).toBe(true);
    expect(isClientProtocolError(codedError('ECONNRESET'))).toBe(false);
    expect(isClientProtocolError(null)).toBe(false);
    expect(isClientProtocolError('WS_ERR_X')).toBe(false);
  });
});
