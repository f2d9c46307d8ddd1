import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedLog } from '../src/bounded-log.js';

describe('BoundedLog', () => {
  it('keeps the newest `capacity` items, oldest first, like push + shift', () => {
    fc.assert(
      fc.property(fc.nat(20), fc.array(fc.integer(), { maxLength: 200 }), (capacity, pushes) => {
        const log = new BoundedLog<number>(capacity);
        const model: number[] = [];
        for (const item of pushes) {
          log.push(item);
          if (capacity > 0) {
            model.push(item);
            if (model.length > capacity) model.shift();
          }
          expect(log.toArray()).toEqual(model);
          expect(log.size).toBe(model.length);
          expect(log.first()).toBe(model[0]);
        }
        expect(log.filter((n) => n % 2 === 0)).toEqual(model.filter((n) => n % 2 === 0));
      }),
    );
  });
});
