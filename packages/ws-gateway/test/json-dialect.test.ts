import type { PresenceEvent, RoomEvent } from '@chatgate/core';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { encodeEvent, JsonDialect, jsonDialect } from '../src/index.js';
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

  const run: PresenceEvent[] = [
    { kind: 'join', memberId: 'n:1', name: 'a', seq: 5, ts: 1 },
    { kind: 'join', memberId: 'n:2', name: 'b', seq: 6, ts: 1 },
    { kind: 'leave', memberId: 'n:1', name: 'a', reason: 'quit', seq: 7, ts: 1 },
  ];

  it('encodes a small room’s presence run as its join/leave frames back to back', () => {
    const encoded = new JsonDialect({ presenceListMax: 3 }).encodePresence(run, 3);
    expect(encoded.counted).toBe(false);
    expect(encoded.frames.map((f) => f.payload.toString())).toEqual(
      run.map((event) => encodeEvent(event)),
    );
    if (encoded.bytes !== null) {
      const framed = encoded.frames.map((f) => f.framed!);
      expect(encoded.bytes.equals(Buffer.concat(framed))).toBe(true);
      // The tail for a member that knows the first event starts at the second frame.
      expect(encoded.starts[1]).toBe(framed[0]!.length);
    }
  });

  it('encodes a large room’s presence run as one count frame', () => {
    const encoded = new JsonDialect({ presenceListMax: 3 }).encodePresence(run, 4);
    expect(encoded.counted).toBe(true);
    expect(encoded.frames.map((f) => JSON.parse(f.payload.toString()))).toEqual([
      { type: 'presence', count: 4, joined: 2, left: 1, seq: 7 },
    ]);
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
