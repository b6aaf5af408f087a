import * as tf from '@tensorflow/tfjs-core';
import { isMultitaskError, Rng, type StepContext } from '@multitask/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinWeightings, famoWeighting, type FamoWeighting } from '../src/index.ts';

const ctx = (tasks: string[], step = 0): StepContext => ({ step, epoch: 0, tasks, rng: new Rng(1) });

function evaluate(s: FamoWeighting, values: number[], tasks: string[]): { total: number; grads: number[] } {
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

function errorOf(f: () => unknown): [string, unknown] {
  try {
    f();
  } catch (e) {
    return isMultitaskError(e) ? [e.code, e.details.option] : ['not a MultitaskError', undefined];
  }
  return ['no error', undefined];
}

describe('famoWeighting (FAMO)', () => {
  it('combines Σ zᵢ log ℓᵢ / c with c = Σ zᵢ/ℓᵢ held constant (golden values)', () => {
    // ξ = 0 ⇒ z = (½, ½). ℓ = (1, 4): c = ½/1 + ½/4 = 0.625; total = (½·ln 1 + ½·ln 4)/0.625 = 0.6931472/0.625
    // = 1.1090355. Gradient = zᵢ/(c·ℓᵢ) = (0.5/0.625, 0.5/2.5) = (0.8, 0.2) — the paper's update weights, sum 1.
    const s = famoWeighting();
    const r = evaluate(s, [1, 4], ['a', 'b']);
    expect(r.total).toBeCloseTo(1.1090355, 5);
    expect(r.grads[0]).toBeCloseTo(0.8, 5);
    expect(r.grads[1]).toBeCloseTo(0.2, 5);
    expect(s.needsLossesAfterStep).toBe(true);
    expect(s.currentWeights(['a', 'b'])).toEqual([0.5, 0.5]);
  });

  it('has loss-gradients equal to (zᵢ/ℓᵢ)/Σⱼ(zⱼ/ℓⱼ) for any logits and losses (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: -2, max: 2, noNaN: true }),
            fc.double({ min: 0.01, max: 100, noNaN: true }),
          ),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        (pairs) => {
          const tasks = pairs.map((_, i) => `t${i}`);
          const s = famoWeighting();
          s.load({
            logits: Object.fromEntries(pairs.map(([x], i) => [`t${i}`, x])),
            adam: { m: {}, v: {}, t: 0 },
            lastLosses: {},
          });
          const ex = pairs.map(([x]) => Math.exp(x));
          const z = ex.map((e) => e / ex.reduce((a, b) => a + b, 0));
          const a = z.map((zi, i) => zi / pairs[i]![1]);
          const expected = a.map((x) => x / a.reduce((p, q) => p + q, 0));
          const { grads } = evaluate(
            s,
            pairs.map(([, l]) => l),
            tasks,
          );
          grads.forEach((g, i) => expect(Math.abs(g - expected[i]!)).toBeLessThan(1e-4));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('updates the logits by ξ ← ξ − β(J_zᵀΔ + γξ) after the step (golden values, sgd)', () => {
    // ℓ = (1, 4) → ℓ' = (0.5, 3): Δ = (ln 2, ln 4/3) = (0.6931472, 0.2876821); z = (½, ½); zᵀΔ = 0.4904146;
    // δ = z ⊙ (Δ − zᵀΔ) = (0.1013663, −0.1013663); γξ = 0; β = 0.1 ⇒ ξ = (−0.0101366, 0.0101366).
    // z' = softmax(ξ) = (1/(1 + e^{0.0202733}), …) = (0.4949319, 0.5050681): task a improved more, so loses weight.
    // Effective weights with the last losses ℓ = (1, 4): (z'ₐ/1, z'_b/4)/Σ = (0.7967365, 0.2032635).
    const s = famoWeighting({ logitOptimizer: 'sgd', logitLearningRate: 0.1, weightDecay: 0 });
    s.afterStep!({ ...ctx(['a', 'b']), losses: [1, 4], lossesAfter: [0.5, 3] });
    const state = s.state() as { logits: Record<string, number> };
    expect(state.logits.a).toBeCloseTo(-0.0101366, 7);
    expect(state.logits.b).toBeCloseTo(0.0101366, 7);
    const z = s.logitWeights(['a', 'b']);
    expect(z[0]).toBeCloseTo(0.4949319, 7);
    expect(z[1]).toBeCloseTo(0.5050681, 7);
    const w = s.currentWeights(['a', 'b']);
    expect(w[0]).toBeCloseTo(0.7967365, 7);
    expect(w[1]).toBeCloseTo(0.2032635, 7);
  });

  it('decays the logits by (1 − βγ) when every task improves equally (δ = 0)', () => {
    // Δ = (ln 2, ln 2) ⇒ δ = z ⊙ (Δ − zᵀΔ) = 0; ξ ← ξ − β·γ·ξ = 0.95·ξ with β = 0.1, γ = 0.5.
    const s = famoWeighting({ logitOptimizer: 'sgd', logitLearningRate: 0.1, weightDecay: 0.5 });
    s.load({ logits: { a: 1, b: -1 }, adam: { m: {}, v: {}, t: 0 }, lastLosses: {} });
    s.afterStep!({ ...ctx(['a', 'b']), losses: [2, 6], lossesAfter: [1, 3] });
    const { logits } = s.state() as { logits: Record<string, number> };
    expect(logits.a).toBeCloseTo(0.95, 10);
    expect(logits.b).toBeCloseTo(-0.95, 10);
  });

  it('takes an Adam step of size ≈ β on the first update (default optimizer)', () => {
    // Adam's first step is β·m̂/(√v̂ + 1e-8) with m̂ = g, v̂ = g², i.e. β·sign(g) up to 1e-8/|g|.
    // Same losses as the sgd golden: g = (0.1013663, −0.1013663) ⇒ ξ = (−0.025, 0.025) with β = 0.025.
    const s = famoWeighting();
    s.afterStep!({ ...ctx(['a', 'b']), losses: [1, 4], lossesAfter: [0.5, 3] });
    const { logits } = s.state() as { logits: Record<string, number> };
    expect(logits.a).toBeCloseTo(-0.025, 6);
    expect(logits.b).toBeCloseTo(0.025, 6);
  });

  it('moves weight to the task whose loss falls more slowly, step after step', () => {
    // Task a's loss falls 10 % per step, task b's 1 %: z_b must grow monotonically.
    const s = famoWeighting();
    let la = 1;
    let lb = 1;
    let prev = 0.5;
    for (let step = 0; step < 50; step++) {
      s.afterStep!({ ...ctx(['a', 'b'], step), losses: [la, lb], lossesAfter: [la * 0.9, lb * 0.99] });
      la *= 0.9;
      lb *= 0.99;
      const zb = s.logitWeights(['a', 'b'])[1]!;
      expect(zb).toBeGreaterThan(prev);
      prev = zb;
    }
    expect(prev).toBeGreaterThan(0.7);
  });

  it('round-trips its state, and reports bad options, missing lossesAfter and bad states', () => {
    const s = famoWeighting();
    s.afterStep!({ ...ctx(['a', 'b']), losses: [1, 2], lossesAfter: [0.9, 1.5] });
    const t = famoWeighting();
    t.load(JSON.parse(JSON.stringify(s.state())));
    expect(t.state()).toEqual(s.state());
    s.afterStep!({ ...ctx(['a', 'b'], 1), losses: [0.9, 1.5], lossesAfter: [0.8, 1.4] });
    t.afterStep!({ ...ctx(['a', 'b'], 1), losses: [0.9, 1.5], lossesAfter: [0.8, 1.4] });
    expect(t.state()).toEqual(s.state());
    expect(s.getConfig()).toEqual({
      logitLearningRate: 0.025,
      weightDecay: 0.01,
      logitOptimizer: 'adam',
      epsilon: 1e-8,
    });
    expect(builtinWeightings.famo).toBe(famoWeighting);
    expect(errorOf(() => famoWeighting({ logitLearningRate: 0 }))).toEqual([
      'INVALID_OPTION',
      'logitLearningRate',
    ]);
    expect(errorOf(() => famoWeighting({ weightDecay: -1 }))).toEqual(['INVALID_OPTION', 'weightDecay']);
    expect(errorOf(() => famoWeighting({ epsilon: 0 }))).toEqual(['INVALID_OPTION', 'epsilon']);
    expect(errorOf(() => famoWeighting({ logitOptimizer: 'rmsprop' as 'adam' }))).toEqual([
      'INVALID_OPTION',
      'logitOptimizer',
    ]);
    expect(errorOf(() => s.afterStep!({ ...ctx(['a', 'b']), losses: [1, 2] }))[0]).toBe('INVALID_DATA');
    expect(
      errorOf(() => s.afterStep!({ ...ctx(['a', 'b']), losses: [1, 2], lossesAfter: [Number.NaN, 1] }))[0],
    ).toBe('NON_FINITE_LOSS');
    expect(errorOf(() => s.load({ logits: {}, adam: { m: {}, v: {}, t: -1 }, lastLosses: {} }))[0]).toBe(
      'CHECKPOINT_ERROR',
    );
    expect(errorOf(() => s.load({ logits: {} }))[0]).toBe('CHECKPOINT_ERROR');
  });
});
