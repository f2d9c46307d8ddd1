import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type IrcKind, ircInstalled } from '../src/baselines/irc-server.js';
import type { ClientConn } from '../src/clients/client-conn.js';
import { openIrcClient } from '../src/clients/irc-client.js';
import { makePayload } from '../src/payload.js';
import { PayloadScanner } from '../src/payload-scanner.js';
import { startServer } from '../src/server-process.js';
import { resolveTargets } from '../src/targets.js';
import { waitFor } from './wait-for.js';

// The C IRC servers are optional bench peers; CI installs them (.ci/run), so there they must run.
const inCi = process.env.CI === 'true';

describe.each<IrcKind>(['ngircd', 'inspircd'])('IRC peer %s', (kind) => {
  it.skipIf(!inCi && !ircInstalled(kind))(
    'starts with raised limits, carries PRIVMSG payloads between bench clients, stops clean',
    { timeout: 30_000 },
    async () => {
      // The launcher runs as built (npm test builds first), as the bench runs it.
      const script = fileURLToPath(new URL('../dist/baselines/irc-server.js', import.meta.url));
      const launch = { ...resolveTargets()[kind], script };
      const server = await startServer(launch, 64);
      onTestFinished(() => server.stop());
      // The bench measures the daemon, not its launcher.
      expect(readFileSync(`/proc/${server.pid}/comm`, 'utf8').trim()).toBe(kind);
      const events = { onLost: () => {} };
      const received: string[] = [];
      const scanner = new PayloadScanner();
      const conns: ClientConn[] = [];
      const receiver = await openIrcClient({
        host: '127.0.0.1',
        port: server.ports.line!,
        nick: 'r0',
        onChunk: (chunk) => scanner.push(chunk, (p) => received.push(`${p.sender}/${p.id}`)),
        events,
      });
      conns.push(receiver);
      const sender = await openIrcClient({
        host: '127.0.0.1',
        port: server.ports.line!,
        nick: 's0',
        onChunk: null,
        events,
      });
      conns.push(sender);
      onTestFinished(() => {
        for (const conn of conns) conn.close();
      });
      // Past ngIRCd's and InspIRCd's default flood limits, none throttled or dropped.
      for (let id = 1; id <= 200; id++) sender.send(makePayload('s', 0, id, 0));
      await waitFor(() => received.length === 200, '200 payloads', 15_000);
      expect(received[0]).toBe('0/1');
      expect(received.at(-1)).toBe('0/200');
      const daemon = server.pid;
      await server.stop();
      expect(() => process.kill(daemon, 0)).toThrow();
    },
  );
});
