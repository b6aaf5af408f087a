import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import { Rng } from '../src/index.ts';

function firstWords(seed: number): [number, number] {
  const r = new Rng(seed);
  return [r.nextUint32(), r.nextUint32()];
}

describe('Rng seeds', () => {
  test('small seeds keep their historical streams (golden values)', () => {
    expect(firstWords(1)).toEqual(firstWords(1));
    expect(firstWords(0)[0]).toBe(3809008728);
    expect(new Rng(2 ** 32 + 1).nextUint32()).toBe(3353183536);
  });

  test('seeds beyond the exact integer range are refused instead of folding into one run', async () => {
    for (const seed of [1e16, 2 ** 53, -(2 ** 53), 1e300]) {
      await expectMultitaskError(
        () => new Rng(seed),
        'INVALID_OPTION',
        /seed must be at most 9007199254740991/,
      );
    }
    expect(() => new Rng(NaN)).toThrow(/finite/);
  });

  test('distinct safe-integer seeds give distinct streams (seeds that once collided: 2³²+1 vs 0, 2⁵³−1 vs 2⁵³−2)', () => {
    expect(firstWords(2 ** 32 + 1)).not.toEqual(firstWords(0));
    expect(firstWords(2 ** 53 - 1)).not.toEqual(firstWords(2 ** 53 - 2));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (a, b) => {
          fc.pre(a !== b);
          expect(firstWords(a)).not.toEqual(firstWords(b));
        },
      ),
      { seed: 13, numRuns: 2000 },
    );
  });

  test('equal seeds give equal streams and forks', () => {
    const a = new Rng(9_000_000_000_000);
    const b = new Rng(9_000_000_000_000);
    expect([a.nextUint32(), a.fork().nextUint32()]).toEqual([b.nextUint32(), b.fork().nextUint32()]);
  });
});
