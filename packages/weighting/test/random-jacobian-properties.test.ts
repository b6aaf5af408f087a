/**
 * Property suite over random Jacobians (issue 12): T = 2–10, n = 1–60, row norms spread over up to 8 decades,
 * zero rows, duplicate rows, n < T. Every Gramian / Jacobian built-in returns finite weights, never throws on a
 * PSD input, and never returns a zero update while some task has a gradient, unless its maths calls for zero
 * (MGDA when a gradient is zero or 0 is in the hull of dependent gradients; any method on dependent gradients
 * may legitimately cancel, so the non-zero check is made where the non-zero rows are linearly independent).
 * Seeded, so a failure replays.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, type GradientContext } from '@multitask/core';
import { builtinWeightings } from '../src/index.ts';
import { gram, quad, spreadJacobian } from './support/optimality.ts';

interface Problem {
  readonly rows: number[][];
  /** The non-zero rows are linearly independent (no duplicates, n ≥ their count). */
  readonly independent: boolean;
  readonly hasZeroRow: boolean;
  readonly t: number;
}

const problem = fc
  .record({
    t: fc.integer({ min: 2, max: 10 }),
    n: fc.integer({ min: 1, max: 60 }),
    decades: fc.double({ min: 0, max: 8, noNaN: true }),
    zeroRows: fc.integer({ min: 0, max: 2 }),
    duplicates: fc.integer({ min: 0, max: 2 }),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .map(({ t, n, decades, zeroRows, duplicates, seed }): Problem => {
    const rows = spreadJacobian(new Rng(seed), t, n, decades, { zeroRows, duplicates });
    const nonZero = rows.filter((r) => r.some((x) => x !== 0)).length;
    return {
      rows,
      t,
      hasZeroRow: nonZero < t,
      independent: duplicates === 0 && nonZero <= n && nonZero > 0,
    };
  });

const context = (t: number, seed: number): GradientContext => ({
  step: 0,
  epoch: 0,
  tasks: Array.from({ length: t }, (_, i) => `t${i}`),
  rng: new Rng(seed),
  losses: Array.from({ length: t }, (_, i) => 1 + i / t),
  mode: 'parameters',
});

const strategies = Object.entries(builtinWeightings)
  .map(([name, make]) => [name, make()] as const)
  .filter(([, s]) => s.family !== 'loss');

describe('every Gramian / Jacobian built-in on random Jacobians', () => {
  it('covers every non-loss built-in', () => {
    expect(strategies.map(([n]) => n).sort()).toEqual(
      Object.keys(builtinWeightings)
        .filter((n) => builtinWeightings[n]!().family !== 'loss')
        .sort(),
    );
  });

  for (const [name, strategy] of strategies) {
    it(`${name}: finite weights, no exception, a non-zero update where the maths does not call for zero`, () => {
      const runs = strategy.family === 'jacobian' ? 40 : 150;
      fc.assert(
        fc.property(problem, (p) => {
          const ctx = context(p.t, 7);
          const g = gram(p.rows);
          let norm2: number;
          if (strategy.family === 'gramian') {
            const w = strategy.weights(g, ctx);
            expect(w).toHaveLength(p.t);
            expect(w.every(Number.isFinite)).toBe(true);
            norm2 = quad(g, w);
          } else if (strategy.family === 'jacobian') {
            const d = tf.tidy(() => strategy.aggregate(tf.tensor2d(p.rows), ctx));
            const values = Array.from(d.dataSync());
            d.dispose();
            expect(values.every(Number.isFinite)).toBe(true);
            norm2 = values.reduce((a, x) => a + x * x, 0);
          } else return;
          const mathsMayGiveZero = name === 'mgda' && p.hasZeroRow;
          if (p.independent && !mathsMayGiveZero) expect(norm2).toBeGreaterThan(0);
        }),
        { seed: 12, numRuns: runs },
      );
    });
  }
});
