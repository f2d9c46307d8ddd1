/** Host and ports from the same flags chatgate takes (`--host`, any `--*-port`, 0 = free). */
export function parseListenFlags(argv: ReadonlyArray<string>): { host: string } {
  const at = argv.indexOf('--host');
  return { host: at >= 0 ? (argv[at + 1] ?? '127.0.0.1') : '127.0.0.1' };
}

/** The one stdout line chatgate prints once listening; the bench parses it for every target. */
export function announceListening(ports: Record<string, number>): void {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', ports })}\n`);
}
