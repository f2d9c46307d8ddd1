import { newWebSocketRpcSession, RpcTarget } from 'capnweb';
import WebSocket from 'ws';
import type { ClientConn, ClientEvents } from './client-conn.js';

/** chatgate's Cap'n Web main object, as far as the bench uses it. */
interface ChatApi {
  join(username: string, callback: RpcTarget): Promise<unknown>;
  sendMessage(username: string, text: string): Promise<unknown>;
}

/** What the server calls back with; only `text` matters to the bench. */
interface RpcChatMessage {
  username?: string;
  text?: string;
  type?: string;
}

// Node 20 has no global WebSocket; capnweb opens its socket through it.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

class MessageCallback extends RpcTarget {
  constructor(private readonly onText: ((text: string) => void) | null) {
    super();
  }

  onMessage(message: RpcChatMessage): void {
    if (this.onText !== null && typeof message?.text === 'string') this.onText(message.text);
  }
}

export interface RpcClientOptions {
  url: string;
  username: string;
  onText: ((text: string) => void) | null;
  events: ClientEvents;
}

/** Opens a capnweb session, joins as `username`; resolves once the join call returned. */
export async function openRpcClient(options: RpcClientOptions): Promise<ClientConn> {
  const api = newWebSocketRpcSession(options.url) as unknown as ChatApi & {
    onRpcBroken(cb: (error: unknown) => void): void;
    [Symbol.dispose](): void;
  };
  let ready = false;
  let failure: unknown;
  api.onRpcBroken((error) => {
    failure = error;
    if (ready) options.events.onLost(`rpc broken: ${String(error)}`);
  });
  try {
    await api.join(options.username, new MessageCallback(options.onText));
  } catch (err) {
    api[Symbol.dispose]();
    throw failure ?? err;
  }
  ready = true;
  return {
    send: (text) => {
      api.sendMessage(options.username, text).catch((err: unknown) => {
        options.events.onLost(`rpc sendMessage failed: ${String(err)}`);
      });
    },
    close: () => api[Symbol.dispose](),
  };
}
