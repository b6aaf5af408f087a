/**
 * GradDrop and GradVac on hand-checkable inputs (derivations in the comments).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng, type GradientContext } from '@multitask/core';
import { graddropAggregator, gradvacAggregator } from '../src/index.ts';
import { gramianFromRows } from '../src/testing/index.ts';

const ctx = (tasks: string[], seed: number): GradientContext => ({
  step: 0,
  epoch: 0,
  tasks,
  rng: new Rng(seed),
  losses: tasks.map(() => 1),
  mode: 'representation',
});

const run = (agg: ReturnType<typeof graddropAggregator>, rows: number[][], c: GradientContext): number[] => {
  const d = tf.tidy(() => agg.aggregate(tf.tensor2d(rows), c));
  const out = Array.from(d.dataSync());
  d.dispose();
  return out;
};

describe('graddrop', () => {
  it('sign purity and masks on a 2×3 Jacobian, with the uniforms replayed from the same seed', () => {
    // J = [[1, −2, 0], [3, 1, 0]].
    // column 0: Σg = 4, Σ|g| = 4 → P = 1 > U always → positive parts kept → 1 + 3 = 4
    // column 1: Σg = −1, Σ|g| = 3 → P = ½(1 − ⅓) = ⅓: U < ⅓ keeps the positive part (1), else the negative (−2)
    // column 2: all zero → 0
    for (let seed = 1; seed <= 20; seed++) {
      const u = new Rng(seed);
      u.next(); // column 0
      const u1 = u.next();
      const expected = [4, u1 < 1 / 3 ? 1 : -2, 0];
      expect(
        run(
          graddropAggregator(),
          [
            [1, -2, 0],
            [3, 1, 0],
          ],
          ctx(['a', 'b'], seed),
        ),
      ).toEqual(expected);
    }
  });

  it('leak 1 gives the plain sum; leak ½ the average of sum and GradDrop', () => {
    expect(
      run(
        graddropAggregator({ leak: 1 }),
        [
          [1, -2],
          [3, 1],
        ],
        ctx(['a', 'b'], 3),
      ),
    ).toEqual([4, -1]);
    const u = new Rng(3);
    u.next();
    const keep = u.next() < 1 / 3 ? 1 : -2;
    const got = run(
      graddropAggregator({ leak: 0.5 }),
      [
        [1, -2],
        [3, 1],
      ],
      ctx(['a', 'b'], 3),
    );
    expect(got[1]).toBeCloseTo(0.5 * -1 + 0.5 * keep, 6);
  });

  it('over many seeds, column 1 keeps the positive part with frequency P = ⅓', () => {
    let positive = 0;
    const n = 600;
    for (let seed = 1; seed <= n; seed++)
      if (
        run(
          graddropAggregator(),
          [
            [1, -2],
            [3, 1],
          ],
          ctx(['a', 'b'], seed),
        )[1] === 1
      )
        positive++;
    // binomial(600, ⅓): sd ≈ 11.5; 4 sd band
    expect(Math.abs(positive - n / 3)).toBeLessThan(46);
  });
});

// GradVac is a Gramian strategy: its weights come from J·Jᵀ and are applied to J's rows
let lastGradvacWeights: number[] = [];
const runGradvac = (
  agg: ReturnType<typeof gradvacAggregator>,
  rows: number[][],
  c: GradientContext,
): number[] => {
  lastGradvacWeights = agg.weights(gramianFromRows(rows), c);
  return rows[0]!.map((_, k) => rows.reduce((acc, row, i) => acc + lastGradvacWeights[i]! * row[k]!, 0));
};

describe('gradvac', () => {
  it('first step (targets 0) acts like PCGrad; second step moves the similarity exactly to the EMA target', () => {
    // g₁ = (1, 0), g₂ = (−½, √3/2): unit vectors with cos = −½.
    const g1 = [1, 0];
    const g2 = [-0.5, Math.sqrt(3) / 2];
    const agg = gradvacAggregator({ beta: 0.01 });
    // step 1: φ = −½ < φ̂ = 0 → coefficient ‖g₁‖(0·√(1−¼) + ½·1)/(‖g₂‖·1) = ½ (PCGrad: −G₁₂/G₂₂ = ½); symmetric.
    // d = (g₁ + ½g₂) + (g₂ + ½g₁) → weights (1.5, 1.5)
    const d1 = runGradvac(agg, [g1, g2], ctx(['a', 'b'], 1));
    expect(lastGradvacWeights[0]).toBeCloseTo(1.5, 6);
    expect(d1[0]).toBeCloseTo(1.5 * (1 - 0.5), 5);
    // EMA: φ̂ = 0.99·0 + 0.01·(−½) = −0.005 for both ordered pairs
    const state = agg.state() as { targets: Record<string, Record<string, number>> };
    expect(state.targets.a!.b).toBeCloseTo(-0.005, 12);
    expect(state.targets.b!.a).toBeCloseTo(-0.005, 12);
    // step 2: φ = −½ < −0.005 → g₁' = g₁ + a·g₂ with a = (φ̂√(1−φ²) − φ√(1−φ̂²))/√(1−φ̂²);
    // by construction cos(g₁', g₂) = φ̂ — check that on the vectors
    runGradvac(agg, [g1, g2], ctx(['a', 'b'], 2));
    const w = lastGradvacWeights;
    const t = -0.005;
    const a = (t * Math.sqrt(1 - 0.25) + 0.5 * Math.sqrt(1 - t * t)) / Math.sqrt(1 - t * t);
    // weights: w₁ = 1 + a (from g₂'), w₂ = 1 + a (from g₁'), by symmetry
    expect(w[0]).toBeCloseTo(1 + a, 6);
    const g1p = [g1[0]! + a * g2[0]!, g1[1]! + a * g2[1]!];
    const cos = (g1p[0]! * g2[0]! + g1p[1]! * g2[1]!) / Math.hypot(g1p[0]!, g1p[1]!);
    expect(cos).toBeCloseTo(t, 8);
    // targets after step 2: 0.99·(−0.005) + 0.01·(−0.5)
    expect((agg.state() as typeof state).targets.a!.b).toBeCloseTo(0.99 * -0.005 + 0.01 * -0.5, 12);
  });

  it('no change when the similarity is above its target', () => {
    const agg = gradvacAggregator();
    runGradvac(
      agg,
      [
        [1, 0],
        [1, 1],
      ],
      ctx(['a', 'b'], 1),
    ); // cos = 1/√2 > 0
    expect(lastGradvacWeights).toEqual([1, 1]);
  });
});
