export { ChatServer, type ChatServerOptions } from './chat-server.js';
export {
  type Config,
  ConfigError,
  defaultConfig,
  helpText,
  loadConfig,
  OPTIONS,
} from './config.js';
export { createLogger, createMetrics } from './observability.js';
export { type BoundPorts, Chatgate, ListenError, type ListenerName } from './server.js';
