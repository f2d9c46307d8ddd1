/** Pure parts of `npm run soak`: argument parsing and the pass/fail verdict on its figures. */

export const DEFAULT_SOAK_SECONDS = 300;
export const CI_SOAK_SECONDS = 30;

export interface SoakArgs {
  seconds: number;
}

/** `--ci` (30 s) or `--seconds N`; 5 minutes by default. Throws on anything else. */
export function parseSoakArgs(argv: ReadonlyArray<string>): SoakArgs {
  let seconds = DEFAULT_SOAK_SECONDS;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--ci') seconds = CI_SOAK_SECONDS;
    else if (arg === '--seconds') {
      const value = argv[++i];
      const n = Number(value);
      if (value === undefined || !Number.isInteger(n) || n < 1 || n > 86_400) {
        throw new Error(
          `--seconds needs a whole number from 1 to 86400, got ${value ?? 'nothing'}`,
        );
      }
      seconds = n;
    } else throw new Error(`unknown argument ${arg} (use --ci or --seconds N)`);
  }
  return { seconds };
}

/** Server figures read at one moment. */
export interface SoakFigures {
  rssBytes: number;
  heapUsedBytes: number;
  openFds: number;
}

/** How far the end figures may be above the start ones once the churn has quiesced. */
export interface SoakBounds {
  fdGrowth: number;
  rssGrowthBytes: number;
  heapGrowthBytes: number;
}

export const SOAK_BOUNDS: SoakBounds = {
  fdGrowth: 20,
  rssGrowthBytes: 64 * 1024 * 1024,
  heapGrowthBytes: 32 * 1024 * 1024,
};

export interface SoakVerdict {
  ok: boolean;
  failures: string[];
}

const MB = 1024 * 1024;

/** Fails on any lost message, a server that died, or a figure grown past its bound. */
export function soakVerdict(
  start: SoakFigures,
  end: SoakFigures,
  lost: number,
  serverAlive: boolean,
  bounds: SoakBounds = SOAK_BOUNDS,
): SoakVerdict {
  const failures: string[] = [];
  if (!serverAlive) failures.push('server exited during the soak');
  if (lost > 0) failures.push(`${lost} messages lost (must be 0)`);
  const fds = end.openFds - start.openFds;
  if (fds > bounds.fdGrowth) {
    failures.push(`open fds grew by ${fds} (bound +${bounds.fdGrowth})`);
  }
  const rss = end.rssBytes - start.rssBytes;
  if (rss > bounds.rssGrowthBytes) {
    failures.push(
      `RSS grew by ${(rss / MB).toFixed(1)} MB (bound ${(bounds.rssGrowthBytes / MB).toFixed(0)} MB)`,
    );
  }
  const heap = end.heapUsedBytes - start.heapUsedBytes;
  if (heap > bounds.heapGrowthBytes) {
    failures.push(
      `heap after GC grew by ${(heap / MB).toFixed(1)} MB (bound ${(bounds.heapGrowthBytes / MB).toFixed(0)} MB)`,
    );
  }
  return { ok: failures.length === 0, failures };
}
