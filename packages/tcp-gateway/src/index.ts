export { BytesRun } from './bytes-run.js';
export { atDialect } from './dialects/at.js';
export { DIALECTS, type DialectName, resolveDialect } from './dialects/index.js';
export { lineDialect } from './dialects/line.js';
export {
  createPeerDialect,
  encodeChatFrame,
  encodeLeaveFrame,
  formatPeerTime,
  PEER_SERVER_NAME,
  PEER_SYSTEM_SENDER,
  type PeerDialectOptions,
  parsePeerPayload,
  peerDialect,
} from './dialects/peer.js';
export { END_FRAME, encodeFrame, FrameDecoder, MAX_FRAME_BYTES } from './framing/frames.js';
export { LINE_TOO_LONG, LineFramer, MAX_LINE_BYTES } from './framing/lines.js';
export {
  MAX_V1_HEADER_BYTES,
  ProxyHeaderParser,
  type ProxyHeaderResult,
  type ProxySource,
} from './framing/proxy-header.js';
export { TelnetFilter } from './framing/telnet.js';
export {
  createTcpListener,
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_MS,
  type TcpListener,
  type TcpListenerOptions,
} from './listener.js';
export type { DecoderOptions, Input, InputDecoder, TcpDialect } from './tcp-dialect.js';
export { TcpSession } from './tcp-session.js';
