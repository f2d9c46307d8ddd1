import type { MessageEvent, RoomEvent } from '@chatgate/core';
import { COMMAND_HELP } from '@chatgate/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeClientMessage,
  encodeConnectResponse,
  encodeError,
  encodeEvent,
  encodeHistoryMessage,
  encodeLoginRefusal,
  encodePresenceCount,
  encodeReply,
  encodeWelcome,
} from '../src/index.js';

const message = (over: Partial<MessageEvent> = {}): MessageEvent => ({
  kind: 'message',
  seq: 7,
  ts: 1_700_000_000_000,
  senderId: 'n:1',
  sender: 'alice',
  content: 'hi',
  agent: false,
  ...over,
});

describe('decodeClientMessage', () => {
  it('decodes connect with and without a username', () => {
    expect(decodeClientMessage('{"type":"connect","username":"alice"}', false)).toEqual({
      kind: 'connect',
      username: 'alice',
    });
    expect(decodeClientMessage('{"type":"connect"}', false)).toEqual({
      kind: 'connect',
      username: undefined,
    });
    expect(decodeClientMessage('{"type":"connect","username":null}', false)).toEqual({
      kind: 'connect',
      username: undefined,
    });
  });

  it('decodes chat_message, public and private', () => {
    expect(
      decodeClientMessage(Buffer.from('{"type":"chat_message","content":"x"}'), false),
    ).toEqual({ kind: 'chat', content: 'x', to: undefined, ref: undefined });
    expect(decodeClientMessage('{"type":"chat_message","content":"x","to":"bob"}', false)).toEqual({
      kind: 'chat',
      content: 'x',
      to: 'bob',
      ref: undefined,
    });
  });

  it('keeps a chat_message ref (number or short string) to label its error', () => {
    expect(decodeClientMessage('{"type":"chat_message","content":"x","ref":7}', false)).toEqual({
      kind: 'chat',
      content: 'x',
      to: undefined,
      ref: 7,
    });
    const ref = 'r'.repeat(64);
    expect(
      decodeClientMessage(`{"type":"chat_message","content":"x","ref":"${ref}"}`, false),
    ).toMatchObject({ kind: 'chat', ref });
    expect(
      decodeClientMessage('{"type":"chat_message","content":"x","ref":null}', false),
    ).toMatchObject({ kind: 'chat', ref: undefined });
  });

  it('accepts fragmented (Buffer[]) and ArrayBuffer payloads', () => {
    const text = '{"type":"chat_message","content":"é"}';
    const bytes = Buffer.from(text);
    const parts = [bytes.subarray(0, 30), bytes.subarray(30)];
    expect(decodeClientMessage(parts, false)).toEqual({
      kind: 'chat',
      content: 'é',
      to: undefined,
      ref: undefined,
    });
    const arrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    expect(decodeClientMessage(arrayBuffer, false)).toMatchObject({ kind: 'chat', content: 'é' });
  });

  it.each([
    ['{', 'invalid_json'],
    ['', 'invalid_json'],
    ['[]', 'invalid_json'],
    ['"connect"', 'invalid_json'],
    ['true', 'invalid_json'],
    ['{}', 'invalid_message'],
    ['{"type":5}', 'invalid_message'],
    ['{"type":"connect","username":5}', 'invalid_message'],
    ['{"type":"chat_message"}', 'invalid_message'],
    ['{"type":"chat_message","content":["x"]}', 'invalid_message'],
    ['{"type":"chat_message","content":"x","to":{}}', 'invalid_message'],
    ['{"type":"chat_message","content":"x","ref":{}}', 'invalid_message'],
    ['{"type":"chat_message","content":"x","ref":true}', 'invalid_message'],
    [`{"type":"chat_message","content":"x","ref":"${'r'.repeat(65)}"}`, 'invalid_message'],
    ['{"type":"chat_message","content":"x","ref":1e999}', 'invalid_message'],
  ])('%s is invalid (%s)', (text, code) => {
    expect(decodeClientMessage(text, false)).toMatchObject({ kind: 'invalid', code });
  });

  it('reports unknown types for the caller to ignore', () => {
    expect(decodeClientMessage('{"type":"typing"}', false)).toEqual({
      kind: 'unknown',
      type: 'typing',
    });
  });

  it('refuses binary frames and checks size before parsing', () => {
    expect(decodeClientMessage(Buffer.from('{"type":"connect"}'), true)).toEqual({
      kind: 'binary',
    });
    const big = `{"type":"chat_message","content":"${'a'.repeat(100)}"}`;
    expect(decodeClientMessage(big, false, 100)).toEqual({
      kind: 'too_large',
      bytes: Buffer.byteLength(big),
    });
    // At the limit is fine; the limit counts bytes, not characters.
    const exact = Buffer.byteLength(big);
    expect(decodeClientMessage(big, false, exact).kind).toBe('chat');
    expect(decodeClientMessage('{"type":"chat_message","content":"ééé"}', false, 40).kind).toBe(
      'too_large',
    );
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, isBinary) => {
        const decoded = decodeClientMessage(Buffer.from(bytes), isBinary, 150);
        expect(['connect', 'chat', 'unknown', 'invalid', 'binary', 'too_large']).toContain(
          decoded.kind,
        );
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const decoded = decodeClientMessage(JSON.stringify(value) ?? 'null', false);
        expect(decoded.kind).not.toBe('binary');
      }),
    );
  });
});

