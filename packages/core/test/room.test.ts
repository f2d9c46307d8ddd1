import { describe, expect, it } from 'vitest';
import { ChatError, Room } from '../src/index.js';
import { joinAs, RecordingSession } from './helpers.js';

describe('Room > join', () => {
  it('announces a join to everyone, the joiner included', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    expect(a.session.frames).toEqual(['+alice', '+bob']);
    expect(b.session.frames).toEqual(['+bob']);
    expect(room.users()).toEqual(['alice', 'bob']);
  });

  it('refuses a name taken case-insensitively with name_taken', async () => {
    const room = new Room();
    await joinAs(room, 'Alice');
    await expect(room.join(new RecordingSession(), { name: 'aLICE' })).rejects.toMatchObject({
      code: 'name_taken',
    });
    expect(room.users()).toEqual(['Alice']);
  });

  it('auto-assigns user1, user2 skipping names in use', async () => {
    const room = new Room();
    await joinAs(room, 'user1');
    const first = await joinAs(room);
    const second = await joinAs(room);
    expect([first.member.name, second.member.name]).toEqual(['user2', 'user3']);
  });

  it('rejects with ChatError instances', async () => {
    const room = new Room();
    const err = await room.join(new RecordingSession(), { name: 'all' }).catch((e) => e);
    expect(err).toBeInstanceOf(ChatError);
    expect(err.code).toBe('name_reserved');
  });
});
