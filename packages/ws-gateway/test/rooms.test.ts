import { describe, expect, it } from 'vitest';
import { joinAs, startGateway } from './helpers.js';

describe('WebSocket JSON > rooms', () => {
  it('join_room: history and members of the room first, then its frames carry room', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    alice.send({ type: 'join_room', room: '#dev', ref: 1 });
    expect(await alice.next('room_joined')).toEqual({
      type: 'room_joined',
      room: 'dev',
      users: ['alice'],
      count: 1,
      seq: 1,
    });
    alice.send({ type: 'chat_message', content: 'before bob' });
    expect(await alice.next('chat_message')).toMatchObject({ content: 'before bob', room: 'dev' });
    bob.send({ type: 'join_room', room: 'DEV' });
    // bob gets dev's history, marked, then who is there.
    expect(await bob.next('chat_message')).toMatchObject({
      content: 'before bob',
      room: 'dev',
      history: true,
    });
    expect(await bob.next('room_joined')).toMatchObject({ room: 'dev', users: ['alice', 'bob'] });
    const joinedDev = await alice.next((m) => m.type === 'join' && m.room === 'dev');
    expect(joinedDev).toMatchObject({ name: 'bob', seq: 3 });
    // Default-room frames are unchanged: no room field.
    gw.room.post('in main', { sender: 'bot' });
    const fromMain = await bob.next((m) => m.type === 'chat_message' && m.content === 'in main');
    expect(fromMain).not.toHaveProperty('room');
  });

  it('chat_message with room says it there and makes it current; part_room leaves', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    alice.send({ type: 'join_room', room: 'dev' });
    await alice.next('room_joined');
    bob.send({ type: 'join_room', room: 'dev' });
    await bob.next('room_joined');
    // alice's current room is dev; a room-tagged message goes to main all the same.
    alice.send({ type: 'chat_message', content: 'to main', room: 'main' });
    const atBob = await bob.next((m) => m.type === 'chat_message' && m.content === 'to main');
    expect(atBob).not.toHaveProperty('room');
    // And main stays current for plain input.
    alice.send({ type: 'chat_message', content: 'still main' });
    expect(
      await bob.next((m) => m.type === 'chat_message' && m.content === 'still main'),
    ).not.toHaveProperty('room');
    alice.send({ type: 'part_room', room: 'dev' });
    expect(await alice.next('room_parted')).toEqual({
      type: 'room_parted',
      room: 'dev',
      current: 'main',
    });
    expect(await bob.next((m) => m.type === 'leave' && m.name === 'alice')).toMatchObject({
      room: 'dev',
      reason: 'part',
    });
  });

  it('lists rooms and members; bad room requests get clear errors with their ref', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    bob.send({ type: 'join_room', room: 'ops' });
    await bob.next('room_joined');
    alice.say('/rooms');
    expect(await alice.next('rooms')).toEqual({
      type: 'rooms',
      rooms: [
        { name: 'main', size: 2, joined: true, current: true, default: true },
        { name: 'ops', size: 1, joined: false, current: false, default: false },
      ],
    });
    alice.say('/who ops');
    expect(await alice.next('who')).toEqual({
      type: 'who',
      room: 'ops',
      users: ['bob'],
      total: 1,
    });
    alice.send({ type: 'join_room', room: 'bad name', ref: 'r1' });
    expect(await alice.next('error')).toMatchObject({ code: 'name_invalid', ref: 'r1' });
    alice.send({ type: 'join_room' });
    expect(await alice.next('error')).toMatchObject({ code: 'invalid_message' });
    alice.send({ type: 'join_room', room: 42 });
    expect(await alice.next('error')).toMatchObject({ code: 'invalid_message' });
    alice.send({ type: 'part_room', room: 'ops', ref: 7 });
    expect(await alice.next('error')).toMatchObject({ code: 'no_such_room', ref: 7 });
    alice.send({ type: 'part_room' });
    expect(await alice.next('error')).toMatchObject({ code: 'bad_request' });
    alice.send({ type: 'chat_message', content: 'x', room: 'ops', ref: 9 });
    expect(await alice.next('error')).toMatchObject({ code: 'no_such_room', ref: 9 });
    alice.send({ type: 'chat_message', content: 'x', room: ['ops'] });
    expect(await alice.next('error')).toMatchObject({ code: 'invalid_message' });
    // None of it disturbed the room or the connection.
    alice.say('fine');
    expect(await bob.next((m) => m.type === 'chat_message' && m.content === 'fine')).toBeTruthy();
    expect(gw.room.users()).toEqual(['alice', 'bob']);
  });
});
