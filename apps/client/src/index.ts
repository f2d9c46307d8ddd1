export { DEFAULT_URL, parseClientArgs, type Transport, transportFor, USAGE } from './args.js';
export type { ChatConnection, ChatEvent, ConnectionHandlers, Welcome } from './chat-connection.js';
export { JoinRefusedError } from './chat-connection.js';
export { createConnection } from './create-connection.js';
export {
  type RenderOptions,
  renderEvent,
  renderHelp,
  renderWelcome,
  stripControls,
} from './render.js';
