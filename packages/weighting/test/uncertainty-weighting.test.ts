import * as tf from '@tensorflow/tfjs-core';
import { isMultitaskError, Rng, type StepContext } from '@multitask/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinWeightings, uncertaintyWeighting } from '../src/index.ts';
import { evaluateUncertainty as evaluate } from './support/uncertainty-evaluate.ts';

const ctx = (tasks: string[], step = 0): StepContext => ({ step, epoch: 0, tasks, rng: new Rng(1) });

describe('uncertaintyWeighting', () => {
  it('matches the closed form Σ exp(−sᵢ)Lᵢ + sᵢ and its gradients (golden values)', () => {
    // s = (0, ln 4), L = (2, 8):
    //   total = e⁰·2 + 0 + e^{−ln 4}·8 + ln 4 = 2 + 2 + ln 4 = 4 + 1.3862944 = 5.3862944
    //   ∂/∂Lᵢ = exp(−sᵢ) = (1, 1/4)
    //   ∂/∂sᵢ = 1 − exp(−sᵢ)Lᵢ = (1 − 2, 1 − 2) = (−1, −1)
    const s = uncertaintyWeighting({ tasks: ['a', 'b'] });
    try {
      s.load({ logVariances: { a: 0, b: Math.log(4) } });
      const r = evaluate(s, [2, 8], ['a', 'b']);
      expect(r.total).toBeCloseTo(5.3862944, 5);
      expect(r.dLoss[0]).toBeCloseTo(1, 6);
      expect(r.dLoss[1]).toBeCloseTo(0.25, 6);
      expect(r.dS[0]).toBeCloseTo(-1, 5);
      expect(r.dS[1]).toBeCloseTo(-1, 5);
      // σ = exp(s/2) = (1, 2); reported weights exp(−s) = 1/σ² = (1, 1/4).
      expect(s.sigmas().a).toBeCloseTo(1, 6);
      expect(s.sigmas().b).toBeCloseTo(2, 6);
      expect(s.currentWeights(['b', 'a'])).toEqual([expect.closeTo(0.25, 6), expect.closeTo(1, 6)]);
    } finally {
      s.dispose();
    }
  });

  it('starts as the plain sum: s = 0 gives total ΣLᵢ and weights 1', () => {
    const s = uncertaintyWeighting();
    try {
      const r = evaluate(s, [0.5, 3, 7], ['x', 'y', 'z']);
      expect(r.total).toBeCloseTo(10.5, 5);
      expect(s.currentWeights(['x', 'y', 'z'])).toEqual([1, 1, 1]);
    } finally {
      s.dispose();
    }
  });

  it('equals the closed form for random log-variances and losses (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: 0, max: 50, noNaN: true })),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        (pairs) => {
          const tasks = pairs.map((_, i) => `t${i}`);
          const s = uncertaintyWeighting();
          try {
            s.load({ logVariances: Object.fromEntries(pairs.map(([sv], i) => [`t${i}`, sv])) });
            const expected = pairs.reduce((acc, [sv, l]) => acc + Math.exp(-sv) * l + sv, 0);
            const got = evaluate(
              s,
              pairs.map(([, l]) => l),
              tasks,
            ).total;
            expect(Math.abs(got - expected)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(expected)));
          } finally {
            s.dispose();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('gradient descent on s reaches the stationary point σ² = L for fixed losses', () => {
    // d/ds (e^{−s}L + s) = 1 − e^{−s}L = 0  ⇔  s = ln L  ⇔  σ = √L. For L = (9, 0.25): σ = (3, 0.5).
    const s = uncertaintyWeighting({ tasks: ['a', 'b'] });
    const opt = tf.train.sgd(0.1);
    try {
      for (let i = 0; i < 300; i++) {
        tf.tidy(() => {
          const { grads } = tf.variableGrads(
            () => s.combine([tf.scalar(9), tf.scalar(0.25)], ctx(['a', 'b'], i)),
            [...s.variables],
          );
          opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
        });
      }
      expect(s.sigmas().a).toBeCloseTo(3, 3);
      expect(s.sigmas().b).toBeCloseTo(0.5, 3);
    } finally {
      opt.dispose();
      s.dispose();
    }
  });

  it('creates the variables eagerly with `tasks`, lazily otherwise, with the initial log-variance', () => {
    const eager = uncertaintyWeighting({ tasks: ['a', 'b'], initialLogVariance: Math.log(9) });
    const lazy = uncertaintyWeighting();
    try {
      expect(eager.variables).toHaveLength(2);
      expect(eager.sigmas().a).toBeCloseTo(3, 5);
      expect(lazy.variables).toHaveLength(0);
      expect(lazy.currentWeights(['q'])).toEqual([1]);
      tf.tidy(() => {
        lazy.combine([tf.scalar(1), tf.scalar(2)], ctx(['p', 'q']));
      });
      expect(lazy.variables).toHaveLength(2);
      expect(Object.keys(lazy.sigmas())).toEqual(['p', 'q']);
      expect(lazy.variables.every((v) => v.trainable)).toBe(true);
    } finally {
      eager.dispose();
      lazy.dispose();
    }
    expect(eager.variables).toHaveLength(0);
  });

  it('round-trips its state and config through JSON', () => {
    const a = uncertaintyWeighting({ tasks: ['a', 'b'], initialLogVariance: 0.5 });
    const b = uncertaintyWeighting();
    try {
      a.load({ logVariances: { a: 1.25, b: -0.5 } });
      b.load(JSON.parse(JSON.stringify(a.state())));
      expect(b.state()).toEqual({ logVariances: { a: 1.25, b: -0.5 } });
      expect(a.getConfig()).toEqual({ initialLogVariance: 0.5, tasks: ['a', 'b'] });
      expect(builtinWeightings.uncertainty).toBe(uncertaintyWeighting);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('rejects bad options, bad states and a wrong number of losses with MultitaskErrors', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isMultitaskError(e) ? [e.code, e.details.option] : ['not a MultitaskError'];
      }
      return ['no error'];
    };
    expect(code(() => uncertaintyWeighting({ initialLogVariance: Number.NaN }))).toEqual([
      'INVALID_OPTION',
      'initialLogVariance',
    ]);
    expect(code(() => uncertaintyWeighting({ tasks: ['a', 'a'] }))).toEqual(['INVALID_OPTION', 'tasks']);
    const s = uncertaintyWeighting();
    try {
      expect(code(() => s.load({ logVariances: { a: 'x' } }))).toEqual(['CHECKPOINT_ERROR', undefined]);
      expect(code(() => s.load(null))).toEqual(['CHECKPOINT_ERROR', undefined]);
      expect(code(() => tf.tidy(() => s.combine([tf.scalar(1)], ctx(['a', 'b']))))).toEqual([
        'SHAPE_MISMATCH',
        undefined,
      ]);
    } finally {
      s.dispose();
    }
  });
});
