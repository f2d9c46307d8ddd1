import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import type { ClientConn, ClientEvents } from './client-conn.js';
// One read buffer for every socket client of the generator (see line-client.ts).
import { READ_BUFFER } from './line-client.js';
import { clientFrame, FrameReader, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT } from './ws-frames.js';

export interface WsClientOptions {
  url: string;
  /** chatgate needs `{"type":"connect"}` first and answers connect_response; raw ws does not. */
  username: string | null;
  /** Every text frame after the handshake (valid only during the call); null to only send. */
  onFrame: ((frame: Buffer) => void) | null;
  events: ClientEvents;
}

const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_RESPONSE_HEAD = 8 * 1024;

/**
 * Opens a WebSocket client; resolves once it may send (after connect_response for chatgate).
 *
 * A minimal RFC 6455 client on a plain socket, reading with `onread` into the generator's
 * shared buffer like the line client: the `ws` package's client spent most of the
 * generator's core in the closed loop (events, buffer lists per frame), so it, not the
 * server, set the pace. Both chatgate and the raw `ws` ceiling are driven by this client.
 */
export function openWsClient(options: WsClientOptions): Promise<ClientConn> {
  const url = new URL(options.url);
  const key = randomBytes(16).toString('base64');
  const accept = createHash('sha1')
    .update(key + ACCEPT_GUID)
    .digest('base64');
  return new Promise((resolve, reject) => {
    let ready = false;
    let open = false;
    let ended = false;
    let head = '';
    /** Reports the first reason the connection ended, once. */
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      if (ready) options.events.onLost(reason);
      else reject(new Error(reason));
    };
    const fail = (reason: string) => {
      end(reason);
      socket.destroy();
    };
    const becomeReady = () => {
      ready = true;
      resolve(conn);
    };
    const onFrame = options.onFrame;
    const reader = new FrameReader({
      onMessage: (payload) => {
        if (ready) {
          onFrame?.(payload);
          return;
        }
        const text = payload.toString();
        if (!text.includes('connect_response') && !text.includes('login_response')) return;
        if (text.includes('"success":true')) becomeReady();
        else fail(`connect refused: ${text.slice(0, 200)}`);
      },
      onControl: (opcode, payload) => {
        if (opcode === OP_PING) socket.write(clientFrame(OP_PONG, payload));
        else if (opcode === OP_CLOSE) {
          const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
          fail(`ws closed ${code}${ready ? '' : ' before it was ready'}`);
        }
      },
    });
    const onHandshake = () => {
      open = true;
      if (options.username === null) becomeReady();
      else send(JSON.stringify({ type: 'connect', username: options.username }));
    };
    /** Reads the 101 response; returns where frames begin in `chunk`, or -1 to read on. */
    const readResponseHead = (chunk: Buffer): number => {
      const before = head.length;
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_RESPONSE_HEAD) fail('handshake response head too long');
        return -1;
      }
      const lines = head.slice(0, end).split('\r\n');
      if (!/^HTTP\/1\.1 101 /.test(lines[0] ?? '')) {
        fail(`handshake refused: ${lines[0]}`);
        return -1;
      }
      const acceptLine = lines.find((l) => /^sec-websocket-accept:/i.test(l));
      if (acceptLine?.slice(acceptLine.indexOf(':') + 1).trim() !== accept) {
        fail('handshake answered with a wrong Sec-WebSocket-Accept');
        return -1;
      }
      onHandshake();
      return end + 4 - before;
    };
    const socket = net.connect({
      host: url.hostname,
      port: Number(url.port),
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes: number, buffer: Uint8Array) => {
          let chunk = (buffer as Buffer).subarray(0, bytes);
          if (!open) {
            const framesAt = readResponseHead(chunk);
            if (framesAt < 0) return true;
            chunk = chunk.subarray(framesAt);
          }
          try {
            reader.push(chunk);
          } catch (err) {
            fail(`bad frame: ${(err as Error).message}`);
          }
          return true;
        },
      },
    });
    const send = (text: string) => {
      if (!socket.destroyed) socket.write(clientFrame(OP_TEXT, Buffer.from(text)));
    };
    const conn: ClientConn = {
      send: (text) => {
        if (open) send(`{"type":"chat_message","content":"${text}"}`);
      },
      close: () => {
        ended = true;
        socket.destroy();
      },
    };
    socket.on('connect', () => {
      socket.write(
        `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
          'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on('error', (err) => {
      if (!ready) end(err.message);
    });
    socket.on('close', () =>
      end(ready ? 'ws socket closed' : 'ws socket closed before it was ready'),
    );
  });
}
