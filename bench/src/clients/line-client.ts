import net from 'node:net';
import type { ClientConn, ClientEvents } from './client-conn.js';

export interface LineClientOptions {
  host: string;
  port: number;
  /** chatgate greets a line client once it has joined; a raw server says nothing. */
  awaitGreeting: boolean;
  /** Every chunk read (valid only during the call); null for a client that only sends or idles. */
  onChunk: ((chunk: Buffer) => void) | null;
  events: ClientEvents;
}

/**
 * One read buffer shared by every line client of the generator. With `onread` Node reads
 * straight into it and calls back, skipping the Readable stream machinery per chunk; that
 * matters when one process reads 100k+ small chunks a second. Callbacks run synchronously,
 * so sharing is safe as long as nobody keeps the chunk (PayloadScanner copies what it keeps).
 */
export const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Opens a line TCP client; resolves once connected (and greeted, for chatgate). */
export function openLineClient(options: LineClientOptions): Promise<ClientConn> {
  return new Promise((resolve, reject) => {
    let ready = false;
    const becomeReady = () => {
      if (ready) return;
      ready = true;
      resolve(conn);
    };
    const onChunk = options.onChunk;
    const greeted = options.awaitGreeting;
    const socket = net.connect({
      host: options.host,
      port: options.port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes: number, buffer: Uint8Array) => {
          if (greeted && !ready) becomeReady();
          onChunk?.((buffer as Buffer).subarray(0, bytes));
          return true;
        },
      },
    });
    const conn: ClientConn = {
      send: (text) => {
        if (!socket.destroyed) socket.write(`${text}\n`);
      },
      close: () => socket.destroy(),
    };
    socket.on('error', (err) => {
      if (!ready) reject(err);
    });
    socket.on('close', () => {
      if (ready) options.events.onLost('line socket closed');
      else reject(new Error('line socket closed before it was ready'));
    });
    if (!greeted) socket.on('connect', becomeReady);
  });
}
