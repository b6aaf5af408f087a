/**
 * Helpers for a user's own loop: per-task gradients, Gramian, combination and the one-call step, checked on
 * linear losses whose gradients are known in closed form.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '@multitask/core';
import {
  combineGradients,
  graddropAggregator,
  gradvacAggregator,
  gramianOf,
  jacobianOf,
  mgdaWeighting,
  pcgradWeighting,
  representationGradients,
  staticWeighting,
  taskGradients,
  unflattenDirection,
  weightedStep,
} from '../src/index.ts';

describe('manual helpers', () => {
  it('taskGradients, gramianOf, combineGradients on linear losses Lₜ = cₜ·v (+ head)', () => {
    const v = tf.tidy(() => tf.variable(tf.tensor1d([0, 0]), true, 'manual-v'));
    const h = tf.tidy(() => tf.variable(tf.scalar(1), true, 'manual-h'));
    const c1 = tf.tensor1d([1, 0]);
    const c2 = tf.tensor1d([0, 2]);
    const { grads, losses } = taskGradients(
      [() => tf.sum(tf.mul(v, c1)), () => tf.add(tf.sum(tf.mul(v, c2)), tf.mul(h, 3))],
      [v, h],
    );
    expect(losses).toEqual([0, 3]);
    expect(Array.from(grads[0]!['manual-v']!.dataSync())).toEqual([1, 0]);
    expect(Array.from(grads[1]!['manual-h']!.dataSync())).toEqual([3]);
    // G over [v, h]: g₁ = (1, 0 | 0), g₂ = (0, 2 | 3) → [[1, 0], [0, 13]] (task 1 has no gradient for h: zero)
    expect(gramianOf(grads)).toEqual([
      [1, 0],
      [0, 13],
    ]);
    const combined = combineGradients(grads, [0.5, 2]);
    expect(Array.from(combined['manual-v']!.dataSync())).toEqual([0.5, 4]);
    expect(Array.from(combined['manual-h']!.dataSync())).toEqual([6]);
    const j = jacobianOf(grads);
    expect(j.shape).toEqual([2, 3]);
    const dir = tf.tensor1d([1, 2, 3]);
    const back = unflattenDirection(dir, grads);
    expect(Array.from(back['manual-h']!.dataSync())).toEqual([1]);
    expect(Array.from(back['manual-v']!.dataSync())).toEqual([2, 3]);
    expect(() => combineGradients(grads, [1])).toThrow(/one weight per task/);
    tf.dispose([v, h, c1, c2, j, dir, ...Object.values(combined), ...Object.values(back)]);
    grads.forEach((g) => tf.dispose(g));
  });

  it('representationGradients returns ∂Lₜ/∂z per task', () => {
    const z = tf.tensor2d([[1, 2]]);
    const [a, b] = representationGradients([(x) => tf.sum(x), (x) => tf.sum(tf.square(x))], z);
    expect(Array.from(a!.dataSync())).toEqual([1, 1]);
    expect(Array.from(b!.dataSync())).toEqual([2, 4]);
    tf.dispose([z, a!, b!]);
  });

  it('weightedStep with MGDA applies Σ wₜgₜ to shared variables and wₜ-weighted head gradients', () => {
    // g₁ = (1, 0), g₂ = (0, 2) → MGDA w = (0.8, 0.2) (two-task closed form: 4/(1+4)); SGD(1) from 0 → −(0.8, 0.4)
    const v = tf.tidy(() => tf.variable(tf.tensor1d([0, 0])));
    const h1 = tf.tidy(() => tf.variable(tf.scalar(0)));
    const h2 = tf.tidy(() => tf.variable(tf.scalar(0)));
    const c1 = tf.tensor1d([1, 0]);
    const c2 = tf.tensor1d([0, 2]);
    const opt = tf.train.sgd(1);
    const r = weightedStep(
      mgdaWeighting(),
      [() => tf.add(tf.sum(tf.mul(v, c1)), h1), () => tf.add(tf.sum(tf.mul(v, c2)), tf.mul(h2, 5))],
      [v],
      opt,
      { taskVariables: [[h1], [h2]] },
    );
    expect(r.weights![0]).toBeCloseTo(0.8, 6);
    const got = Array.from(v.dataSync());
    expect(got[0]).toBeCloseTo(-0.8, 5);
    expect(got[1]).toBeCloseTo(-0.4, 5);
    expect(h1.dataSync()[0]).toBeCloseTo(-0.8, 5); // weighted head gradient w₁·1
    expect(h2.dataSync()[0]).toBeCloseTo(-1, 5); // w₂·5
    opt.dispose();
    tf.dispose([v, h1, h2, c1, c2]);
  });

  it('weightedStep runs PCGrad, GradVac and a loss weighting without leaking, and rejects representation-only strategies', () => {
    const v = tf.tidy(() => tf.variable(tf.tensor1d([0.5, -0.5])));
    const c1 = tf.tensor1d([1, 0.2]);
    const c2 = tf.tensor1d([-1, 1]);
    const fns = [
      (): tf.Scalar => tf.sum(tf.square(tf.sub(v, c1))),
      (): tf.Scalar => tf.sum(tf.square(tf.sub(v, c2))),
    ];
    const opt = tf.train.sgd(0.05);
    for (const s of [pcgradWeighting(), gradvacAggregator(), staticWeighting()]) {
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) weightedStep(s, fns, [v], opt, { rng: new Rng(i + 1) });
      expect(tf.memory().numTensors).toBe(before);
      s.dispose();
    }
    expect(() => weightedStep(graddropAggregator(), fns, [v], opt)).toThrow(/representation/);
    opt.dispose();
    tf.dispose([v, c1, c2]);
  });
});
