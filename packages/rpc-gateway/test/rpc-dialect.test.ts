import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { encodeChatMessage, rpcDialect } from '../src/rpc-dialect.js';
import { joinAs, startServer } from './helpers.js';

const stamp = { seq: 7, ts: 1_700_000_000_000 };

describe('rpcDialect', () => {
  it('renders room events as the capnweb-python example does', () => {
    expect(encodeChatMessage({ kind: 'join', memberId: 'n:1', name: 'bob', ...stamp })).toEqual({
      username: 'System',
      text: 'bob joined the chat',
      type: 'system',
      event: 'join',
      name: 'bob',
      seq: 7,
      timestamp: stamp.ts,
    });
    expect(
      encodeChatMessage({ kind: 'leave', memberId: 'n:1', name: 'bob', reason: 'quit', ...stamp })
        .text,
    ).toBe('bob left the chat');
    expect(
      encodeChatMessage({
        kind: 'message',
        senderId: 'n:1',
        sender: 'bob',
        content: 'hi',
        agent: false,
        ...stamp,
      }),
    ).toEqual({ username: 'bob', text: 'hi', type: 'chat', seq: 7, timestamp: stamp.ts });
    expect(
      encodeChatMessage({
        kind: 'message',
        senderId: 'n:1',
        sender: 'bob',
        content: 'psst',
        agent: false,
        toId: 'n:2',
        to: 'alice',
        ...stamp,
      }),
    ).toMatchObject({ type: 'private', to: 'alice' });
  });

  it('builds one frozen payload per event with a size estimate', () => {
    const frame = rpcDialect.encode({
      kind: 'message',
      senderId: null,
      sender: 'ops',
      content: 'é',
      agent: true,
      ...stamp,
    });
    expect(Object.isFrozen(frame?.message)).toBe(true);
    expect(frame?.message.agent).toBe(true);
    expect(frame?.bytes).toBeGreaterThan(Buffer.byteLength('é') + 3);
  });

  it('is encoded once per event however many RPC members there are', async () => {
    const { url } = await startServer();
    const members = [];
    for (const name of ['a1', 'a2', 'a3', 'a4']) members.push(await joinAs(url, name));
    const encode = vi.spyOn(rpcDialect, 'encode');
    onTestFinished(() => encode.mockRestore());
    await members[0]!.api.sendMessage('a1', 'once');
    for (const m of members) await m.inbox.next('once');
    const encoded = encode.mock.calls.filter(([e]) => e.kind === 'message');
    expect(encoded).toHaveLength(1);
  });
});
