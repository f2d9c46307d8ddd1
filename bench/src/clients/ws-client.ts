import WebSocket from 'ws';
import type { ClientConn, ClientEvents } from './client-conn.js';

export interface WsClientOptions {
  url: string;
  /** chatgate needs `{"type":"connect"}` first and answers connect_response; raw ws does not. */
  username: string | null;
  /** Every text frame after the handshake; null for a client that only sends or idles. */
  onFrame: ((frame: Buffer) => void) | null;
  events: ClientEvents;
}

const CLIENT_OPTIONS = { perMessageDeflate: false, skipUTF8Validation: true } as const;

/** Opens a WebSocket client; resolves once it may send (after connect_response for chatgate). */
export function openWsClient(options: WsClientOptions): Promise<ClientConn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(options.url, CLIENT_OPTIONS);
    let ready = false;
    const conn: ClientConn = {
      send: (text) => {
        if (ws.readyState === WebSocket.OPEN) {
          ws.send(`{"type":"chat_message","content":"${text}"}`);
        }
      },
      close: () => ws.terminate(),
    };
    const becomeReady = () => {
      ready = true;
      resolve(conn);
    };
    ws.on('error', (err) => {
      if (!ready) reject(err);
    });
    ws.on('close', (code) => {
      if (ready) options.events.onLost(`ws closed ${code}`);
      else reject(new Error(`ws closed ${code} before it was ready`));
    });
    ws.on('open', () => {
      if (options.username === null) becomeReady();
      else ws.send(JSON.stringify({ type: 'connect', username: options.username }));
    });
    ws.on('message', (data) => {
      const frame = data as Buffer;
      if (!ready) {
        const text = frame.toString();
        if (!text.includes('connect_response') && !text.includes('login_response')) return;
        if (text.includes('"success":true')) becomeReady();
        else {
          reject(new Error(`connect refused: ${text.slice(0, 200)}`));
          ws.terminate();
        }
        return;
      }
      options.onFrame?.(frame);
    });
  });
}
