import { describe, expect, it, vi } from 'vitest';
import { ChatError, type Logger, type MessageEvent, Room } from '../src/index.js';
import { RecordingEngine, ScrambledEngine, settle } from './engines.js';
import { joinAs, RecordingSession, TextDialect } from './helpers.js';

function capturingLogger() {
  const entries: Array<{ level: string; obj: object; msg?: string }> = [];
  const make = (): Logger => ({
    debug: (obj, msg) => entries.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => entries.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => entries.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => entries.push({ level: 'error', obj, msg }),
    child: () => make(),
  });
  return { logger: make(), entries };
}

describe('Room > /me', () => {
  it('publishes an action as a public message marked action, kept in history and handled', async () => {
    const room = new Room();
    const handled: MessageEvent[] = [];
    room.addHandler((_content, _username, event) => {
      handled.push(event);
    });
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    const reply = await a.member.input('/me waves');
    expect(reply.kind).toBe('sent');
    const [event] = room.history(1);
    expect(event).toMatchObject({
      kind: 'message',
      sender: 'alice',
      content: 'waves',
      action: true,
    });
    expect(b.session.frames.at(-1)).toBe('alice: waves');
    await a.member.input('plain');
    expect(room.history(1)[0]).not.toHaveProperty('action');
    await room.handlersIdle();
    expect(handled.map((e) => e.action === true)).toEqual([true, false]);
    await expect(a.member.input('/me')).rejects.toMatchObject({ code: 'bad_request' });
  });
});

