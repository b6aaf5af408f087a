import { isMultitaskError, Rng, type GradientContext } from '@multitask/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinWeightings, gradNormWeighting } from '../src/index.ts';

const ctx = (tasks: string[], losses: number[], step = 0): GradientContext => ({
  step,
  epoch: 0,
  tasks,
  rng: new Rng(1),
  losses,
  mode: 'representation',
});

function errorOf(f: () => unknown): [string, unknown] {
  try {
    f();
  } catch (e) {
    return isMultitaskError(e) ? [e.code, e.details.option] : ['not a MultitaskError', undefined];
  }
  return ['no error', undefined];
}

const tasks = ['a', 'b'];
const G = [
  [4, 1],
  [1, 1],
];

describe('gradNormWeighting (GradNorm)', () => {
  it('declares the Gramian family, both modes and weighted head gradients', () => {
    const s = gradNormWeighting();
    expect(s.family).toBe('gramian');
    expect(s.modes).toEqual(['representation', 'parameters']);
    expect(s.headGradients).toBe('weighted');
    expect(builtinWeightings.gradnorm).toBe(gradNormWeighting);
  });

  it('takes the paper’s L1 gradient step and renormalises (golden values, two steps)', () => {
    const s = gradNormWeighting({ learningRate: 0.1 });
    // Step 0: w = (1, 1); Gᵢ = √diag = (2, 1); L(0) = L ⇒ L̃ = (1, 1), r = (1, 1).
    //   norms wᵢGᵢ = (2, 1); Ḡ = 1.5; target = Ḡ·r^α = (1.5, 1.5).
    //   ∂/∂wᵢ = sign(wᵢGᵢ − targetᵢ)·Gᵢ = (+2, −1); w − 0.1·grad = (0.8, 1.1); ×2/1.9 = (16/19, 22/19).
    expect(s.weights(G, ctx(tasks, [1, 1], 0))).toEqual([1, 1]);
    const w1 = s.currentWeights(tasks);
    expect(w1[0]).toBeCloseTo(16 / 19, 12);
    expect(w1[1]).toBeCloseTo(22 / 19, 12);
    // Step 1: L = (0.5, 0.25) ⇒ L̃ = (0.5, 0.25), mean 0.375, r = (4/3, 2/3); α = 1.5.
    //   norms = (32/19, 22/19) = (1.6842105, 1.1578947); Ḡ = 27/19 = 1.4210526;
    //   target = Ḡ·r^1.5 = (1.4210526·1.5396007, 1.4210526·0.5443311) = (2.1878537, 0.7735231).
    //   signs (−, +) ⇒ grad = (−2, +1); w = (16/19 + 0.2, 22/19 − 0.1) = (1.0421053, 1.0578947), sum 2.1
    //   ⇒ ×2/2.1 = (0.9924812, 1.0075188).
    const out = s.weights(G, ctx(tasks, [0.5, 0.25], 1));
    expect(out[0]).toBeCloseTo(16 / 19, 12);
    expect(out[1]).toBeCloseTo(22 / 19, 12);
    const w2 = s.currentWeights(tasks);
    expect(w2[0]).toBeCloseTo(0.9924812, 7);
    expect(w2[1]).toBeCloseTo(1.0075188, 7);
  });

  it('with α = 0 the target is Ḡ whatever the losses', () => {
    // r^0 = 1: the first step is the same as in the golden test above, even with very different losses.
    const s = gradNormWeighting({ alpha: 0, learningRate: 0.1 });
    s.weights(G, ctx(tasks, [1, 1], 0));
    s.weights(G, ctx(tasks, [100, 0.001], 1));
    // Step 2 from w = (16/19, 22/19): norms (32/19, 22/19), Ḡ = 27/19, signs (+, −) ⇒ grad (2, −1)
    //   ⇒ (16/19 − 0.2, 22/19 + 0.1) = (0.6421053, 1.2578947), sum 1.9 ⇒ ×2/1.9 = (0.6759003, 1.3240997).
    const w = s.currentWeights(tasks);
    expect(w[0]).toBeCloseTo(0.6759003, 7);
    expect(w[1]).toBeCloseTo(1.3240997, 7);
  });

  it('stays put at its fixed point (equal norms, equal training rates)', () => {
    const s = gradNormWeighting();
    for (let i = 0; i < 5; i++)
      expect(
        s.weights(
          [
            [2, 0.5],
            [0.5, 2],
          ],
          ctx(tasks, [1 / (i + 1), 1 / (i + 1)], i),
        ),
      ).toEqual([1, 1]);
  });

  it('uses given initial losses for the training rates', () => {
    // L(0) = (2, 1), L = (1, 1) ⇒ L̃ = (0.5, 1), r = (2/3, 4/3); G = I ⇒ norms (1, 1), Ḡ = 1;
    // target = ((2/3)^1.5, (4/3)^1.5) = (0.544, 1.540) ⇒ signs (+, −), grad (1, −1) ⇒ (0.9, 1.1), sum 2.
    const s = gradNormWeighting({ learningRate: 0.1, initialLosses: { a: 2 } });
    s.weights(
      [
        [1, 0],
        [0, 1],
      ],
      ctx(tasks, [1, 1]),
    );
    const w = s.currentWeights(tasks);
    expect(w[0]).toBeCloseTo(0.9, 12);
    expect(w[1]).toBeCloseTo(1.1, 12);
  });

  it('with Adam, moves each weight by ≈ learningRate on the first step', () => {
    // grad = (+2, −1) as in the golden test; Adam's first step is lr·sign(grad) ⇒ (0.9, 1.1), sum 2.
    const s = gradNormWeighting({ learningRate: 0.1, weightOptimizer: 'adam' });
    s.weights(G, ctx(tasks, [1, 1]));
    const w = s.currentWeights(tasks);
    expect(w[0]).toBeCloseTo(0.9, 6);
    expect(w[1]).toBeCloseTo(1.1, 6);
  });

  it('keeps positive, finite weights that sum to T over random problems (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer(),
        fc.double({ min: 1e-3, max: 10, noNaN: true }),
        (T, seed, lr) => {
          const rng = new Rng(seed);
          const names = Array.from({ length: T }, (_, i) => `t${i}`);
          const s = gradNormWeighting({ learningRate: lr });
          for (let step = 0; step < 6; step++) {
            const rows = names.map(() =>
              Array.from({ length: 4 }, () => rng.normal() * 10 ** (rng.next() * 4 - 2)),
            );
            const gram = rows.map((r) => rows.map((q) => r.reduce((acc, x, k) => acc + x * q[k]!, 0)));
            const losses = names.map(() => rng.next() * 5);
            const w = s.weights(gram, ctx(names, losses, step));
            expect(w).toHaveLength(T);
            expect(w.every((x) => x > 0 && Number.isFinite(x))).toBe(true);
            expect(Math.abs(w.reduce((a, b) => a + b, 0) - T)).toBeLessThan(1e-9 * T);
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('round-trips its state (weights and initial losses)', () => {
    const a = gradNormWeighting({ learningRate: 0.1 });
    a.weights(G, ctx(tasks, [1, 2], 0));
    a.weights(G, ctx(tasks, [0.5, 1.9], 1));
    const b = gradNormWeighting({ learningRate: 0.1 });
    b.load(JSON.parse(JSON.stringify(a.state())));
    expect(b.weights(G, ctx(tasks, [0.4, 1.8], 2))).toEqual(a.weights(G, ctx(tasks, [0.4, 1.8], 2)));
    expect(b.state()).toEqual(a.state());
    expect((a.state() as { initialLosses: unknown }).initialLosses).toEqual({ a: 1, b: 2 });
  });

  it('reports bad options, Gramians, losses and states with MultitaskErrors', () => {
    expect(errorOf(() => gradNormWeighting({ alpha: -1 }))).toEqual(['INVALID_OPTION', 'alpha']);
    expect(errorOf(() => gradNormWeighting({ learningRate: 0 }))).toEqual(['INVALID_OPTION', 'learningRate']);
    expect(errorOf(() => gradNormWeighting({ initialLosses: { a: 0 } }))).toEqual([
      'INVALID_OPTION',
      'initialLosses.a',
    ]);
    expect(errorOf(() => gradNormWeighting({ weightOptimizer: 'rmsprop' as 'sgd' }))).toEqual([
      'INVALID_OPTION',
      'weightOptimizer',
    ]);
    const s = gradNormWeighting();
    expect(errorOf(() => s.weights([[1]], ctx(tasks, [1, 1])))[0]).toBe('SHAPE_MISMATCH');
    expect(errorOf(() => s.weights([[1, 0], [0]], ctx(tasks, [1, 1])))[0]).toBe('SHAPE_MISMATCH');
    expect(errorOf(() => s.weights(G, ctx(tasks, [1, Number.NaN])))[0]).toBe('NON_FINITE_LOSS');
    expect(errorOf(() => s.load({ weights: {}, initialLosses: {} }))[0]).toBe('CHECKPOINT_ERROR');
  });
});
