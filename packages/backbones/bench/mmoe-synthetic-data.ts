/**
 * The synthetic two-task regression data of Ma et al. (KDD 2018, §3.2), as plain arrays, plus the statistics the
 * bench prints to show the generator does what the paper says (label correlation falls with ρ).
 *
 *   1. u₁ ⟂ u₂ unit vectors in ℝᵈ.
 *   2. w₁ = c·u₁, w₂ = c·(ρ·u₁ + √(1−ρ²)·u₂)   (so cos(w₁, w₂) = ρ).
 *   3. x ~ N(0, I_d).
 *   4. yₜ = wₜᵀx + Σᵢ₌₁..ₘ sin(αᵢ·wₜᵀx + βᵢ) + εₜ,  εₜ ~ N(0, 0.01)   (variance 0.01, i.e. std 0.1).
 *
 * The paper calls αᵢ, βᵢ "given parameters" that control the shape of the sinusoids and does not list values.
 * `sinusoids: 'normal'` draws them once per seed from N(0, 1); `'fixed'` uses αᵢ = i, βᵢ = (i − 1)² (i = 1..m), a
 * choice that makes the labels clearly non-linear in wᵀx at c = 0.3. Either way both tasks share them (and they are
 * the same for every ρ, so a seed's data sets differ only in w₂). One seed ⇒ the same u₁, u₂, αᵢ, βᵢ, x and ε for every ρ: the comparison across ρ
 * is paired.
 */
import { Rng } from '@multitask/core';

/** One split: row-major features `[n, d]` and the two label columns. */
export interface SyntheticSplit {
  /** Row-major features, `n × d`. */
  readonly x: Float32Array;
  /** Task-1 labels. */
  readonly y1: Float32Array;
  /** Task-2 labels. */
  readonly y2: Float32Array;
  /** Number of rows. */
  readonly n: number;
}

/** Generator settings. */
export interface SyntheticOptions {
  /** Input dimension d. */
  readonly d: number;
  /** Scale c of the task weight vectors. */
  readonly c: number;
  /** Number m of sinusoids. */
  readonly m: number;
  /** Standard deviation of the label noise (0.1 ⇒ variance 0.01 as in the paper). */
  readonly noiseStd: number;
  /** Cosine ρ between w₁ and w₂. */
  readonly rho: number;
  /** Seed of every draw. */
  readonly seed: number;
  /** How αᵢ, βᵢ are chosen: drawn from N(0, 1) per seed, or αᵢ = i, βᵢ = (i − 1)². */
  readonly sinusoids: 'normal' | 'fixed';
  /** Row counts of the splits, generated in this order. */
  readonly sizes: readonly number[];
}

/** The splits, and what was drawn. */
export interface SyntheticData {
  /** The splits, in the order of `sizes`. */
  readonly splits: readonly SyntheticSplit[];
  /** The sinusoid frequencies αᵢ. */
  readonly alpha: readonly number[];
  /** The sinusoid phases βᵢ. */
  readonly beta: readonly number[];
  /** cos(w₁, w₂) as computed (should equal ρ). */
  readonly cosine: number;
  /** The task weight vectors w₁, w₂. */
  readonly w: readonly [readonly number[], readonly number[]];
}

/** Generates the data (pure; same options ⇒ same numbers). */
export function syntheticData(o: SyntheticOptions): SyntheticData {
  const { d, c, m, noiseStd, rho } = o;
  const rng = new Rng(o.seed);
  // Two orthonormal vectors by Gram–Schmidt on Gaussian draws.
  const g1 = Array.from({ length: d }, () => rng.normal());
  const g2 = Array.from({ length: d }, () => rng.normal());
  const norm = (v: readonly number[]): number => Math.sqrt(v.reduce((s, a) => s + a * a, 0));
  const u1 = g1.map((v) => v / norm(g1));
  const dot = g2.reduce((s, v, i) => s + v * u1[i]!, 0);
  const r2 = g2.map((v, i) => v - dot * u1[i]!);
  const u2 = r2.map((v) => v / norm(r2));
  const w1 = u1.map((v) => c * v);
  const w2 = u1.map((v, i) => c * (rho * v + Math.sqrt(1 - rho * rho) * u2[i]!));
  // Drawn in both modes so that x and ε are the same draws whatever the mode.
  const drawnAlpha = Array.from({ length: m }, () => rng.normal());
  const drawnBeta = Array.from({ length: m }, () => rng.normal());
  const fixed = o.sinusoids === 'fixed';
  const alpha = fixed ? drawnAlpha.map((_, i) => i + 1) : drawnAlpha;
  const beta = fixed ? drawnBeta.map((_, i) => i * i) : drawnBeta;
  const label = (w: readonly number[], x: readonly number[]): number => {
    const s = w.reduce((acc, v, i) => acc + v * x[i]!, 0);
    return s + alpha.reduce((acc, a, i) => acc + Math.sin(a * s + beta[i]!), 0) + noiseStd * rng.normal();
  };
  const make = (n: number): SyntheticSplit => {
    const x = new Float32Array(n * d);
    const y1 = new Float32Array(n);
    const y2 = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      const row = Array.from({ length: d }, () => rng.normal());
      x.set(row, r * d);
      y1[r] = label(w1, row);
      y2[r] = label(w2, row);
    }
    return { x, y1, y2, n };
  };
  const cosine = w1.reduce((s, v, i) => s + v * w2[i]!, 0) / (norm(w1) * norm(w2));
  return { splits: o.sizes.map(make), alpha, beta, cosine, w: [w1, w2] };
}

/** Pearson correlation of two equally long arrays. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Population variance. */
export function variance(a: ArrayLike<number>): number {
  const xs = Array.from(a);
  const m = xs.reduce((s, v) => s + v, 0) / xs.length;
  return xs.reduce((s, v) => s + (v - m) ** 2, 0) / xs.length;
}

/**
 * Share of a label's variance that a linear model of x cannot explain, estimated without fitting one: the label
 * depends on x only through s = wᵀx, so the best linear predictor is a + b·s; 1 − corr(y, s)² is the share left.
 */
export function nonlinearShare(y: ArrayLike<number>, split: SyntheticSplit, w: readonly number[]): number {
  const d = w.length;
  const s = new Float64Array(split.n);
  for (let r = 0; r < split.n; r++) {
    let acc = 0;
    for (let i = 0; i < d; i++) acc += w[i]! * split.x[r * d + i]!;
    s[r] = acc;
  }
  return 1 - pearson(y, s) ** 2;
}
