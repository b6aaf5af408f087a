import * as tf from '@tensorflow/tfjs-core';
import { Rng, type StepContext } from '@multitask/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import { builtinWeightings, geometricLossWeighting } from '../src/index.ts';

const ctx = (tasks: string[]): StepContext => ({ step: 0, epoch: 0, tasks, rng: new Rng(1) });

function evaluate(values: number[], epsilon?: number): { total: number; grads: number[] } {
  const s = geometricLossWeighting(epsilon === undefined ? {} : { epsilon });
  const tasks = values.map((_, i) => `t${i}`);
  return tf.tidy(() => {
    const losses = values.map((v) => tf.scalar(v));
    const f = (...ls: tf.Tensor[]) => s.combine(ls as tf.Scalar[], ctx(tasks));
    return {
      total: f(...losses).dataSync()[0]!,
      grads: tf
        .grads(f)(losses)
        .map((g) => g.dataSync()[0]!),
    };
  });
}

describe('geometricLossWeighting (GLS)', () => {
  it('returns (Π Lₜ)^{1/T} and gradients G/(T·Lₜ) (golden values)', () => {
    // L = (1, 4, 16): Π = 64, G = 64^{1/3} = 4; ∂G/∂Lₜ = G/(3·Lₜ) = (4/3, 1/3, 1/12).
    const r = evaluate([1, 4, 16]);
    expect(r.total).toBeCloseTo(4, 5);
    [4 / 3, 1 / 3, 1 / 12].forEach((g, i) => expect(r.grads[i]).toBeCloseTo(g, 5));
    // L = (2, 8): G = √16 = 4; gradients (4/(2·2), 4/(2·8)) = (1, 0.25).
    const q = evaluate([2, 8]);
    expect(q.total).toBeCloseTo(4, 5);
    expect(q.grads[0]).toBeCloseTo(1, 5);
    expect(q.grads[1]).toBeCloseTo(0.25, 5);
    // One task: the loss itself.
    expect(evaluate([0.7]).total).toBeCloseTo(0.7, 6);
  });

  it('is homogeneous of degree 1 in the losses and never above their arithmetic mean (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1e-3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 6 }),
        fc.double({ min: 1e-2, max: 1e2, noNaN: true }),
        (ls, k) => {
          const g = evaluate(ls).total;
          const gk = evaluate(ls.map((l) => l * k)).total;
          expect(Math.abs(gk - k * g)).toBeLessThanOrEqual(1e-4 * k * g);
          const mean = ls.reduce((a, b) => a + b, 0) / ls.length;
          expect(g).toBeLessThanOrEqual(mean * (1 + 1e-5));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('stays finite with a zero loss (floored at ε) and reports effective weights after a step', () => {
    const r = evaluate([0, 4]);
    // exp((ln 1e-12 + ln 4)/2) = √(4e-12) = 2e-6
    expect(r.total).toBeCloseTo(2e-6, 8);
    expect(r.grads.every(Number.isFinite)).toBe(true);
    const s = geometricLossWeighting();
    expect(s.currentWeights!(['a', 'b'])).toEqual([0.5, 0.5]);
    s.afterStep!({ ...ctx(['a', 'b']), losses: [2, 8] });
    const w = s.currentWeights!(['a', 'b']);
    expect(w[0]).toBeCloseTo(1, 10);
    expect(w[1]).toBeCloseTo(0.25, 10);
    const t = geometricLossWeighting();
    t.load(JSON.parse(JSON.stringify(s.state())));
    expect(t.currentWeights!(['a', 'b'])).toEqual(w);
    expect(builtinWeightings.gls).toBe(geometricLossWeighting);
  });

  it('rejects a bad epsilon naming the option', async () => {
    await expectMultitaskError(() => geometricLossWeighting({ epsilon: -1 }), 'INVALID_OPTION', undefined, {
      option: 'epsilon',
    });
  });
});
