import { describe, expect, it } from 'vitest';
import { HISTORY_DEFAULT, HISTORY_MAX, parseCommand } from '../src/index.js';

describe('commands > parseCommand', () => {
  it.each([
    ['hello', { kind: 'public', text: 'hello' }],
    ['  hello there  ', { kind: 'public', text: 'hello there' }],
    ['@all hi all', { kind: 'public', text: 'hi all' }],
    ['@ALL hi', { kind: 'public', text: 'hi' }],
    ['@bob hi bob', { kind: 'private', to: 'bob', text: 'hi bob' }],
    ['/msg bob hi  there', { kind: 'private', to: 'bob', text: 'hi  there' }],
    ['@people', { kind: 'people' }],
    ['/users', { kind: 'users', page: 1 }],
    ['/users 3', { kind: 'users', page: 3 }],
    ['/users x', { kind: 'usage', command: '/users', usage: '/users [PAGE]' }],
    ['/users 0', { kind: 'usage', command: '/users', usage: '/users [PAGE]' }],
    ['/me waves', { kind: 'action', text: 'waves' }],
    ['/ME  waves  back', { kind: 'action', text: 'waves  back' }],
    ['/USERS', { kind: 'users', page: 1 }],
    ['/nick carol', { kind: 'nick', name: 'carol' }],
    ['/history', { kind: 'history', count: HISTORY_DEFAULT }],
    ['/history 5', { kind: 'history', count: 5 }],
    ['/history 5000', { kind: 'history', count: HISTORY_MAX }],
    ['/history 100', { kind: 'history', count: 100 }],
    ['/history 101', { kind: 'history', count: HISTORY_MAX }],
    ['/history 99999999999999999999', { kind: 'history', count: HISTORY_MAX }],
    ['/help', { kind: 'help' }],
    ['/quit', { kind: 'quit' }],
    ['/dance now', { kind: 'unknown', command: '/dance' }],
    ['', { kind: 'empty' }],
    ['   ', { kind: 'empty' }],
    ['@bob', { kind: 'private', to: 'bob', text: '' }],
    ['@all', { kind: 'empty' }],
    ['@ hi', { kind: 'missing_target' }],
  ])('%j', (input, expected) => {
    expect(parseCommand(input)).toEqual(expected);
  });

  it.each([
    ['/msg', '/msg NAME text'],
    ['/msg bob', '/msg NAME text'],
    ['/nick', '/nick NAME'],
    ['/me', '/me ACTION'],
    ['/me   ', '/me ACTION'],
    ['/history zero', `/history [N] (1-${HISTORY_MAX})`],
    ['/history -1', `/history [N] (1-${HISTORY_MAX})`],
    ['/history 0', `/history [N] (1-${HISTORY_MAX})`],
    ['/history 2.5', `/history [N] (1-${HISTORY_MAX})`],
    ['/history 1e1', `/history [N] (1-${HISTORY_MAX})`],
    ['/history 0x10', `/history [N] (1-${HISTORY_MAX})`],
    ['/history 5 6', `/history [N] (1-${HISTORY_MAX})`],
  ])('%j is a usage error', (input, usage) => {
    expect(parseCommand(input)).toMatchObject({ kind: 'usage', usage });
  });

  it('treats plain text as missing a target under require_at', () => {
    expect(parseCommand('hello', 'require_at')).toEqual({ kind: 'missing_target' });
    expect(parseCommand('@all hello', 'require_at')).toEqual({ kind: 'public', text: 'hello' });
    expect(parseCommand('/users', 'require_at')).toEqual({ kind: 'users', page: 1 });
  });
});
