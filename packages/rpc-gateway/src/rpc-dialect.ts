import type { Dialect, MessageEvent, ResumeOutcome, RoomEvent } from '@chatgate/core';
import type { ChatMessage } from '@chatgate/rpc-client';

/**
 * One event as RPC members receive it: the `onMessage` argument, built once per event and
 * shared by every RPC member, plus its estimated size on the wire (for `bufferedBytes`).
 */
export interface RpcFrame {
  readonly message: Readonly<ChatMessage>;
  readonly bytes: number;
}

/** Rough cost of a capnweb call around the payload: push, pull, resolve and release frames. */
const CALL_OVERHEAD_BYTES = 160;

/** The sender name on room notices, as in the capnweb-python chat example. */
export const SYSTEM_SENDER = 'System';

/** A public or private message event as a ChatMessage (also used for `getHistory`). */
export function toChatMessage(event: MessageEvent): ChatMessage {
  const message: ChatMessage = {
    username: event.sender,
    text: event.content,
    type: event.toId === undefined ? 'chat' : 'private',
    seq: event.seq,
    timestamp: event.ts,
  };
  if (event.to !== undefined) message.to = event.to;
  if (event.agent) message.agent = true;
  if (event.action) message.action = true;
  return message;
}

function systemMessage(
  event: RoomEvent,
  text: string,
  kind: 'join' | 'leave' | 'rename',
  name: string,
): ChatMessage {
  return {
    username: SYSTEM_SENDER,
    text,
    type: 'system',
    seq: event.seq,
    timestamp: event.ts,
    event: kind,
    name,
  };
}

/** Builds the ChatMessage for any room event. */
export function encodeChatMessage(event: RoomEvent): ChatMessage {
  switch (event.kind) {
    case 'message':
      return toChatMessage(event);
    case 'join':
      return systemMessage(event, `${event.name} joined the chat`, 'join', event.name);
    case 'leave':
      return systemMessage(event, `${event.name} left the chat`, 'leave', event.name);
    case 'rename': {
      const message = systemMessage(
        event,
        `${event.from} is now known as ${event.to}`,
        'rename',
        event.to,
      );
      message.from = event.from;
      return message;
    }
  }
}

/** After a resumed join: how many missed events came just before, or that history was reset. */
export function resumedFrame(outcome: ResumeOutcome, epoch: string, seq: number): RpcFrame {
  const message: ChatMessage =
    outcome.kind === 'events'
      ? {
          username: SYSTEM_SENDER,
          text: `resumed: ${outcome.count} missed`,
          type: 'system',
          seq,
          timestamp: Date.now(),
          event: 'resumed',
          missed: outcome.count,
        }
      : {
          username: SYSTEM_SENDER,
          text: `history reset (epoch ${epoch})`,
          type: 'system',
          seq,
          timestamp: Date.now(),
          event: 'history_reset',
        };
  return { message: Object.freeze(message), bytes: CALL_OVERHEAD_BYTES + message.text.length };
}

/**
 * The RPC wire format. Stateless, so one object serves every RPC gateway on a room and the
 * room encodes each event once for all of them. Per-recipient choices (no own join notice)
 * are the session's.
 */
export const rpcDialect: Dialect<RpcFrame> = {
  name: 'rpc',
  encode(event: RoomEvent, room?: string): RpcFrame {
    const chat = encodeChatMessage(event);
    if (room !== undefined) chat.room = room;
    const message = Object.freeze(chat);
    const bytes =
      CALL_OVERHEAD_BYTES + Buffer.byteLength(message.text) + Buffer.byteLength(message.username);
    return { message, bytes };
  },
};
