/**
 * Training-level check of `uncertaintyWeighting` on the toy problem of Kendall, Gal & Cipolla (2018): two
 * regression tasks on one input, y₁ = 2x + 8 + 10ε₁ and y₂ = 3x + 3 + ε₂ (x, ε ~ N(0, 1) from core's Rng,
 * N = 100), a shared Dense(1024, relu) layer and two linear heads (stored as the two columns of one [1024, 2]
 * matrix: column k only ever sees task k's loss), trained full-batch with a hand-written tfjs loop
 * (tf.variableGrads + Adam).
 *
 * Parametrisation: sₜ = log σₜ², total Σ exp(−sₜ)·MSEₜ + sₜ, σₜ = exp(sₜ/2). Expected values, from the definition:
 * the minimiser in sₜ is exp(sₜ) = MSEₜ, i.e. σₜ = √MSEₜ. A model that fits the means leaves the noise as
 * residual, so σ₁ → std(10ε₁) ≈ 10 and σ₂ → std(ε₂) ≈ 1 (with N = 100 the sample standard deviation is within
 * about ±15 % of the true one, and the fit absorbs a little of the noise). Acceptance: σ₁ ∈ [7, 11],
 * σ₂ ∈ [0.7, 1.3].
 *
 * Optimizer: Adam(0.1, β₁ = 0.5, β₂ = 0.9). The log-variance gradient 1 − exp(−s)·MSE starts near −100 and
 * shrinks as s grows; with the default β₂ = 0.999 the memory of those first large gradients slows s to a
 * fraction of the step size for hundreds of steps, so a short memory lets σ₁ reach its stationary point within
 * ~150 steps (measured: σ = (9.63, 1.20) at step 150, (9.67, 1.14) at step 200 with this seed).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@multitask/core';
import { describe, expect, it } from 'vitest';
import { uncertaintyWeighting } from '../src/index.ts';

describe('uncertainty weighting on Kendall et al.’s toy problem', () => {
  it('learns σ₁ ≈ 10 and σ₂ ≈ 1 (the noise levels of the two tasks)', () => {
    const rng = new Rng(2018);
    const N = 100;
    const H = 1024;
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < N; i++) {
      const x = rng.normal();
      xs.push(x);
      ys.push(2 * x + 8 + 10 * rng.normal(), 3 * x + 3 + rng.normal());
    }
    const x = tf.tensor2d(xs, [N, 1]);
    const y = tf.tensor2d(ys, [N, 2]);
    // He-normal init for the relu layer (std √(2/fan_in), fan_in = 1), std √(1/H) for the heads.
    const w1 = tf.tidy(() =>
      tf.variable(tf.mul(tf.randomNormal([1, H], 0, 1, 'float32', rng.opSeed()), Math.sqrt(2))),
    );
    const b1 = tf.tidy(() => tf.variable(tf.zeros([H])));
    const wHeads = tf.tidy(() =>
      tf.variable(tf.randomNormal([H, 2], 0, Math.sqrt(1 / H), 'float32', rng.opSeed())),
    );
    const bHeads = tf.tidy(() => tf.variable(tf.zeros([2])));
    const tasks = ['t1', 't2'];
    const strategy = uncertaintyWeighting({ tasks });
    const optimizer = tf.train.adam(0.1, 0.5, 0.9);
    const varList = [w1, b1, wHeads, bHeads, ...strategy.variables];
    const started = performance.now();
    try {
      for (let step = 0; step < 180; step++) {
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => {
            const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
            const perTask = tf.mean(tf.square(tf.sub(tf.add(tf.matMul(h, wHeads), bHeads), y)), 0);
            const losses = tf.unstack(perTask) as tf.Scalar[];
            return strategy.combine(losses, { step, epoch: 0, tasks, rng });
          }, varList);
          optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
        });
      }
      const sigmas = strategy.sigmas();
      const ms = ((performance.now() - started) / 180).toFixed(1);
      console.log(
        `Kendall toy after 180 steps (${ms} ms/step): σ₁ = ${sigmas.t1!.toFixed(3)}, σ₂ = ${sigmas.t2!.toFixed(3)}`,
      );
      expect(sigmas.t1).toBeGreaterThanOrEqual(7);
      expect(sigmas.t1).toBeLessThanOrEqual(11);
      expect(sigmas.t2).toBeGreaterThanOrEqual(0.7);
      expect(sigmas.t2).toBeLessThanOrEqual(1.3);
      // The reported weights are exp(−s) = 1/σ².
      const [wa, wb] = strategy.currentWeights(tasks);
      expect(wa).toBeCloseTo(1 / sigmas.t1! ** 2, 6);
      expect(wb).toBeCloseTo(1 / sigmas.t2! ** 2, 6);
    } finally {
      optimizer.dispose();
      strategy.dispose();
      tf.dispose([x, y, w1, b1, wHeads, bHeads]);
    }
  });
});
