/** What the shutdown signal handling needs from the process; injectable for tests. */
export interface SignalTarget {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
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