describe('Room > join', () => {
  it('announces a join to everyone, the joiner included', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    expect(a.session.frames).toEqual(['+alice', '+bob']);
    expect(b.session.frames).toEqual(['+bob']);
    expect(room.users()).toEqual(['alice', 'bob']);
  });

  it('refuses a name taken case-insensitively or in another normal form with name_taken', async () => {
    const room = new Room();
    await joinAs(room, 'Zoë');
    for (const name of ['zoë', 'ZOË', 'zoe\u0308']) {
      await expect(room.join(new RecordingSession(), { name })).rejects.toMatchObject({
        code: 'name_taken',
      });
    }
    expect(room.users()).toEqual(['Zoë']);
  });

  it('auto-assigns user1, user2 skipping names in use', async () => {
    const room = new Room();
    await joinAs(room, 'user1');
    const first = await joinAs(room);
    const second = await joinAs(room);
    expect([first.member.name, second.member.name]).toEqual(['user2', 'user3']);
  });

  it('rejects invalid and reserved names with ChatError codes', async () => {
    const room = new Room();
    const reserved = await room.join(new RecordingSession(), { name: 'all' }).catch((e) => e);
    expect(reserved).toBeInstanceOf(ChatError);
    expect(reserved.code).toBe('name_reserved');
    await expect(room.join(new RecordingSession(), { name: 'a b' })).rejects.toMatchObject({
      code: 'name_invalid',
    });
    expect(room.size).toBe(0);
  });

  it('frees a name once its holder leaves', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    await a.member.leave('quit');
    const again = await joinAs(room, 'ALICE');
    expect(again.member.name).toBe('ALICE');
  });

  it('refuses joins after close', async () => {
    const room = new Room();
    await room.close();
    await expect(room.join(new RecordingSession())).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('Room > messages', () => {
  it('delivers a public message to everyone including the sender, in seq order', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    await a.member.input('hello');
    await b.member.input('@all hi');
    expect(a.session.frames.slice(-2)).toEqual(['alice: hello', 'bob: hi']);
    expect(b.session.frames.slice(-2)).toEqual(['alice: hello', 'bob: hi']);
    const seqs = a.session.seqs();
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  });

  it('delivers a private message to sender and recipient only', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    const c = await joinAs(room, 'carol');
    await a.member.input('@BOB psst');
    await a.member.input('/msg carol hey');
    expect(b.session.frames.at(-1)).toBe('alice -> bob: psst');
    expect(c.session.frames).not.toContain('alice -> bob: psst');
    expect(c.session.frames.at(-1)).toBe('alice -> carol: hey');
    expect(a.session.frames.slice(-2)).toEqual(['alice -> bob: psst', 'alice -> carol: hey']);
    expect(room.history().map((e) => e.content)).toEqual([]);
  });

  it('refuses a private message to nobody with no_such_member and keeps the room working', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    await expect(a.member.input('@nobody hi')).rejects.toMatchObject({ code: 'no_such_member' });
    // With no text too: every transport then has a reply to show (not silence).
    await expect(a.member.input('@nobody')).rejects.toMatchObject({ code: 'no_such_member' });
    expect(await a.member.input('@bob')).toEqual({ kind: 'ignored' });
    await expect(a.member.whisper('ghost', 'hi')).rejects.toMatchObject({
      code: 'no_such_member',
    });
    await a.member.input('still here');
    expect(b.session.frames.at(-1)).toBe('alice: still here');
  });

  it('refuses too long text without cutting it and delivers nothing', async () => {
    const room = new Room({ limits: { maxTextChars: 10 } });
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    await expect(a.member.input('x'.repeat(11))).rejects.toMatchObject({ code: 'too_long' });
    await expect(a.member.say('y'.repeat(11))).rejects.toMatchObject({ code: 'too_long' });
    await a.member.input('x'.repeat(10));
    expect(b.session.frames.at(-1)).toBe(`alice: ${'x'.repeat(10)}`);
    expect(room.stats.drops.too_long).toBe(2);
  });

  it('strips escapes from text and ignores empty messages', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    expect(await a.member.input('   ')).toEqual({ kind: 'ignored' });
    expect(await a.member.say('\x1b[2J')).toEqual({ kind: 'ignored' });
    await a.member.input('\x1b[31mred\x1b[0m \x07bell');
    expect(b.session.frames.at(-1)).toBe('alice: red bell');
  });

  it('answers /users, @people, /help and /history', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    await joinAs(room, 'bob');
    await a.member.input('one');
    await a.member.input('two');
    expect(await a.member.input('/users')).toEqual({ kind: 'users', names: ['alice', 'bob'] });
    expect(await a.member.input('@people')).toEqual({ kind: 'people', names: ['bob'] });
    const help = await a.member.input('/help');
    expect(help.kind === 'help' && help.commands.map((c) => c.usage)).toContain('/nick NAME');
    const history = await a.member.input('/history 1');
    expect(history.kind === 'history' && history.events.map((e) => e.content)).toEqual(['two']);
  });

  it('refuses unknown commands and bad usage with clear messages', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    await expect(a.member.input('/dance')).rejects.toMatchObject({
      code: 'unknown_command',
      message: 'Unknown command: /dance',
    });
    await expect(a.member.input('/msg bob')).rejects.toMatchObject({
      code: 'bad_request',
      message: 'Usage: /msg NAME text',
    });
  });

  it('requires @ for plain text under the require_at policy', async () => {
    const room = new Room();
    const a = await room.join(new RecordingSession(), { name: 'alice', plainText: 'require_at' });
    await expect(a.input('hello')).rejects.toMatchObject({ code: 'target_required' });
    expect(await a.input('@all hello')).toMatchObject({ kind: 'sent' });
  });

  it('refuses input from a member that has left with not_joined', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    await a.member.leave();
    await expect(a.member.input('hi')).rejects.toMatchObject({ code: 'not_joined' });
    await expect(a.member.rename('alicia')).rejects.toMatchObject({ code: 'not_joined' });
  });
});

describe('Room > rename', () => {
  it('announces a rename and moves the name claim', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    expect(await a.member.input('/nick Alicia')).toEqual({
      kind: 'renamed',
      from: 'alice',
      to: 'Alicia',
    });
    expect(b.session.frames.at(-1)).toBe('alice=>Alicia');
    expect(a.member.name).toBe('Alicia');
    expect(room.users()).toEqual(['Alicia', 'bob']);
    await a.member.input('hi');
    expect(b.session.frames.at(-1)).toBe('Alicia: hi');
    const newcomer = await joinAs(room, 'alice');
    expect(newcomer.member.name).toBe('alice');
  });

  it('allows a change of case of your own name', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    await a.member.rename('ALICE');
    expect(room.users()).toEqual(['ALICE']);
    await expect(room.join(new RecordingSession(), { name: 'alice' })).rejects.toMatchObject({
      code: 'name_taken',
    });
  });

  it('refuses taken, reserved and invalid names and changes nothing', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    await expect(a.member.input('/nick BOB')).rejects.toMatchObject({ code: 'name_taken' });
    await expect(a.member.input('/nick everyone')).rejects.toMatchObject({
      code: 'name_reserved',
    });
    await expect(a.member.input('/nick no way')).rejects.toMatchObject({ code: 'name_invalid' });
    expect(room.users()).toEqual(['alice', 'bob']);
    await a.member.input('hi');
    expect(b.session.frames.at(-1)).toBe('alice: hi');
  });

  it('refuses another normal form or case of a taken name with name_taken', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    await joinAs(room, 'Zoë');
    for (const name of ['zoe\u0308', 'ZOË', 'ZOE\u0308']) {
      await expect(a.member.input(`/nick ${name}`)).rejects.toMatchObject({ code: 'name_taken' });
    }
    expect(room.users()).toEqual(['alice', 'Zoë']);
  });

  it('is a no-op for the same name', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const before = a.session.frames.length;
    await a.member.rename('alice');
    expect(a.session.frames.length).toBe(before);
  });
});

