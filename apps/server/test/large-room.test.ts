import { describe, expect, it } from 'vitest';
import { startChatgate } from './helpers.js';
import { WsWatcher } from './ws-watcher.js';

describe('--presence-list-max and --users-page-size', () => {
  it('send counts instead of names above the list size, and page /users', async () => {
    const server = await startChatgate(['--presence-list-max=1', '--users-page-size=1']);
    const http = server.ports.http!;
    const alice = await WsWatcher.open(http, 'alice');
    expect(await alice.joined()).toBe(true);
    const bob = await WsWatcher.open(http, 'bob');
    expect(await bob.joined()).toBe(true);
    // Two members, over the list size of 1: bob's welcome carries the count alone.
    const welcome = await bob.frame((f) => f.type === 'welcome', 'welcome');
    expect(welcome.count).toBe(2);
    expect(welcome).not.toHaveProperty('users');

    bob.say('/users 2');
    const page = await bob.frame((f) => f.type === 'users', 'a users page');
    expect(page).toMatchObject({ users: ['bob'], page: 2, pages: 2, total: 2 });
  });

  it('refuse a page size below 1 with a clear error', async () => {
    await expect(startChatgate(['--users-page-size=0'])).rejects.toThrow(
      /--users-page-size must be at least 1/,
    );
  });
});
