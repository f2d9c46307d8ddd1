import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Mode, ScenarioId, Transport } from './scenarios.js';

export interface BenchOptions {
  mode: Mode;
  /** Scenario ids to run; empty means all. */
  only: ScenarioId[];
  /** Transports to run; empty means all. */
  transports: Transport[];
  outDir: string;
  /** Another chatgate entry point (main.js) to run instead of apps/server/dist/main.js. */
  serverMain: string | null;
  /**
   * Pin the server to CPU 0 and the generator to CPU 1 (true), leave placement to the
   * scheduler (false), or null: pin where the machine has two CPUs or more (cpu-pinning.ts).
   */
  pin: boolean | null;
  /** Runs per scenario and target instead of the mode's default. */
  repeat: number | undefined;
  /** Write V8 CPU profiles of every server and generator here (one folder per run). */
  profileDir: string | null;
  help: boolean;
}

const SCENARIO_IDS: ReadonlyArray<ScenarioId> = [
  'latency',
  'efficiency',
  'light-load',
  'closed-loop',
  'join-storm',
  'idle-memory',
  'mixed-room',
];
const TRANSPORTS: ReadonlyArray<Transport> = ['ws', 'line', 'mixed'];

export const DEFAULT_OUT_DIR = fileURLToPath(new URL('../results/', import.meta.url));

export const USAGE = `npm run bench [-- options]

  --quick              smaller counts and durations, one run each (under a minute)
  --repeat N           runs per scenario and target (full mode: 3 for the load scenarios)
  --only ID[,ID…]      scenarios: ${SCENARIO_IDS.join(', ')}
  --transport T[,T…]   transports: ${TRANSPORTS.join(', ')}
  --out DIR            results directory (default bench/results)
  --server PATH        run this chatgate main.js (another build) instead of apps/server/dist
  --pin, --no-pin      pin the server to CPU 0 and the load generator to CPU 1 (taskset), or
                       let the scheduler place them (default: pin with 2 CPUs or more)
  --profile DIR        write .cpuprofile files of each server and the generator under DIR
  --help               this text

Progress goes to stderr, the result tables to stdout, JSON to DIR/<time>-<mode>.json and
DIR/latest.json.`;

function list<T extends string>(
  value: string | undefined,
  allowed: ReadonlyArray<T>,
  what: string,
): T[] {
  if (value === undefined) return [];
  return value.split(',').map((item) => {
    const trimmed = item.trim();
    if (!(allowed as ReadonlyArray<string>).includes(trimmed)) {
      throw new Error(`unknown ${what} '${trimmed}' (one of ${allowed.join(', ')})`);
    }
    return trimmed as T;
  });
}

function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new Error(`${flag} wants 1–20, got '${text}'`);
  return n;
}

export function parseOptions(argv: ReadonlyArray<string>): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      transport: { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'string' },
      repeat: { type: 'string' },
      pin: { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
      server: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.pin && values['no-pin']) throw new Error('--pin and --no-pin contradict each other');
  return {
    mode: values.quick ? 'quick' : 'full',
    only: list(values.only, SCENARIO_IDS, 'scenario'),
    transports: list(values.transport, TRANSPORTS, 'transport'),
    outDir: values.out ?? DEFAULT_OUT_DIR,
    profileDir: values.profile ?? null,
    pin: values.pin ? true : values['no-pin'] ? false : null,
    serverMain: values.server === undefined ? null : resolve(values.server),
    repeat: values.repeat === undefined ? undefined : positiveInteger(values.repeat, '--repeat'),
    help: values.help === true,
  };
}