describe('Room > leave', () => {
  it('announces a leave exactly once however often it is requested', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    await Promise.all([a.member.leave('closed'), a.member.leave('error'), a.member.leave()]);
    await a.member.disconnect('timeout');
    expect(b.session.frames.filter((f) => f === '-alice')).toHaveLength(1);
    const leave = b.session.events.find((e) => e.kind === 'leave');
    expect(leave).toMatchObject({ name: 'alice', reason: 'closed' });
    expect(room.users()).toEqual(['bob']);
  });

  it('does not deliver anything to a member after it leaves', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    await a.member.leave();
    const count = a.session.frames.length;
    await b.member.input('anyone?');
    expect(a.session.frames.length).toBe(count);
  });

  it('/quit leaves and replies quit', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    expect(await a.member.input('/quit')).toEqual({ kind: 'quit' });
    expect(b.session.events.at(-1)).toMatchObject({ kind: 'leave', reason: 'quit' });
  });

  it('close disconnects every member with the reason, announcing each leave', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    await room.close('shutdown');
    expect(a.session.closedWith).toEqual(['shutdown']);
    expect(b.session.closedWith).toEqual(['shutdown']);
    expect(room.size).toBe(0);
  });
});

describe('Room > history', () => {
  it('keeps the last historySize public messages, agent posts included', async () => {
    const room = new Room({ limits: { historySize: 3 } });
    const a = await joinAs(room, 'alice');
    for (const text of ['1', '2', '3', '4']) await a.member.input(text);
    await room.post('bot says', { sender: 'bot' });
    expect(room.history().map((e) => e.content)).toEqual(['3', '4', 'bot says']);
    expect(room.history(2).map((e) => e.content)).toEqual(['4', 'bot says']);
  });

  it('keeps nothing with historySize 0', async () => {
    const room = new Room({ limits: { historySize: 0 } });
    const a = await joinAs(room, 'alice');
    await a.member.input('x');
    expect(room.history()).toEqual([]);
  });
});

describe('Room > /history', () => {
  it('returns at most 100 public messages even from a larger ring, never private ones', async () => {
    const room = new Room({ limits: { historySize: 150, rateBurst: 1e9, ratePerSecond: 1e9 } });
    const a = await joinAs(room, 'alice');
    await joinAs(room, 'bob');
    for (let i = 0; i < 130; i++) await a.member.input(`m${i}`);
    await a.member.input('@bob secret');
    const all = await a.member.input('/history 500');
    expect(all.kind === 'history' && all.events.length).toBe(100);
    expect(all.kind === 'history' && all.events.at(-1)?.content).toBe('m129');
    const some = await a.member.input('/history');
    expect(some.kind === 'history' && some.events.map((e) => e.content)).toEqual(
      Array.from({ length: 20 }, (_, i) => `m${110 + i}`),
    );
    expect(room.history().length).toBe(130);
  });
});

describe('Room > encoding', () => {
  it('encodes each event once per dialect, not once per recipient', async () => {
    const room = new Room();
    const one = new TextDialect('one');
    const two = new TextDialect('two');
    const members = [];
    for (let i = 0; i < 5; i++) {
      members.push(await joinAs(room, `a${i}`, new RecordingSession(one)));
      members.push(await joinAs(room, `b${i}`, new RecordingSession(two)));
    }
    const before = [one.encodes, two.encodes];
    await members[0]!.member.input('broadcast');
    expect([one.encodes - before[0]!, two.encodes - before[1]!]).toEqual([1, 1]);
    expect(members.every((m) => m.session.frames.at(-1) === 'a0: broadcast')).toBe(true);
  });
});

