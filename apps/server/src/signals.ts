/** What the shutdown signal handling needs from the process; injectable for tests. */
export interface SignalTarget {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off?(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/**
 * The embedded server's variant (`ChatServer`): the first signal stops gracefully and leaves
 * the exit to the application; a second one exits at once with 1. Returns the function that
 * removes the listeners (after the stop, a signal does what it would without us).
 */
export function watchShutdownSignals(
  target: SignalTarget,
  actions: { stop: () => Promise<void>; exit: (code: number) => void; warn: (m: string) => void },
): () => void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++received > 1) {
      actions.warn(`second ${signal}, exiting now`);
      actions.exit(1);
      return;
    }
    actions.stop().catch(() => actions.exit(1));
  };
  target.on('SIGINT', onSignal);
  target.on('SIGTERM', onSignal);
  return () => {
    target.off?.('SIGINT', onSignal);
    target.off?.('SIGTERM', onSignal);
  };
}

/**
 * First SIGINT/SIGTERM: drain gracefully via `stop`, then exit 0 (1 if the drain failed).
 * A second signal: exit 1 at once, whatever the drain is doing.
 */
export function handleShutdownSignals(
  target: SignalTarget,
  stop: (signal: NodeJS.Signals) => Promise<void>,
  exit: (code: number) => void,
  warn: (message: string) => void,
): void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++received > 1) {
      warn(`second ${signal}, exiting now`);
      exit(1);
      return;
    }
    stop(signal).then(
      () => exit(0),
      () => exit(1),
    );
  };
  target.on('SIGINT', onSignal);
  target.on('SIGTERM', onSignal);
}
