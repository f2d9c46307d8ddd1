import { describe, expect, it } from 'vitest';
import { type EventDraft, stampEvent } from '../src/events.js';

const drafts: Record<string, EventDraft> = {
  'public message': {
    kind: 'message',
    senderId: 'n:1',
    sender: 'alice',
    content: 'hi',
    agent: false,
  },
  'application post': {
    kind: 'message',
    senderId: null,
    sender: 'bot',
    content: 'up',
    agent: true,
  },
  action: {
    kind: 'message',
    senderId: 'n:1',
    sender: 'alice',
    content: 'waves',
    agent: false,
    action: true,
  },
  private: {
    kind: 'message',
    senderId: 'n:1',
    sender: 'alice',
    content: 'psst',
    agent: false,
    toId: 'n:2',
    to: 'bob',
  },
  join: { kind: 'join', memberId: 'n:1', name: 'alice' },
  leave: { kind: 'leave', memberId: 'n:1', name: 'alice', reason: 'quit' },
  rename: { kind: 'rename', memberId: 'n:1', from: 'alice', to: 'alicia' },
};

describe('stampEvent', () => {
  for (const [what, draft] of Object.entries(drafts)) {
    it(`keeps every field of a ${what} draft, in order, then seq and ts`, () => {
      const event = stampEvent(draft, 7, 1_700_000_000_000);
      const spread = { ...draft, seq: 7, ts: 1_700_000_000_000 };
      expect(event).toStrictEqual(spread);
      expect(Object.keys(event)).toEqual(Object.keys(spread));
      expect(JSON.stringify(event)).toBe(JSON.stringify(spread));
    });
  }

  it('returns a new object and leaves the draft as it was', () => {
    const draft = drafts.join!;
    const event = stampEvent(draft, 1, 2);
    expect(event).not.toBe(draft);
    expect(draft).toStrictEqual({ kind: 'join', memberId: 'n:1', name: 'alice' });
  });
});
