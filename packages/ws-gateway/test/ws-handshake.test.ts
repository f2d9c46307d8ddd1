import { ChatError } from '@chatgate/core';
import { describe, expect, it } from 'vitest';
import {
  CLOSE_GOING_AWAY,
  CLOSE_INTERNAL_ERROR,
  CLOSE_POLICY_VIOLATION,
  CLOSE_TRY_AGAIN_LATER,
  FIRST_MESSAGE_MUST_BE_CONNECT,
  NAME_MISMATCH_MESSAGE,
  NAME_TAKEN_MESSAGE,
} from '../src/index.js';
import { handshake, joinRefusal } from '../src/ws-handshake.js';

describe('handshake', () => {
  it('joins with the connect name, the path name, or none (auto-named)', () => {
    expect(handshake({ kind: 'connect', username: 'alice' }, undefined)).toEqual({
      kind: 'join',
      name: 'alice',
    });
    expect(handshake({ kind: 'connect', username: undefined }, 'bob')).toEqual({
      kind: 'join',
      name: 'bob',
    });
    expect(handshake({ kind: 'connect', username: undefined }, undefined)).toEqual({
      kind: 'join',
      name: undefined,
    });
  });

  it('accepts path and connect names that differ only in normal form', () => {
    const composed = 'Zo\u00eb';
    const decomposed = 'Zoe\u0308';
    expect(handshake({ kind: 'connect', username: decomposed }, composed)).toEqual({
      kind: 'join',
      name: decomposed,
    });
  });

  it('refuses a connect name that disagrees with the path', () => {
    expect(handshake({ kind: 'connect', username: 'mallory' }, 'alice')).toEqual({
      kind: 'refuse',
      message: NAME_MISMATCH_MESSAGE,
      closeCode: CLOSE_POLICY_VIOLATION,
    });
  });

  it('asks for a connect first when the first frame is anything else', () => {
    expect(handshake({ kind: 'chat', content: 'hi', to: undefined }, undefined)).toEqual({
      kind: 'connect_first',
      message: FIRST_MESSAGE_MUST_BE_CONNECT,
    });
    expect(handshake({ kind: 'unknown', type: 'ping' }, 'alice').kind).toBe('connect_first');
  });
});

describe('joinRefusal', () => {
  it('words a taken name as group_terminal expects and closes with policy violation', () => {
    expect(joinRefusal(new ChatError('name_taken'))).toEqual({
      message: NAME_TAKEN_MESSAGE,
      closeCode: CLOSE_POLICY_VIOLATION,
      bug: false,
    });
  });

  it('passes name rule messages through, and maps closed and unavailable to retryable closes', () => {
    expect(joinRefusal(new ChatError('name_reserved', 'reserved!'))).toEqual({
      message: 'reserved!',
      closeCode: CLOSE_POLICY_VIOLATION,
      bug: false,
    });
    expect(joinRefusal(new ChatError('closed')).closeCode).toBe(CLOSE_GOING_AWAY);
    expect(joinRefusal(new ChatError('unavailable')).closeCode).toBe(CLOSE_TRY_AGAIN_LATER);
  });

  it('treats any other code from a join as a bug', () => {
    expect(joinRefusal(new ChatError('internal'))).toMatchObject({
      closeCode: CLOSE_INTERNAL_ERROR,
      bug: true,
    });
  });
});
