import net from 'node:net';
import { IRC_CHANNEL } from '../baselines/irc-server.js';
import type { ClientConn, ClientEvents } from './client-conn.js';
// One read buffer for every socket client of the generator (see line-client.ts).
import { READ_BUFFER } from './line-client.js';

export interface IrcClientOptions {
  host: string;
  port: number;
  nick: string;
  /** Every chunk read once in the channel (valid only during the call); null to only send. */
  onChunk: ((chunk: Buffer) => void) | null;
  events: ClientEvents;
}

/** Welcome (registration done), and end of the channel's name list (joined). */
const WELCOME = / 001 /;
const JOINED = / 366 /;
const PING = /^PING (.*)$/m;

/**
 * An IRC client for the C servers the bench compares with: registers (NICK, USER), joins the
 * bench channel once welcomed, and is ready when the server has listed the channel's names.
 * Messages go out as `PRIVMSG #bench :text`; the payload inside each incoming line is found
 * by the same scanner as for line TCP.
 */
export function openIrcClient(options: IrcClientOptions): Promise<ClientConn> {
  return new Promise((resolve, reject) => {
    let ready = false;
    let joining = false;
    let seen = '';
    const onChunk = options.onChunk;
    const socket = net.connect({
      host: options.host,
      port: options.port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes: number, buffer: Uint8Array) => {
          const chunk = (buffer as Buffer).subarray(0, bytes);
          if (ready) {
            onChunk?.(chunk);
            return true;
          }
          seen += chunk.toString('latin1');
          const ping = PING.exec(seen);
          if (ping !== null) socket.write(`PONG ${ping[1]!.trim()}\r\n`);
          if (!joining && WELCOME.test(seen)) {
            joining = true;
            socket.write(`JOIN ${IRC_CHANNEL}\r\n`);
          }
          if (joining && JOINED.test(seen)) {
            ready = true;
            seen = '';
            resolve(conn);
          } else if (seen.length > 64 * 1024) {
            // Keep what a code could still straddle; the rest is the MOTD.
            seen = seen.slice(-512);
          }
          return true;
        },
      },
    });
    const conn: ClientConn = {
      send: (text) => {
        if (!socket.destroyed) socket.write(`PRIVMSG ${IRC_CHANNEL} :${text}\r\n`);
      },
      close: () => socket.destroy(),
    };
    socket.on('connect', () => {
      socket.write(`NICK ${options.nick}\r\nUSER ${options.nick} 0 * :bench\r\n`);
    });
    socket.on('error', (err) => {
      if (!ready) reject(err);
    });
    socket.on('close', () => {
      if (ready) options.events.onLost('irc socket closed');
      else reject(new Error(`irc socket closed before joining: ${seen.slice(-200)}`));
    });
  });
}
