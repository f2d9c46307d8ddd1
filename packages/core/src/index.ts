export {
  COMMAND_HELP,
  type Command,
  FULL_COMMAND_HELP,
  HISTORY_DEFAULT,
  HISTORY_MAX,
  type PlainTextPolicy,
  parseCommand,
  type Reply,
  ROOM_COMMAND_HELP,
  type RoomInfo,
} from './commands.js';
export {
  DEFAULT_LEASE_MS,
  type Engine,
  type EngineStatus,
  type EventBus,
  type NameRegistry,
  type NodeLease,
  nodeOfMember,
  type Position,
  type PresenceEntry,
  type Recovery,
  type RoomListing,
  type RoomRegistry,
  type RoomSnapshot,
  type SubscribeOptions,
} from './engine.js';
export {
  DEFAULT_ENGINE_HISTORY,
  DEFAULT_ENGINE_LOG,
  InProcessEngine,
  type InProcessEngineOptions,
  InProcessHub,
} from './engine-local.js';
export {
  CHAT_ERROR_CODES,
  ChatError,
  type ChatErrorCode,
  type DisconnectReason,
  isChatError,
  type TokenVerifier,
  toChatError,
} from './errors.js';
export {
  type EventDraft,
  isPublicMessage,
  type JoinEvent,
  type LeaveEvent,
  type LeaveReason,
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
export {
  autoName,
  foldName,
  MAX_NAME_CHARS,
  nameSkeleton,
  normalizeName,
  normalizeRoomName,
  RESERVED_NAMES,
} from './names.js';
export { parseResumeRequest, type ResumeRequest } from './resume-request.js';
export {
  type JoinOptions,
  type PostOptions,
  Room,
  type RoomOptions,
  type RoomStats,
} from './room.js';
export { RoomDirectory } from './rooms.js';
export type { Dialect, PresenceEvent, ResumeOutcome, Session } from './session.js';
export {
  codePointLength,
  hasControlCharacters,
  prepareMessageText,
  sanitizeText,
  stripInvisible,
} from './text.js';
