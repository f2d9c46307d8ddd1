/**
 * The C IRC servers as optional bench peers (bench README, "IRC peers"): ngIRCd or InspIRCd
 * from Debian, on a free loopback port, with their flood limits raised so a closed loop is not
 * throttled. This launcher writes the config, starts the daemon in the foreground, waits until
 * it accepts connections, and prints the listening line with the daemon's own pid, which the
 * bench measures (CPU, memory) instead of this process's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMain, parseListenFlags } from './listening.js';

export type IrcKind = 'ngircd' | 'inspircd';

/** Where Debian installs each daemon. */
export const IRC_BINARIES: Record<IrcKind, string> = {
  ngircd: '/usr/sbin/ngircd',
  inspircd: '/usr/sbin/inspircd',
};

export const IRC_CHANNEL = '#bench';

export function ircInstalled(kind: IrcKind): boolean {
  return existsSync(IRC_BINARIES[kind]);
}

/** ngIRCd 26: no penalties (MaxPenaltyTime 0), no per-address cap, no lookups. */
export function ngircdConfig(host: string, port: number): string {
  return `[Global]
Name = bench.local
Info = chatgate bench peer
AdminInfo1 = chatgate bench
AdminInfo2 = loopback
AdminEMail = bench@localhost
Listen = ${host}
Ports = ${port}
[Limits]
MaxConnections = 0
MaxConnectionsIP = 0
MaxJoins = 0
MaxNickLength = 31
MaxPenaltyTime = 0
PingTimeout = 3600
PongTimeout = 3600
[Options]
PAM = no
DNS = no
Ident = no
RequireAuthPing = no
`;
}

/**
 * InspIRCd 3: no fakelag and a command rate no client reaches, large send queues, no per-address
 * cap. Its core resolves each client's hostname before registering it even with
 * resolvehostnames off; a resolver on a closed loopback port fails that within a second.
 */
export function inspircdConfig(host: string, port: number, dir: string): string {
  return `<server name="bench.local" description="chatgate bench peer" network="bench">
<admin name="bench" nick="bench" email="bench@localhost">
<bind address="${host}" port="${port}" type="clients">
<connect name="bench" allow="*" timeout="60" pingfreq="3600" localmax="1000000" globalmax="1000000" maxchans="1000" threshold="1000000" commandrate="1000000000" fakelag="no" recvq="1048576" sendq="104857600" hardsendq="104857600" softsendq="104857600" limit="1000000" resolvehostnames="no" maxconnwarn="no">
<performance somaxconn="4096" softlimit="100000" clonesonconnect="no" quietbursts="yes">
<dns server="127.0.0.1" timeout="1">
<limits maxnick="31" maxchan="64">
<pid file="${join(dir, 'inspircd.pid')}">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="${join(dir, 'inspircd.log')}">
`;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once `port` accepts a connection; rejects if the daemon exits or time runs out. */
function accepting(host: string, port: number, child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) {
        reject(new Error(`the daemon exited with ${child.exitCode}`));
        return;
      }
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${host}:${port}`));
        // The daemon is still starting: try again on the next timer turn.
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startIrcServer(kind: IrcKind, host: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `chatgate-bench-${kind}-`));
  const port = await freePort(host);
  const config = join(dir, `${kind}.conf`);
  writeFileSync(
    config,
    kind === 'ngircd' ? ngircdConfig(host, port) : inspircdConfig(host, port, dir),
  );
  const args =
    kind === 'ngircd' ? ['-n', '-f', config] : ['--nofork', '--runasroot', `--config=${config}`];
  const child = spawn(IRC_BINARIES[kind], args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  child.once('exit', (code) => {
    cleanup();
    process.exit(code ?? 0);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => child.kill('SIGTERM'));
  }
  await accepting(host, port, child, 10_000);
  process.stdout.write(
    `${JSON.stringify({ msg: 'listening', ports: { line: port }, pid: child.pid })}\n`,
  );
}

if (isMain(import.meta.url)) {
  const kindAt = process.argv.indexOf('--kind');
  const kind = process.argv[kindAt + 1];
  if (kindAt < 0 || (kind !== 'ngircd' && kind !== 'inspircd')) {
    process.stderr.write('usage: irc-server --kind ngircd|inspircd [--host HOST]\n');
    process.exit(2);
  }
  startIrcServer(kind, parseListenFlags(process.argv).host).catch((err: unknown) => {
    process.stderr.write(`irc-server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
