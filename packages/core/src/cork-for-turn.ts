/** The part of a net.Socket (a Writable) that turn corking uses; core imports no node:net. */
export interface CorkableSocket {
  cork(): void;
  uncork(): void;
  readonly writableCorked: number;
}

// Sockets corked during this event-loop turn, and one shared flush for all of them: no closure
// or timer per socket or per message. setImmediate runs right after the poll phase, so every
// socket read in one poll (e.g. several senders' messages) shares the same writes;
// process.nextTick would flush after every I/O callback instead (measured: closed loop
// ~130k deliveries/s against ~310k with setImmediate, no better latency).
let corked: CorkableSocket[] = [];
let turnEnds: TurnEnd[] = [];
let scheduled = false;

/** Something that writes what it held during a turn when the turn ends (CorkedOutput). */
export interface TurnEnd {
  /** Hands this turn's bytes to writeAtTurnEnd; called before any of the turn's writes. */
  endTurn(): void;
}

// Node's setImmediate runs after the poll phase; a runtime without it gets the next macrotask.
const afterThisTurn: (fn: () => void) => void =
  typeof setImmediate === 'function' ? setImmediate : (fn) => setTimeout(fn, 0);

/**
 * Event-loop iterations that pass between the turn that held output and its write. Each is one
 * non-blocking poll for input; whatever a busy room reads meanwhile joins the same writes, so
 * fewer, larger writes leave (closed loop: ~20% less CPU per delivery, more deliveries/s and a
 * lower p50). An idle loop spends microseconds on them (docs/architecture.md, step 9).
 */
export const POLLS_BEFORE_WRITE = 2;
// Without setImmediate a poll would be a clamped timer, not a look at the sockets.
const pollsBeforeWrite = typeof setImmediate === 'function' ? POLLS_BEFORE_WRITE : 0;
let pollsLeft = pollsBeforeWrite;

function uncorkAll(): void {
  if (pollsLeft > 0) {
    pollsLeft--;
    afterThisTurn(uncorkAll);
    return;
  }
  pollsLeft = pollsBeforeWrite;
  const ends = turnEnds;
  const sockets = corked;
  turnEnds = [];
  corked = [];
  scheduled = false;
  // Every output hands over its bytes before the first write: the pass over outputs and
  // sessions runs without system calls between its steps, and the write pass touches only
  // sockets (docs/architecture.md, step 9).
  for (const end of ends) end.endTurn();
  const targets = writeTargets;
  const chunks = writeChunks;
  writeTargets = [];
  writeChunks = [];
  // Held bytes first: into a socket this turn corked, they join its one writev.
  for (let i = 0; i < targets.length; i++) targets[i]!.write(chunks[i]!);
  // uncork() on a socket that was ended or destroyed meanwhile is a no-op (Writable checks).
  for (const socket of sockets) socket.uncork();
}

/** Where a turn end's bytes go: a socket, or anything else with a stream's `write`. */
export interface TurnEndTarget {
  write(chunk: Uint8Array): unknown;
}

// The writes that TurnEnd.endTurn handed over, made in order once every output has been visited.
let writeTargets: TurnEndTarget[] = [];
let writeChunks: Uint8Array[] = [];

/**
 * From `TurnEnd.endTurn` only: writes `chunk` to `target` in the turn end's write pass, after
 * every output of the turn has handed over its bytes, in the order handed over.
 */
export function writeAtTurnEnd(target: TurnEndTarget, chunk: Uint8Array): void {
  writeTargets.push(target);
  writeChunks.push(chunk);
}

function scheduleTurnEnd(): void {
  if (!scheduled) {
    scheduled = true;
    afterThisTurn(uncorkAll);
  }
}

/**
 * Calls `end.endTurn()` when this event-loop turn's output is written (POLLS_BEFORE_WRITE polls
 * after the turn), before corked sockets are uncorked.
 */
export function atTurnEnd(end: TurnEnd): void {
  turnEnds.push(end);
  scheduleTurnEnd();
}

/**
 * Corks `socket` until this turn's output is written, unless it is corked already; returns
 * true when this call corked it. Everything written to the socket until then, by anyone (ws's
 * own sends, close frames), leaves in one writev in write order: a broadcast of many events
 * costs one syscall per recipient per turn instead of one per event (docs/architecture.md). Corked bytes
 * count in `writableLength`.
 */
export function corkForTurn(socket: CorkableSocket): boolean {
  if (socket.writableCorked !== 0) return false;
  socket.cork();
  corked.push(socket);
  scheduleTurnEnd();
  return true;
}
