import { describe, expect, it } from 'vitest';
import {
  findPayload,
  makePayload,
  PAYLOAD_CHARS,
  type ParsedPayload,
  parsePayload,
} from '../src/payload.js';

const fresh = (): ParsedPayload => ({ phase: 's', sender: -1, id: -1, sentMicros: -1 });

describe('payload > makePayload / parsePayload', () => {
  it('round-trips phase, sender, id and send time', () => {
    const text = makePayload('m', 7, 12345, 987654321);
    const buf = Buffer.from(text);
    const out = fresh();
    const end = parsePayload(buf, findPayload(buf), out);
    expect(out).toEqual({ phase: 'm', sender: 7, id: 12345, sentMicros: 987654321 });
    expect(end).toBe(text.indexOf('987654321:') + '987654321:'.length);
  });

  it('pads to a fixed chat-line length with text that needs no escaping', () => {
    const text = makePayload('w', 0, 0, 1);
    expect(text).toHaveLength(PAYLOAD_CHARS);
    expect(JSON.stringify(text)).toBe(`"${text}"`);
    expect(text).toMatch(/^[#:a-z0-9]+$/);
  });

  it('is found inside a chatgate JSON frame and inside a line', () => {
    const text = makePayload('m', 3, 9, 42);
    for (const wrapped of [
      `{"type":"chat_message","content":"${text}","sender":"s3","agent":false,"seq":5,"ts":1}`,
      `[user4]: ${text}\n`,
    ]) {
      const buf = Buffer.from(wrapped);
      const out = fresh();
      expect(parsePayload(buf, findPayload(buf), out)).toBeGreaterThan(0);
      expect(out).toMatchObject({ sender: 3, id: 9, sentMicros: 42 });
    }
  });

  it('returns -2 when the buffer ends inside a header', () => {
    const text = makePayload('m', 1, 2, 3);
    const headerEnd = text.indexOf('3:') + 2;
    for (let cut = 3; cut < headerEnd; cut++) {
      expect(parsePayload(Buffer.from(text.slice(0, cut)), 0, fresh())).toBe(-2);
    }
  });

  it.each([
    ['#b:q1:2:3:', 'unknown phase'],
    ['#b:m1:x:3:', 'letter in a number'],
    ['#b:m:2:3:', 'empty field'],
    ['#b:m1:2:12345678901234567:', 'more than 16 digits'],
  ])('returns -1 for %j (%s) and leaves the output alone', (text) => {
    const out = fresh();
    expect(parsePayload(Buffer.from(text), 0, out)).toBe(-1);
    expect(out).toEqual(fresh());
  });
});
