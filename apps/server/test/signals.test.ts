import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { handleShutdownSignals } from '../src/signals.js';

function setup(stopResult: Promise<void>) {
  const target = new EventEmitter();
  const exits: number[] = [];
  const stops: string[] = [];
  const warnings: string[] = [];
  handleShutdownSignals(
    target,
    (signal) => {
      stops.push(signal);
      return stopResult;
    },
    (code) => exits.push(code),
    (message) => warnings.push(message),
  );
  return { target, exits, stops, warnings };
}

describe('handleShutdownSignals', () => {
  it('drains on the first signal and exits 0 when the drain finishes', async () => {
    const { target, exits, stops } = setup(Promise.resolve());
    target.emit('SIGTERM', 'SIGTERM');
    expect(stops).toEqual(['SIGTERM']);
    await Promise.resolve();
    await Promise.resolve();
    expect(exits).toEqual([0]);
  });

  it('exits 1 at once on a second signal while still draining', () => {
    const { target, exits, stops, warnings } = setup(new Promise(() => {}));
    target.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([]);
    target.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([1]);
    expect(stops).toEqual(['SIGINT']);
    expect(warnings).toEqual(['second SIGINT, exiting now']);
  });

  it('exits 1 when the drain fails', async () => {
    const { target, exits } = setup(Promise.reject(new Error('stuck')));
    target.emit('SIGTERM', 'SIGTERM');
    await new Promise((resolve) => setImmediate(resolve));
    expect(exits).toEqual([1]);
  });
});
