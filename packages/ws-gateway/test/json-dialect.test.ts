import type { RoomEvent } from '@chatgate/core';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { encodeEvent, jsonDialect } from '../src/index.js';
import { joinAs, startGateway } from './helpers.js';

describe('jsonDialect', () => {
  it('encodes an event to the JSON text, framed once', () => {
    const event: RoomEvent = { kind: 'join', memberId: 'n:1', name: 'bob', seq: 1, ts: 2 };
    const frame = jsonDialect.encode(event);
    expect(frame.payload.toString()).toBe(encodeEvent(event));
    if (frame.framed !== null) {
      // FIN + text opcode, unmasked 7-bit length, then the payload itself.
      expect(frame.framed[0]).toBe(0x81);
      expect(frame.framed[1]).toBe(frame.payload.length);
      expect(frame.framed.subarray(2).equals(frame.payload)).toBe(true);
    }
  });

  it('is encoded once per event, however many WebSocket members receive it', async () => {
    const gw = await startGateway();
    const clients = await Promise.all(['a', 'b', 'c', 'd'].map((name) => joinAs(gw, name)));
    const encode = vi.spyOn(jsonDialect, 'encode');
    onTestFinished(() => encode.mockRestore());
    clients[0]!.say('once');
    await Promise.all(clients.map((client) => client.next('chat_message')));
    const messageEncodes = encode.mock.calls.filter(([event]) => event.kind === 'message');
    expect(messageEncodes).toHaveLength(1);
  });

  it('encodes a private message once, for sender and target alike', async () => {
    const gw = await startGateway();
    const alice = await joinAs(gw, 'alice');
    const bob = await joinAs(gw, 'bob');
    await joinAs(gw, 'carol');
    const encode = vi.spyOn(jsonDialect, 'encode');
    onTestFinished(() => encode.mockRestore());
    alice.say('psst', 'bob');
    await bob.next('chat_message');
    await alice.next('chat_message');
    const messageEncodes = encode.mock.calls.filter(([event]) => event.kind === 'message');
    expect(messageEncodes).toHaveLength(1);
  });
});
