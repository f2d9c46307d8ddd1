import { describe, expect, it } from 'vitest';
import { joinAs, recordingMember as member, startServer } from './helpers.js';

describe('RPC > rooms', () => {
  it('joinRoom returns a room stub: sendMessage, listUsers, getHistory, leave', async () => {
    const { url } = await startServer();
    const alice = await member(url, 'alice');
    const bob = await member(url, 'bob');
    using dev = await alice.client.joinRoom('#dev');
    expect(await dev.name).toBe('dev');
    expect(await (await dev.sendMessage('first')).status).toBe('sent');
    using bobDev = await bob.client.joinRoom('DEV');
    expect(await bobDev.listUsers()).toEqual(['alice', 'bob']);
    const history = await bobDev.getHistory();
    expect(history.map((m) => [m.text, m.room])).toEqual([['first', 'dev']]);
    await bobDev.sendMessage('hello dev');
    const atAlice = await alice.next((m) => m.text === 'hello dev', 'hello dev');
    expect(atAlice).toMatchObject({ username: 'bob', type: 'chat', room: 'dev' });
    const joinNotice = await alice.next(
      (m) => m.event === 'join' && m.room === 'dev',
      'bob joining dev',
    );
    expect(joinNotice.name).toBe('bob');
    // The default room's messages carry no room; the top level is unchanged.
    await alice.client.send('in main');
    const inMain = await bob.next((m) => m.text === 'in main', 'in main');
    expect(inMain).not.toHaveProperty('room');
    expect(await alice.client.users()).toEqual(['alice', 'bob']);

    expect(await dev.leave()).toEqual({ message: 'You left #dev.' });
    const parted = await bob.next(
      (m) => m.event === 'leave' && m.room === 'dev',
      'alice leaving dev',
    );
    expect(parted.name).toBe('alice');
    await expect(dev.sendMessage('gone')).rejects.toMatchObject({ code: 'not_joined' });
    // Still in main.
    await alice.client.send('still here');
    await bob.next((m) => m.text === 'still here', 'still here');
  });

  it('the seed-style API joins rooms by its own username only; bad rooms are refused', async () => {
    const { url } = await startServer();
    const alice = await joinAs(url, 'alice');
    const bob = await joinAs(url, 'bob');
    const room = await alice.api.joinRoom('alice', 'ops');
    await room.sendMessage('ops talk');
    await expect(bob.api.joinRoom('alice', 'ops')).rejects.toMatchObject({ code: 'not_joined' });
    await expect(alice.api.joinRoom('alice', 'no way')).rejects.toMatchObject({
      code: 'name_invalid',
    });
    await expect(alice.api.joinRoom('alice', 42 as never)).rejects.toMatchObject({
      code: 'bad_request',
    });
    await expect(alice.api.joinRoom('alice', 'main')).rejects.toMatchObject({
      code: 'bad_request',
    });
    const got = await alice.inbox.next('ops talk');
    expect(got.room).toBe('ops');
    expect(await room.listUsers()).toEqual(['alice']);
  });

  it('/join, /rooms and /who through input(); a dropped room stub parts the room', async () => {
    const { url, room } = await startServer();
    const alice = await member(url, 'alice');
    const bob = await member(url, 'bob');
    expect(await alice.client.input('/join dev')).toEqual({
      kind: 'room_joined',
      room: 'dev',
      size: 1,
      already: false,
    });
    expect(await alice.client.defaultRoom()).toBe('main');
    const rooms = await bob.client.input('/rooms');
    expect(rooms).toEqual({
      kind: 'rooms',
      rooms: [
        { name: 'main', size: 2, joined: true, current: true, default: true },
        { name: 'dev', size: 1, joined: false, current: false, default: false },
      ],
    });
    expect(await bob.client.input('/who dev')).toEqual({
      kind: 'who',
      room: 'dev',
      names: ['alice'],
      total: 1,
    });
    const stub = await bob.client.joinRoom('dev');
    expect(room.directory.get('dev')?.users()).toEqual(['alice', 'bob']);
    stub[Symbol.dispose]();
    const left = await alice.next((m) => m.event === 'leave' && m.room === 'dev', 'bob parting');
    expect(left.name).toBe('bob');
    expect(room.directory.get('dev')?.users()).toEqual(['alice']);
  });
});
