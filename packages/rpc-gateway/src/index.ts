export type {
  ChatCallback,
  ChatGatewayApi,
  ChatMessage,
  ChatReadApi,
  GoodbyeResult,
  InputResult,
  JoinResult,
  MemberApi as MemberApiShape,
  SendResult,
} from '@chatgate/rpc-client';
export { ensureGlobalWebSocket } from '@chatgate/rpc-client';
export {
  CallbackChannel,
  type CallbackChannelOptions,
  type PendingCall,
} from './callback-channel.js';
export { ChatApi, ChatReadTarget, HISTORY_REPLY_SIZE } from './chat-api.js';
export { MemberApi } from './member-api.js';
export {
  RPC_DEFAULTS,
  type RpcGatewayOptions,
  rpcGateway,
  rpcGateway as default,
} from './plugin.js';
export {
  encodeChatMessage,
  type RpcFrame,
  rpcDialect,
  SYSTEM_SENDER,
  toChatMessage,
} from './rpc-dialect.js';
export { RpcError } from './rpc-error.js';
