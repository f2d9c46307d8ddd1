import { describe, expect, it } from 'vitest';
import {
  renderEvent,
  renderHelp,
  renderPrompt,
  renderWelcome,
  stripControls,
} from '../src/render.js';
import { RoomTracker } from '../src/room-tracker.js';

const plain = { color: false };
const color = { color: true };

describe('rooms in the terminal', () => {
  it('labels events from other rooms and shows the current room in the prompt', () => {
    expect(
      renderEvent({ kind: 'message', from: 'bob', text: 'hi', self: false, room: 'dev' }, plain),
    ).toBe('[#dev] [bob]: hi');
    expect(renderEvent({ kind: 'notice', text: 'bob joined the chat', room: 'dev' }, plain)).toBe(
      '[#dev] * bob joined the chat',
    );
    expect(renderEvent({ kind: 'room', room: 'dev', text: 'now talking in #dev' }, plain)).toBe(
      '* now talking in #dev',
    );
    expect(renderPrompt('dev')).toBe('#dev> ');
    expect(renderPrompt('d\x1b[2Jev')).toBe('#dev> ');
    expect(renderPrompt(undefined)).toBe('> ');
  });

  it('labels only what is not from the current room; the default room by its name', () => {
    const rooms = new RoomTracker();
    rooms.setDefault('lobby');
    expect(rooms.label(undefined)).toBeUndefined();
    expect(rooms.label('dev')).toBe('dev');
    rooms.switchTo('dev');
    expect(rooms.label('dev')).toBeUndefined();
    expect(rooms.label(undefined)).toBe('lobby');
  });
});

describe('renderEvent', () => {
  it('renders each kind of event as one line', () => {
    expect(renderEvent({ kind: 'message', from: 'bob', text: 'hi', self: false }, plain)).toBe(
      '[bob]: hi',
    );
    expect(renderEvent({ kind: 'message', from: 'me', text: 'hi', self: true }, plain)).toBe(
      '[me]: hi',
    );
    expect(
      renderEvent({ kind: 'message', from: 'bob', to: 'me', text: 'psst', self: false }, plain),
    ).toBe('[bob -> you]: psst');
    expect(
      renderEvent({ kind: 'message', from: 'me', to: 'bob', text: 'psst', self: true }, plain),
    ).toBe('[you -> bob]: psst');
    expect(
      renderEvent(
        { kind: 'message', from: 'bob', text: 'waves', self: false, action: true },
        plain,
      ),
    ).toBe('* bob waves');
    expect(
      renderEvent({ kind: 'message', from: 'ops', text: 'up', self: false, agent: true }, plain),
    ).toBe('[ops (bot)]: up');
    expect(
      renderEvent({ kind: 'message', from: 'bob', text: 'old', self: false, history: true }, plain),
    ).toBe('[history] [bob]: old');
    expect(renderEvent({ kind: 'notice', text: 'bob joined the chat' }, plain)).toBe(
      '* bob joined the chat',
    );
    expect(renderEvent({ kind: 'users', names: ['a', 'b'] }, plain)).toBe('* online (2): a, b');
    expect(renderEvent({ kind: 'error', text: 'nope' }, plain)).toBe('* error: nope');
  });

  it('colours only when asked', () => {
    const line = renderEvent({ kind: 'error', text: 'nope' }, color);
    expect(line).toBe('\x1b[31m* error: nope\x1b[0m');
    expect(renderEvent({ kind: 'error', text: 'nope' }, plain)).not.toContain('\x1b');
  });

  it("never passes the server's escape sequences or control characters through", () => {
    const line = renderEvent(
      { kind: 'message', from: 'e\x1b[2Jvil', text: 'a\x1b]0;title\x07b\rc\x9bd', self: false },
      plain,
    );
    expect(line).toBe('[evil]: abcd');
    expect(stripControls('tab\tstays')).toBe('tab\tstays');
  });
});

describe('renderWelcome and renderHelp', () => {
  it('shows the welcome and who is online', () => {
    expect(renderWelcome({ name: 'alice', users: ['bob', 'alice'] }, plain)).toEqual([
      '* Welcome to the chat, alice!',
      '* online (2): bob, alice',
    ]);
  });

  it('lists the commands', () => {
    const help = renderHelp(plain).join('\n');
    for (const command of ['@NAME text', '/users', '/help', '/quit']) {
      expect(help).toContain(command);
    }
  });
});