describe('encodeEvent', () => {
  it('renders a public message with the group_terminal fields in order', () => {
    expect(encodeEvent(message())).toBe(
      '{"type":"chat_message","content":"hi","sender":"alice","agent":false,"seq":7,"ts":1700000000000}',
    );
  });

  it('adds "to" for a private message and marks replays as history', () => {
    expect(encodeEvent(message({ toId: 'n:2', to: 'bob' }))).toBe(
      '{"type":"chat_message","content":"hi","sender":"alice","agent":false,"seq":7,"ts":1700000000000,"to":"bob"}',
    );
    expect(encodeHistoryMessage(message())).toBe(
      '{"type":"chat_message","content":"hi","sender":"alice","agent":false,"seq":7,"ts":1700000000000,"history":true}',
    );
  });

  it('renders join, leave and rename', () => {
    const base = { seq: 3, ts: 5 };
    const events: Array<[RoomEvent, string]> = [
      [
        { kind: 'join', memberId: 'n:1', name: 'bob', ...base },
        '{"type":"join","name":"bob","seq":3,"ts":5}',
      ],
      [
        { kind: 'leave', memberId: 'n:1', name: 'bob', reason: 'too_slow', ...base },
        '{"type":"leave","name":"bob","reason":"too_slow","seq":3,"ts":5}',
      ],
      [
        { kind: 'rename', memberId: 'n:1', from: 'bob', to: 'rob', ...base },
        '{"type":"rename","from":"bob","to":"rob","seq":3,"ts":5}',
      ],
    ];
    for (const [event, json] of events) expect(encodeEvent(event)).toBe(json);
  });

  it('escapes content so it stays one JSON string (quotes, HTML, newlines)', () => {
    const content = '"}<script>alert(1)</script>\n\u2028';
    const decoded = JSON.parse(encodeEvent(message({ content }))) as { content: string };
    expect(decoded.content).toBe(content);
  });
});

describe('handshake and reply frames', () => {
  it('builds the exact group_terminal handshake strings', () => {
    expect(encodeConnectResponse(true, 'Connected successfully')).toBe(
      '{"type":"connect_response","success":true,"message":"Connected successfully"}',
    );
    expect(encodeLoginRefusal('User already connected')).toBe(
      '{"type":"login_response","success":false,"message":"User already connected"}',
    );
  });

  it('renders welcome, error and command replies', () => {
    expect(encodeWelcome('alice', ['bob', 'alice'], 2, 4)).toBe(
      '{"type":"welcome","name":"alice","users":["bob","alice"],"count":2,"seq":4}',
    );
    // A large room: the count only (`/users` lists the names).
    expect(encodeWelcome('alice', null, 5000, 4)).toBe(
      '{"type":"welcome","name":"alice","count":5000,"seq":4}',
    );
    expect(encodePresenceCount(5000, 40, 2, 77)).toBe(
      '{"type":"presence","count":5000,"joined":40,"left":2,"seq":77}',
    );
    expect(encodeError('rate_limited', 'slow down')).toBe(
      '{"type":"error","code":"rate_limited","message":"slow down"}',
    );
    expect(encodeError('too_long', 'shorter', 'm1')).toBe(
      '{"type":"error","code":"too_long","message":"shorter","ref":"m1"}',
    );
    expect(encodeReply({ kind: 'users', names: ['a', 'b'] })).toBe(
      '{"type":"users","users":["a","b"]}',
    );
    expect(encodeReply({ kind: 'people', names: [] })).toBe('{"type":"people","users":[]}');
    expect(JSON.parse(encodeReply({ kind: 'help', commands: COMMAND_HELP })!)).toEqual({
      type: 'help',
      commands: COMMAND_HELP,
    });
    expect(JSON.parse(encodeReply({ kind: 'history', events: [message()] })!)).toEqual({
      type: 'history',
      messages: [JSON.parse(encodeHistoryMessage(message()))],
    });
  });

  it('has no frame for replies the room already announces', () => {
    for (const kind of ['sent', 'ignored', 'quit'] as const)
      expect(encodeReply({ kind })).toBeNull();
    expect(encodeReply({ kind: 'renamed', from: 'a', to: 'b' })).toBeNull();
  });
});
