import { describe, expect, it } from 'vitest';
import { BytesRun } from '../src/index.js';

describe('BytesRun', () => {
  const frames = ['* a joined the chat\n', '* b joined the chat\n', '* a left the chat\n'].map(
    (text) => Buffer.from(text),
  );

  it('holds every frame back to back and gives a member the tail after what it knows', () => {
    const run = BytesRun.of(frames);
    expect(run.from(0).toString()).toBe(Buffer.concat(frames).toString());
    expect(run.from(1).toString()).toBe('* b joined the chat\n* a left the chat\n');
    expect(run.from(2).toString()).toBe('* a left the chat\n');
    expect(run.from(3).length).toBe(0);
  });

  it('shares one buffer between members instead of copying', () => {
    const run = BytesRun.of(frames);
    expect(run.from(1).buffer).toBe(run.from(0).buffer);
  });
});