describe('Room > limits', () => {
  it('rate-limits a member after its burst and refills over time', async () => {
    let now = 0;
    const room = new Room({
      now: () => now,
      limits: { rateBurst: 3, ratePerSecond: 1, floodDisconnectAfter: 100 },
    });
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    for (let i = 0; i < 3; i++) await a.member.input(`m${i}`);
    await expect(a.member.input('m3')).rejects.toMatchObject({ code: 'rate_limited' });
    await b.member.input('bob is fine');
    expect(a.session.frames.at(-1)).toBe('bob: bob is fine');
    now += 1000;
    expect(await a.member.input('m4')).toMatchObject({ kind: 'sent', seq: 7 });
    expect(room.stats.drops.rate_limited).toBe(1);
  });

  it('disconnects a member that keeps flooding, once', async () => {
    const room = new Room({
      now: () => 0,
      limits: { rateBurst: 1, ratePerSecond: 1, floodDisconnectAfter: 3 },
    });
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    await a.member.input('ok');
    const refusals = [];
    for (let i = 0; i < 5; i++) refusals.push(await a.member.input('spam').catch((e) => e.code));
    expect(refusals).toEqual(Array(5).fill('rate_limited'));
    expect(a.session.closedWith).toEqual([]);
    await a.member.left;
    // One disconnect however many refusals follow the threshold (no timer per refusal).
    await settle();
    expect(a.session.closedWith).toEqual(['flooding']);
    expect(b.session.events.filter((e) => e.kind === 'leave')).toHaveLength(1);
    expect(room.users()).toEqual(['bob']);
    // Counted for chatgate_drops_total, once.
    expect(room.stats.drops.flooding).toBe(1);
  });

  it('rate-limits rename() itself, not only /nick: a rename reaches everyone', async () => {
    const room = new Room({ now: () => 0, limits: { rateBurst: 2, ratePerSecond: 1 } });
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    await a.member.rename('alice1');
    await a.member.input('/nick alice2');
    await expect(a.member.rename('alice3')).rejects.toMatchObject({ code: 'rate_limited' });
    await b.member.input('bob is fine');
    expect(a.session.frames.at(-1)).toBe('bob: bob is fine');
    expect(room.users()).toEqual(['alice2', 'bob']);
  });

  it('disconnects a slow consumer as too_slow without holding back the others', async () => {
    const room = new Room({ limits: { maxBufferedBytes: 100 } });
    const a = await joinAs(room, 'alice');
    const slow = await joinAs(room, 'slow');
    const c = await joinAs(room, 'carol');
    slow.session.bufferedBytes = 101;
    await a.member.input('hello');
    expect(c.session.frames).toContain('alice: hello');
    expect(c.session.frames).toContain('-slow');
    expect(slow.session.closedWith).toEqual(['too_slow']);
    expect(slow.session.frames).not.toContain('alice: hello');
    expect(room.stats.drops.too_slow).toBe(1);
  });

  it('keeps seq order for others when a disconnect happens mid fan-out', async () => {
    const room = new Room({ limits: { maxBufferedBytes: 100 } });
    const a = await joinAs(room, 'alice');
    const slow = await joinAs(room, 'slow');
    const c = await joinAs(room, 'carol');
    slow.session.bufferedBytes = 101;
    await a.member.input('hello');
    const seqs = c.session.seqs();
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('disconnects a member whose session throws, and the others carry on', async () => {
    const { logger, entries } = capturingLogger();
    const room = new Room({ logger });
    const a = await joinAs(room, 'alice');
    const broken = await joinAs(room, 'broken');
    const c = await joinAs(room, 'carol');
    broken.session.throwOnDeliver = true;
    await a.member.input('hello');
    await a.member.input('again');
    expect(c.session.frames).toContain('alice: again');
    expect(broken.session.closedWith).toEqual(['error']);
    expect(room.users()).toEqual(['alice', 'carol']);
    expect(entries.some((e) => e.level === 'error' && e.msg === 'session delivery failed')).toBe(
      true,
    );
  });
});

describe('Room > handlers', () => {
  it('runs handlers serially in registration order, message after message', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const calls: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    room.addHandler(async (content) => {
      calls.push(`first:${content}:start`);
      if (content === 'one') await gate;
      calls.push(`first:${content}:end`);
    });
    room.addHandler((content, username, event) => {
      calls.push(`second:${content}:${username}:${event.seq}`);
    });
    await a.member.input('one');
    await a.member.input('two');
    expect(room.handlerBacklog).toBe(2);
    expect(calls).toEqual(['first:one:start']);
    release();
    await room.handlersIdle();
    expect(calls).toEqual([
      'first:one:start',
      'first:one:end',
      `second:one:alice:2`,
      'first:two:start',
      'first:two:end',
      `second:two:alice:3`,
    ]);
    expect(room.handlerBacklog).toBe(0);
  });

  it('does not make delivery wait for handlers', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    room.addHandler(() => new Promise<void>(() => {}));
    await a.member.input('one');
    await a.member.input('two');
    expect(b.session.frames.slice(-2)).toEqual(['alice: one', 'alice: two']);
    expect(room.handlerBacklog).toBe(2);
  });

  it('logs a throwing or rejecting handler with the seq and carries on', async () => {
    const { logger, entries } = capturingLogger();
    const room = new Room({ logger });
    const a = await joinAs(room, 'alice');
    const seen: string[] = [];
    room.addHandler(() => {
      throw new Error('sync boom');
    });
    room.addHandler(async () => {
      throw new Error('async boom');
    });
    room.addHandler((content) => {
      seen.push(content);
    });
    await a.member.input('one');
    await a.member.input('two');
    await room.handlersIdle();
    expect(seen).toEqual(['one', 'two']);
    const errors = entries.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(4);
    expect(errors[0]!.obj).toMatchObject({ seq: 2 });
  });

  it('does not dispatch agent posts or private messages to handlers', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    await joinAs(room, 'bob');
    const handler = vi.fn();
    room.addHandler(handler);
    await room.post('from the bot', { sender: 'bot' });
    await a.member.input('@bob secret');
    await room.post('not an agent', { sender: 'app', agent: false });
    await room.handlersIdle();
    expect(handler.mock.calls.map((c) => c[0])).toEqual(['not an agent']);
  });

  it('a bot can answer from a handler with an agent post without looping', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    room.addHandler(async (content, username) => {
      await room.post(`${username} said ${content}`, { sender: 'echo' });
    });
    await a.member.input('hi');
    await room.handlersIdle();
    const last = a.session.events.at(-1) as MessageEvent;
    expect(last).toMatchObject({ sender: 'echo', content: 'alice said hi', agent: true });
    expect(room.handlerBacklog).toBe(0);
  });

  it('unsubscribes a handler', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const handler = vi.fn();
    const remove = room.addHandler(handler);
    remove();
    await a.member.input('hi');
    await room.handlersIdle();
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('Room > post', () => {
  it('speaks as system by default and refuses too long text', async () => {
    const room = new Room({ limits: { maxTextChars: 5 } });
    const a = await joinAs(room, 'alice');
    await room.post('hello');
    expect(a.session.events.at(-1)).toMatchObject({ sender: 'system', agent: true });
    await expect(room.post('too long')).rejects.toMatchObject({ code: 'too_long' });
    await room.post('   ');
    expect(a.session.frames.at(-1)).toBe('system: hello');
  });

  it('refuses posts after close', async () => {
    const room = new Room();
    await room.close();
    await expect(room.post('x')).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('Room > engine seam', () => {
  it('applies only what the engine delivers back, including its own events', async () => {
    const engine = new RecordingEngine();
    const room = new Room({ engine });
    const a = await joinAs(room, 'alice');
    await a.member.input('hi');
    expect(engine.log.map((e) => e.kind)).toEqual(['join', 'message']);
    expect(a.session.seqs()).toEqual(engine.log.map((e) => e.seq));
  });

  it('works on an asynchronous engine that reorders publishers', async () => {
    const room = new Room({ engine: new ScrambledEngine() });
    const [a, b] = await Promise.all([joinAs(room, 'alice'), joinAs(room, 'bob')]);
    await Promise.all([a.member.input('from alice'), b.member.input('from bob')]);
    await settle();
    const aSeen = a.session.events.map((e) => e.seq);
    expect(aSeen).toEqual([...aSeen].sort((x, y) => x - y));
    expect(a.session.frames).toContain('bob: from bob');
    expect(b.session.frames).toContain('alice: from alice');
    await a.member.leave();
    await settle();
    expect(room.users()).toEqual(['bob']);
  });

  it('two rooms on one engine with the same name are one room (two nodes)', async () => {
    const engine = new RecordingEngine();
    const node1 = new Room({ engine, name: 'lobby' });
    const node2 = new Room({ engine, name: 'lobby' });
    const a = await joinAs(node1, 'alice');
    const b = await joinAs(node2, 'bob');
    await expect(node2.join(new RecordingSession(), { name: 'ALICE' })).rejects.toMatchObject({
      code: 'name_taken',
    });
    await a.member.input('hello node2');
    expect(b.session.frames.at(-1)).toBe('alice: hello node2');
    expect(node1.users()).toEqual(['alice', 'bob']);
    await b.member.input('@alice hi from node2');
    expect(a.session.frames.at(-1)).toBe('bob -> alice: hi from node2');
  });

  it('a failed publish rejects the join and frees the name', async () => {
    const engine = new ScrambledEngine();
    const room = new Room({ engine });
    engine.failNextPublishes = 1;
    await expect(room.join(new RecordingSession(), { name: 'alice' })).rejects.toMatchObject({
      code: 'internal',
    });
    const retry = await joinAs(room, 'alice');
    expect(retry.member.name).toBe('alice');
  });
});

describe('Room > close ordering', () => {
  it('does not deliver the others\u2019 leaves to members being closed', async () => {
    const room = new Room();
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    const c = await joinAs(room, 'carol');
    const before = [a, b, c].map((m) => m.session.frames.length);
    await room.close('shutdown');
    expect([a, b, c].map((m) => m.session.frames.length)).toEqual(before);
    expect([a, b, c].map((m) => m.session.closedWith)).toEqual([
      ['shutdown'],
      ['shutdown'],
      ['shutdown'],
    ]);
  });
});

describe('Member > log', () => {
  it('rebinds the logger to the new name after a rename', async () => {
    const bindings: Array<Record<string, unknown>> = [];
    const make = (): Logger => ({
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: () => {},
      child: (b) => {
        bindings.push(b);
        return make();
      },
    });
    const room = new Room({ logger: make() });
    const a = await joinAs(room, 'alice');
    await a.member.rename('alicia');
    expect(bindings.filter((b) => 'name' in b).map((b) => b.name)).toEqual(['alice', 'alicia']);
  });
});

describe('Room > private encoding', () => {
  it('encodes a private message once when both ends share a dialect', async () => {
    const room = new Room();
    const dialect = new TextDialect('shared');
    const a = await joinAs(room, 'alice', new RecordingSession(dialect));
    await joinAs(room, 'bob', new RecordingSession(dialect));
    const before = dialect.encodes;
    await a.member.whisper('bob', 'psst');
    expect(dialect.encodes - before).toBe(1);
  });
});

describe('Room > flooding at twice the rate', () => {
  it('disconnects a member that keeps sending at twice the refill rate', async () => {
    let now = 0;
    const room = new Room({
      now: () => now,
      limits: { rateBurst: 5, ratePerSecond: 10, floodDisconnectAfter: 20 },
    });
    const a = await joinAs(room, 'alice');
    const b = await joinAs(room, 'bob');
    let refused = 0;
    // 20 messages a second (every 50 ms) against a refill of 10 a second.
    for (let i = 0; i < 200 && a.member.state === 'joined'; i++) {
      now += 50;
      await a.member.say(`m${i}`).catch(() => refused++);
    }
    await a.member.left;
    expect(a.session.closedWith).toEqual(['flooding']);
    expect(refused).toBeGreaterThanOrEqual(20);
    expect(b.session.events.filter((e) => e.kind === 'leave')).toHaveLength(1);
  });

  it('forgives refusals once the member has been calm long enough to refill', async () => {
    let now = 0;
    const room = new Room({
      now: () => now,
      limits: { rateBurst: 3, ratePerSecond: 1, floodDisconnectAfter: 3 },
    });
    const a = await joinAs(room, 'alice');
    for (let round = 0; round < 5; round++) {
      // A burst: 3 accepted, 2 refused; then quiet until the bucket is full again.
      for (let i = 0; i < 5; i++) await a.member.say(`r${round}m${i}`).catch(() => {});
      now += 3000;
    }
    expect(a.member.state).toBe('joined');
    expect(a.session.closedWith).toEqual([]);
  });
});

describe('Room > /users in a large room', () => {
  it('lists a room that fits one page whole, and a larger one a page at a time', async () => {
    const room = new Room({ limits: { usersPageSize: 2 } });
    const a = await joinAs(room, 'alice');
    await joinAs(room, 'bob');
    expect(await a.member.input('/users')).toEqual({ kind: 'users', names: ['alice', 'bob'] });
    await expect(a.member.input('/users 2')).rejects.toMatchObject({
      code: 'bad_request',
      message: 'Usage: /users [PAGE] (1-1)',
    });
    for (const name of ['carol', 'dave', 'erin']) await joinAs(room, name);
    expect(await a.member.input('/users')).toEqual({
      kind: 'users',
      names: ['alice', 'bob'],
      page: { number: 1, pages: 3, total: 5 },
    });
    expect(await a.member.input('/users 3')).toEqual({
      kind: 'users',
      names: ['erin'],
      page: { number: 3, pages: 3, total: 5 },
    });
    await expect(a.member.input('/users 4')).rejects.toMatchObject({ code: 'bad_request' });
  });
});

describe('Room > look-alike names', () => {
  it('refuses joining as a look-alike of a member present, and allows it once they leave', async () => {
    const room = new Room();
    const alice = await joinAs(room, 'alice');
    const bob = await joinAs(room, 'bob');
    for (const name of ['aIice', 'a1ice']) {
      await expect(room.join(new RecordingSession(), { name })).rejects.toMatchObject({
        code: 'name_taken',
        message: expect.stringContaining("looks too much like 'alice'"),
      });
    }
    await alice.member.input('alice still talks');
    expect(bob.session.frames.at(-1)).toBe('alice: alice still talks');
    await alice.member.leave();
    const imposter = await joinAs(room, 'aIice');
    expect(imposter.member.name).toBe('aIice');
  });

  it('refuses renaming to a look-alike, and lets a member change case or marks of its own', async () => {
    const room = new Room();
    await joinAs(room, 'paypal');
    const mallory = await joinAs(room, 'mallory');
    await expect(mallory.member.rename('paypa1')).rejects.toMatchObject({ code: 'name_taken' });
    await expect(mallory.member.input('/nick PAYPAl')).rejects.toMatchObject({
      code: 'name_taken',
    });
    await mallory.member.rename('Mallory');
    expect(room.users()).toEqual(['paypal', 'Mallory']);
  });

  it('lets exactly one of racing joins with look-alike names in', async () => {
    const room = new Room();
    // Digit 1 for l, capital I for l: one skeleton, three folded names.
    const names = ['alice', 'a1ice', 'aIice'];
    const outcomes = await Promise.allSettled(
      names.map((name) => room.join(new RecordingSession(), { name })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) {
      if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'name_taken' });
    }
    expect(room.size).toBe(1);
    // The losers' claims were given back: once the winner leaves, a look-alike may join.
    const winner = outcomes.find((o) => o.status === 'fulfilled')!;
    await (winner as PromiseFulfilledResult<Awaited<ReturnType<Room['join']>>>).value.leave();
    expect((await joinAs(room, 'a1ice')).member.name).toBe('a1ice');
  });

  it('lets exactly one of racing renames to look-alike names through', async () => {
    const room = new Room();
    const members = await Promise.all(['m1', 'm2', 'm3'].map((n) => joinAs(room, n)));
    const targets = ['paypal', 'paypa1', 'PAYPAI'];
    const outcomes = await Promise.allSettled(members.map((m, i) => m.member.rename(targets[i]!)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(room.users().filter((n) => n.toLowerCase().startsWith('payp'))).toHaveLength(1);
    // A member may still change the case of its own name.
    const winner = members[outcomes.findIndex((o) => o.status === 'fulfilled')]!;
    await winner.member.rename(winner.member.name.toUpperCase());
  });

  it('skips auto names that look like a member present', async () => {
    const room = new Room();
    await joinAs(room, 'userl');
    const auto = await room.join(new RecordingSession());
    expect(auto.name).toBe('user2');
  });
});
