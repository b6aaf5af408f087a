import * as tf from '@tensorflow/tfjs-core';
import { isMultitaskError, Rng } from '@multitask/core';
import { describe, expect, it } from 'vitest';
import { staticWeighting } from '../src/index.ts';

describe('staticWeighting', () => {
  it('returns Σ wₜLₜ with unlisted tasks at weight 1 (golden values)', () => {
    // weights {a: 0.5, c: 3}, L = (2, 4, 6) for (a, b, c): 0.5·2 + 1·4 + 3·6 = 23; ∂/∂Lₜ = wₜ = (0.5, 1, 3).
    const s = staticWeighting({ weights: { a: 0.5, c: 3 } });
    const tasks = ['a', 'b', 'c'];
    const { total, grads } = tf.tidy(() => {
      const losses = [2, 4, 6].map((v) => tf.scalar(v));
      const f = (...ls: tf.Tensor[]) =>
        s.combine(ls as tf.Scalar[], { step: 0, epoch: 0, tasks, rng: new Rng(1) });
      return {
        total: f(...losses).dataSync()[0]!,
        grads: tf
          .grads(f)(losses)
          .map((g) => g.dataSync()[0]!),
      };
    });
    expect(total).toBeCloseTo(23, 5);
    expect(grads).toEqual([0.5, 1, 3]);
    expect(s.currentWeights!(tasks)).toEqual([0.5, 1, 3]);
    expect(s.getConfig()).toEqual({ weights: { a: 0.5, c: 3 } });
  });

  it('rejects a negative weight naming the option, and a wrong number of losses', () => {
    const codeOf = (f: () => unknown): unknown[] => {
      try {
        f();
      } catch (e) {
        return isMultitaskError(e) ? [e.code, e.details.option] : ['other'];
      }
      return ['none'];
    };
    expect(codeOf(() => staticWeighting({ weights: { a: -1 } }))).toEqual(['INVALID_OPTION', 'weights']);
    const s = staticWeighting();
    expect(
      codeOf(() =>
        tf.tidy(() => s.combine([tf.scalar(1)], { step: 0, epoch: 0, tasks: ['a', 'b'], rng: new Rng(1) })),
      )[0],
    ).toBe('SHAPE_MISMATCH');
  });
});
