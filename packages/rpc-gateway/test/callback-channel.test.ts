import type { ChatMessage } from '@chatgate/rpc-client';
import { describe, expect, it } from 'vitest';
import { CallbackChannel, type PendingCall } from '../src/callback-channel.js';
import type { RpcFrame } from '../src/rpc-dialect.js';

/** One remote call whose answer the test decides. */
class Call implements PendingCall {
  disposed = false;
  answer!: () => void;
  fail!: (error: Error) => void;
  private readonly promise = new Promise<unknown>((resolve, reject) => {
    this.answer = () => resolve(undefined);
    this.fail = reject;
  });
  constructor(readonly message: Readonly<ChatMessage>) {}
  // biome-ignore lint/suspicious/noThenProperty: it is a thenable on purpose, like RpcPromise.
  then<A = unknown, B = never>(
    onAnswer?: ((value: unknown) => A | PromiseLike<A>) | null,
    onFail?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.promise.then(onAnswer, onFail);
  }
  [Symbol.dispose]() {
    this.disposed = true;
  }
}

function frame(text: string, bytes = 100): RpcFrame {
  return { message: { username: 'a', text, type: 'chat', seq: 0, timestamp: 0 }, bytes };
}

/** Lets promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(timeoutMs = 1000, epochMs = 100) {
  let clock = 0;
  const calls: Call[] = [];
  const failures: unknown[] = [];
  const channel = new CallbackChannel(
    (message) => {
      const call = new Call(message);
      calls.push(call);
      return call;
    },
    (error) => failures.push(error),
    { timeoutMs, epochMs, now: () => clock },
  );
  return {
    channel,
    calls,
    failures,
    advance: (ms: number) => {
      clock += ms;
    },
    texts: () => calls.map((c) => c.message.text),
  };
}

describe('CallbackChannel', () => {
  it('sends at once while the epoch is young, in order', () => {
    const { channel, texts } = setup();
    channel.send(frame('1'));
    channel.send(frame('2'));
    channel.send(frame('3'));
    expect(texts()).toEqual(['1', '2', '3']);
    expect(channel.pendingCalls).toBe(3);
    expect(channel.pendingBytes).toBe(300);
  });

  it('holds calls once the epoch is old, and sends them in order when it drains', async () => {
    const { channel, calls, texts, advance } = setup(1000, 100);
    channel.send(frame('1'));
    advance(150);
    channel.send(frame('2'));
    channel.send(frame('3'));
    expect(texts()).toEqual(['1']);
    expect(channel.pendingCalls).toBe(3);
    calls[0]!.answer();
    await settle();
    expect(calls[0]!.disposed).toBe(true);
    expect(texts()).toEqual(['1', '2', '3']);
    expect(channel.pendingBytes).toBe(200);
  });

  it('frees an epoch only when every call in it has answered', async () => {
    const { channel, calls } = setup();
    channel.send(frame('1'));
    channel.send(frame('2'));
    calls[1]!.answer();
    await settle();
    expect(calls.map((c) => c.disposed)).toEqual([false, false]);
    // Answered calls stop counting as backlog before the epoch is freed.
    expect(channel.pendingBytes).toBe(100);
    expect(channel.pendingCalls).toBe(1);
    calls[0]!.answer();
    await settle();
    expect(calls.map((c) => c.disposed)).toEqual([true, true]);
    expect(channel.pendingCalls).toBe(0);
    expect(channel.pendingBytes).toBe(0);
  });

  it('expires when a call stays unanswered past the timeout, even if later ones answer', async () => {
    const { channel, calls, advance } = setup(1000, 100);
    channel.send(frame('1'));
    channel.send(frame('2'));
    calls[1]!.answer();
    await settle();
    advance(1000);
    expect(channel.expired()).toBe(false);
    advance(1);
    expect(channel.expired()).toBe(true);
  });

  it('does not expire a callback that keeps answering', async () => {
    const { channel, calls, advance } = setup(1000, 100);
    for (let i = 0; i < 30; i++) {
      channel.send(frame(String(i)));
      advance(100);
      for (const call of calls) call.answer();
      await settle();
      expect(channel.expired()).toBe(false);
    }
    expect(calls).toHaveLength(30);
  });

  it('reports a rejected call once', async () => {
    const { channel, calls, failures } = setup();
    channel.send(frame('1'));
    channel.send(frame('2'));
    calls[0]!.fail(new Error('callback threw'));
    calls[1]!.fail(new Error('again'));
    await settle();
    expect(failures).toHaveLength(1);
    expect((failures[0] as Error).message).toBe('callback threw');
  });

  it('reports a call that throws on the spot', () => {
    const failures: unknown[] = [];
    const channel = new CallbackChannel(
      () => {
        throw new Error('stub disposed');
      },
      (error) => failures.push(error),
      { timeoutMs: 1000, epochMs: 100 },
    );
    channel.send(frame('1'));
    expect(failures).toHaveLength(1);
  });

  it('on close cancels unanswered calls, drops held ones and ignores late answers', async () => {
    const { channel, calls, failures, advance, texts } = setup(1000, 100);
    channel.send(frame('1'));
    advance(200);
    channel.send(frame('2'));
    channel.close();
    expect(calls[0]!.disposed).toBe(true);
    expect(channel.pendingCalls).toBe(0);
    calls[0]!.fail(new Error('canceled'));
    await settle();
    channel.send(frame('3'));
    expect(failures).toEqual([]);
    expect(texts()).toEqual(['1']);
  });
});
