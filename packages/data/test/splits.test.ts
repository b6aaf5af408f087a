import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kFold, splitRows } from '../src/index.ts';

describe('splitRows', () => {
  it('partitions the rows, reproducibly from the seed (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.double({ min: 0, max: 0.45, noNaN: true }),
        fc.double({ min: 0, max: 0.45, noNaN: true }),
        fc.integer({ min: 1, max: 1e6 }),
        (n, test, validation, seed) => {
          const s = splitRows({ size: n, test, validation, seed });
          const all = [...s.train, ...s.validation, ...s.test].sort((a, b) => a - b);
          expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
          expect(s.test.length).toBe(Math.round(test * n));
          expect(s.validation.length).toBe(Math.round(validation * n));
          expect(splitRows({ size: n, test, validation, seed })).toEqual(s);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('stratifies: each label keeps round(fraction · count) test rows', () => {
    // 100 rows of label 0, 30 of label 1, 10 unlabelled (NaN): test 0.2 → 20 + 6 + 2 rows
    const labels = [
      ...Array<number>(100).fill(0),
      ...Array<number>(30).fill(1),
      ...Array<number>(10).fill(NaN),
    ];
    const s = splitRows({ size: labels.length, test: 0.2, seed: 3, stratify: labels });
    const count = (rows: number[], pred: (v: number) => boolean): number =>
      rows.filter((r) => pred(labels[r]!)).length;
    expect(count(s.test, (v) => v === 0)).toBe(20);
    expect(count(s.test, (v) => v === 1)).toBe(6);
    expect(count(s.test, Number.isNaN)).toBe(2);
    expect(splitRows({ size: labels.length, test: 0.2, seed: 4, stratify: labels }).test).not.toEqual(s.test);
  });

  it('rejects fractions that sum to 1 or more', () => {
    expect(() => splitRows({ size: 10, test: 0.5, validation: 0.5, seed: 1 })).toThrow(/sum below 1/);
  });
});

describe('kFold', () => {
  it('holds out every row exactly once (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 200 }),
        fc.integer({ min: 2, max: 10 }),
        fc.integer({ min: 1, max: 1e6 }),
        (n, k0, seed) => {
          const k = Math.min(k0, n);
          const folds = kFold({ size: n, k, seed });
          expect(folds).toHaveLength(k);
          const held = folds.flatMap((f) => f.validation).sort((a, b) => a - b);
          expect(held).toEqual(Array.from({ length: n }, (_, i) => i));
          for (const f of folds) {
            expect(f.train.length + f.validation.length).toBe(n);
            expect(new Set([...f.train, ...f.validation]).size).toBe(n);
            // sizes differ by at most one: floor(n/k) or ceil(n/k)
            expect(f.validation.length).toBeGreaterThanOrEqual(Math.floor(n / k));
            expect(f.validation.length).toBeLessThanOrEqual(Math.ceil(n / k));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('stratified folds keep label counts within one of count/k', () => {
    const labels = Array.from({ length: 103 }, (_, i) => (i < 61 ? 0 : i < 94 ? 1 : 2)); // 61, 33, 9 rows
    const folds = kFold({ size: labels.length, k: 5, seed: 9, stratify: labels });
    for (const f of folds) {
      for (const [label, total] of [
        [0, 61],
        [1, 33],
        [2, 9],
      ] as const) {
        const c = f.validation.filter((r) => labels[r] === label).length;
        expect(Math.abs(c - total / 5)).toBeLessThanOrEqual(1);
      }
    }
  });
});
