export {
  COMMAND_HELP,
  type Command,
  HISTORY_DEFAULT,
  HISTORY_MAX,
  type PlainTextPolicy,
  parseCommand,
  type Reply,
} from './commands.js';
export type { Engine, EventBus, NameRegistry } from './engine.js';
export { InProcessEngine } from './engine-local.js';
export {
  CHAT_ERROR_CODES,
  ChatError,
  type ChatErrorCode,
  type DisconnectReason,
  isChatError,
  toChatError,
} from './errors.js';
export {
  type EventDraft,
  isPublicMessage,
  type JoinEvent,
  type LeaveEvent,
  type MemberId,
  type MessageEvent,
  type RenameEvent,
  type RoomEvent,
  type Stamp,
} from './events.js';
export type { MessageHandler } from './handlers.js';
export { DEFAULT_LIMITS, type RoomLimits, TokenBucket } from './limits.js';
export { LazyChildLogger, type Logger, lazyChild, noopLogger } from './log.js';
export { Member, type MemberState } from './member.js';
export { autoName, foldName, MAX_NAME_CHARS, normalizeName, RESERVED_NAMES } from './names.js';
export {
  type JoinOptions,
  type PostOptions,
  Room,
  type RoomOptions,
  type RoomStats,
} from './room.js';
export type { Dialect, PresenceEvent, Session } from './session.js';
export { codePointLength, hasControlCharacters, prepareMessageText, sanitizeText } from './text.js';
