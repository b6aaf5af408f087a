import * as tf from '@tensorflow/tfjs-core';
import { isMultitaskError, Rng } from '@multitask/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinWeightings, randomLossWeighting } from '../src/index.ts';

describe('randomLossWeighting (RLW)', () => {
  it('draws λ = softmax(ε), ε ~ N(0, 1) from context.rng, and returns Σ λₜLₜ (golden, from the same seed)', () => {
    // The expected weights are computed here from the definition with a second Rng of the same seed:
    // ε = (rng.normal() ×3), λₜ = exp(εₜ)/Σ exp(εⱼ).
    const ref = new Rng(42);
    const eps = [ref.normal(), ref.normal(), ref.normal()];
    const den = eps.reduce((a, e) => a + Math.exp(e), 0);
    const lambda = eps.map((e) => Math.exp(e) / den);
    const s = randomLossWeighting();
    const tasks = ['a', 'b', 'c'];
    expect(s.currentWeights!(tasks)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    const total = tf.tidy(
      () =>
        s
          .combine([tf.scalar(1), tf.scalar(10), tf.scalar(100)], {
            step: 0,
            epoch: 0,
            tasks,
            rng: new Rng(42),
          })
          .dataSync()[0]!,
    );
    const w = s.currentWeights!(tasks);
    lambda.forEach((l, i) => expect(w[i]).toBeCloseTo(l, 12));
    expect(total).toBeCloseTo(lambda[0]! + 10 * lambda[1]! + 100 * lambda[2]!, 4);
  });

  it('gives positive weights that sum to 1, reproducible per seed (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer(), (T, seed) => {
        const tasks = Array.from({ length: T }, (_, i) => `t${i}`);
        const draw = () => {
          const s = randomLossWeighting();
          tf.tidy(() => {
            s.combine(
              tasks.map(() => tf.scalar(1)),
              { step: 0, epoch: 0, tasks, rng: new Rng(seed) },
            );
          });
          return s.currentWeights!(tasks);
        };
        const w = draw();
        expect(w.every((x) => x > 0)).toBe(true);
        expect(Math.abs(w.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
        expect(draw()).toEqual(w);
      }),
      { numRuns: 30 },
    );
  });

  it('has mean weight 1/T over many steps (E[softmax(ε)ₜ] = 1/T by symmetry)', () => {
    // 2000 draws, T = 4: each λₜ has standard deviation < 0.5, so the mean's standard error is < 0.011; ±0.05 is > 4σ.
    const s = randomLossWeighting();
    const tasks = ['a', 'b', 'c', 'd'];
    const rng = new Rng(3);
    const sums = [0, 0, 0, 0];
    const ones = tasks.map(() => tf.scalar(1));
    for (let i = 0; i < 2000; i++) {
      tf.dispose(s.combine(ones, { step: i, epoch: 0, tasks, rng }));
      s.currentWeights!(tasks).forEach((w, k) => (sums[k]! += w));
    }
    tf.dispose(ones);
    sums.forEach((x) => expect(Math.abs(x / 2000 - 0.25)).toBeLessThan(0.05));
  });

  it('round-trips its state and rejects a wrong number of losses', () => {
    const s = randomLossWeighting();
    const tasks = ['a', 'b'];
    tf.tidy(() => {
      s.combine([tf.scalar(1), tf.scalar(2)], { step: 0, epoch: 0, tasks, rng: new Rng(5) });
    });
    const t = randomLossWeighting();
    t.load(JSON.parse(JSON.stringify(s.state())));
    expect(t.currentWeights!(tasks)).toEqual(s.currentWeights!(tasks));
    expect(builtinWeightings.rlw).toBe(randomLossWeighting);
    let code = '';
    try {
      tf.tidy(() => s.combine([tf.scalar(1)], { step: 0, epoch: 0, tasks, rng: new Rng(5) }));
    } catch (e) {
      code = isMultitaskError(e) ? e.code : 'other';
    }
    expect(code).toBe('SHAPE_MISMATCH');
  });
});
