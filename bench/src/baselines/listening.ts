import { pathToFileURL } from 'node:url';

/** Host from the same flags chatgate takes (`--host`); ports are always 0 (free). */
export function parseListenFlags(argv: ReadonlyArray<string>): { host: string } {
  const at = argv.indexOf('--host');
  return { host: at >= 0 ? (argv[at + 1] ?? '127.0.0.1') : '127.0.0.1' };
}

/** The one stdout line chatgate prints once listening; the bench parses it for every target. */
export function announceListening(ports: Record<string, number>): void {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', ports })}\n`);
}

/** True when the module at `moduleUrl` is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(script).href === moduleUrl;
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}
