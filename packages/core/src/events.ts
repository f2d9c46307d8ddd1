import type { DisconnectReason } from './errors.js';

/** A member id is unique across every node sharing a room. */
export type MemberId = string;

/** A chat message. Private when `toId` is set: visible to its sender and `to` only. */
export interface MessageDraft {
  kind: 'message';
  /** Null for posts by the application (`room.post`) that no member sent. */
  senderId: MemberId | null;
  sender: string;
  content: string;
  /** True for bot/application posts: delivered like messages, never dispatched to handlers. */
  agent: boolean;
  /** `/me ACTION`: shown as an action line (`* alice waves`), not `alice: waves`. Public only. */
  action?: boolean;
  toId?: MemberId;
  to?: string;
}

export interface JoinDraft {
  kind: 'join';
  memberId: MemberId;
  name: string;
}

/** Why a member left a room: it disconnected (a DisconnectReason), or `part`ed the room alone. */
export type LeaveReason = DisconnectReason | 'part';

export interface LeaveDraft {
  kind: 'leave';
  memberId: MemberId;
  name: string;
  reason: LeaveReason;
}

export interface RenameDraft {
  kind: 'rename';
  memberId: MemberId;
  from: string;
  to: string;
}

/**
 * What a room hands to the Engine; the Engine stamps `seq` and `ts`. A field added to a draft
 * must be added to stampEvent too, which copies them by name.
 */
export type EventDraft = MessageDraft | JoinDraft | LeaveDraft | RenameDraft;

/** Stamped by the Engine: `seq` is the room's one order, `ts` milliseconds since the epoch. */
export interface Stamp {
  readonly seq: number;
  readonly ts: number;
}

export type MessageEvent = Readonly<MessageDraft> & Stamp;
export type JoinEvent = Readonly<JoinDraft> & Stamp;
export type LeaveEvent = Readonly<LeaveDraft> & Stamp;
export type RenameEvent = Readonly<RenameDraft> & Stamp;
export type RoomEvent = MessageEvent | JoinEvent | LeaveEvent | RenameEvent;

export function isPublicMessage(event: RoomEvent): event is MessageEvent {
  return event.kind === 'message' && event.toId === undefined;
}

/**
 * The event a draft becomes once the engine orders it: the draft's fields, then `seq` and
 * `ts`. Each common kind is one fixed-shape literal: a spread of drafts of several shapes
 * plus two fields goes through V8's slow path (~3 µs an event, measured). The rarer message
 * forms (actions, private) keep the spread.
 */
export function stampEvent(draft: EventDraft, seq: number, ts: number): RoomEvent {
  switch (draft.kind) {
    case 'message':
      if (draft.action !== undefined || draft.toId !== undefined || draft.to !== undefined) {
        return { ...draft, seq, ts };
      }
      return {
        kind: 'message',
        senderId: draft.senderId,
        sender: draft.sender,
        content: draft.content,
        agent: draft.agent,
        seq,
        ts,
      };
    case 'join':
      return { kind: 'join', memberId: draft.memberId, name: draft.name, seq, ts };
    case 'leave':
      return {
        kind: 'leave',
        memberId: draft.memberId,
        name: draft.name,
        reason: draft.reason,
        seq,
        ts,
      };
    case 'rename':
      return { kind: 'rename', memberId: draft.memberId, from: draft.from, to: draft.to, seq, ts };
  }
}
