/**
 * Golden values for the Gramian strategies, derived by hand from each paper's definition (derivations in the
 * comments) or checked against independent oracles written here (brute-force enumeration of active sets, grid
 * search, explicit vector implementations) — never against values printed by the code under test.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '@multitask/core';
import {
  alignedMtlWeightsFromGramian,
  cagradWeightsFromGramian,
  dualprojWeightsFromGramian,
  fairgradWeightsFromGramian,
  imtlGWeightsFromGramian,
  mgdaWeightsFromGramian,
  nashMtlWeightsFromGramian,
  pcgradWeightsFromGramian,
  upgradWeightsFromGramian,
} from '../src/index.ts';
import { gramianFromRows, randomJacobian } from '../src/testing/index.ts';

// ---------- tiny independent helpers (test-side oracles) ----------
const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
const mv = (g: readonly (readonly number[])[], w: readonly number[]): number[] => g.map((r) => dot(r, w));
const comb = (rows: readonly (readonly number[])[], w: readonly number[]): number[] =>
  rows[0]!.map((_, k) => rows.reduce((s, r, t) => s + w[t]! * r[k]!, 0));
/** Gauss–Jordan solve (oracle side). */
function solve(a: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((r, i) => [...r, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (Math.abs(m[p]![c]!) < 1e-12) return undefined;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((r, i) => r[n]! / r[i]!);
}
/** All non-empty subsets of 0..t-1. */
const subsets = (t: number): number[][] =>
  Array.from({ length: 2 ** t - 1 }, (_, mask) =>
    Array.from({ length: t }, (_, i) => i).filter((i) => ((mask + 1) >> i) & 1),
  );

/**
 * Oracle for the min-norm point of the convex hull: for every support S solve the KKT system
 * [G_SS 1; 1ᵀ 0][w; −λ] = [0; 1], keep feasible ones (w ≥ 0, (Gw)ᵢ ≥ λ off S) and return the smallest norm.
 */
function minNormOracle(g: number[][]): { w: number[]; norm2: number } {
  const t = g.length;
  let best: { w: number[]; norm2: number } | undefined;
  for (const s of subsets(t)) {
    const k = s.length;
    const a = [...s.map((i) => [...s.map((j) => g[i]![j]!), -1]), [...s.map(() => 1), 0]];
    const sol = solve(a, [...s.map(() => 0), 1]);
    if (sol === undefined) continue;
    const w = new Array<number>(t).fill(0);
    s.forEach((i, idx) => (w[i] = sol[idx]!));
    const lambda = sol[k]!;
    if (w.some((x) => x < -1e-12)) continue;
    const gw = mv(g, w);
    if (gw.some((x) => x < lambda - 1e-9)) continue;
    const norm2 = dot(w, gw);
    if (best === undefined || norm2 < best.norm2) best = { w, norm2 };
  }
  return best!;
}

/**
 * Oracle for `argmin_{v ≥ u} vᵀGv` (G positive definite): enumerate the set F of coordinates strictly above their
 * bound; on F, (Gv)_F = 0 with v = u off F; keep the candidate with v ≥ u and (Gv) ≥ 0 off F.
 */
function dualConeOracle(g: number[][], u: number[]): number[] {
  const t = g.length;
  const candidates = [[], ...subsets(t)];
  for (const f of candidates) {
    const v = [...u];
    if (f.length > 0) {
      const rest = Array.from({ length: t }, (_, i) => i).filter((i) => !f.includes(i));
      const a = f.map((i) => f.map((j) => g[i]![j]!));
      const b = f.map((i) => -rest.reduce((s, j) => s + g[i]![j]! * u[j]!, 0));
      const sol = solve(a, b);
      if (sol === undefined) continue;
      f.forEach((i, k) => (v[i] = sol[k]!));
    }
    if (v.some((x, i) => x < u[i]! - 1e-12)) continue;
    const gv = mv(g, v);
    if (gv.some((x, i) => !f.includes(i) && x < -1e-10)) continue;
    return v;
  }
  throw new Error('no KKT point found');
}

const fullRankGramian = (seed: number, t: number, dim = 6): { rows: number[][]; g: number[][] } => {
  const rows = randomJacobian(new Rng(seed), { tasks: t, dim });
  return { rows, g: gramianFromRows(rows) };
};

describe('mgda', () => {
  it('two tasks: closed form w₁ = clip((G₂₂ − G₁₂)/(G₁₁ + G₂₂ − 2G₁₂), 0, 1)', () => {
    // G = diag(1, 4): w₁ = (4 − 0)/(1 + 4) = 0.8
    expect(
      mgdaWeightsFromGramian([
        [1, 0],
        [0, 4],
      ]),
    ).toEqual([expect.closeTo(0.8, 12), expect.closeTo(0.2, 12)]);
    // G = [[4, 2], [2, 1]]: (1 − 2)/(4 + 1 − 4) = −1 → clipped to 0: g₂ alone (g₂·g₁ = 2 ≥ ‖g₂‖² = 1)
    expect(
      mgdaWeightsFromGramian([
        [4, 2],
        [2, 1],
      ]),
    ).toEqual([expect.closeTo(0, 12), expect.closeTo(1, 12)]);
    // conflicting equal norms [[1, −0.5], [−0.5, 1]]: (1.5)/(3) = 0.5
    expect(
      mgdaWeightsFromGramian([
        [1, -0.5],
        [-0.5, 1],
      ]),
    ).toEqual([expect.closeTo(0.5, 12), expect.closeTo(0.5, 12)]);
  });

  it("'l2' normalisation: G' = D⁻¹GD⁻¹ with D = diag(‖gᵢ‖); diag(1, 4) → I → [0.5, 0.5]", () => {
    expect(
      mgdaWeightsFromGramian(
        [
          [1, 0],
          [0, 4],
        ],
        {},
        { normalization: 'l2' },
      ),
    ).toEqual([expect.closeTo(0.5, 10), expect.closeTo(0.5, 10)]);
    // 'loss': losses [1, 2] → G' = [[1, 0], [0, 1]] for G = diag(1, 4) → [0.5, 0.5]
    expect(
      mgdaWeightsFromGramian(
        [
          [1, 0],
          [0, 4],
        ],
        { losses: [1, 2] },
        { normalization: 'loss' },
      )[0],
    ).toBeCloseTo(0.5, 10);
  });

  it('KKT conditions and the brute-force oracle on random Gramians (T = 2…6, any rank)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 1e6 }),
        (t, r, seed) => {
          const rank = Math.min(r, t);
          const rows = randomJacobian(new Rng(seed), { tasks: t, dim: 8, rank });
          const g = gramianFromRows(rows);
          const w = mgdaWeightsFromGramian(g);
          const scale = g.reduce((s, row, i) => s + row[i]!, 0) / t;
          const gw = mv(g, w);
          const norm2 = dot(w, gw);
          // weights on the simplex
          expect(w.every((x) => x >= 0)).toBe(true);
          expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
          // gᵢ·d equal (= ‖d‖²) for active tasks and ≥ ‖d‖² for the others
          w.forEach((x, i) => {
            if (x > 1e-6) expect(Math.abs(gw[i]! - norm2)).toBeLessThan(1e-8 * scale);
            expect(gw[i]!).toBeGreaterThan(norm2 - 1e-8 * scale);
          });
          // the min-norm value equals the oracle's (the point d is unique even when w is not)
          if (rank === t) expect(Math.abs(norm2 - minNormOracle(g).norm2)).toBeLessThan(1e-9 * scale);
        },
      ),
      { numRuns: 60, seed: 42 },
    );
  });
});

describe('pcgrad', () => {
  it('two tasks: known closed form', () => {
    // if G₁₂ < 0: g₁' = g₁ − (G₁₂/G₂₂)g₂, g₂' = g₂ − (G₁₂/G₁₁)g₁, d = g₁' + g₂' → w = (1 − G₁₂/G₁₁, 1 − G₁₂/G₂₂)
    expect(
      pcgradWeightsFromGramian([
        [1, -1],
        [-1, 4],
      ]),
    ).toEqual([expect.closeTo(2, 12), expect.closeTo(1.25, 12)]);
    expect(
      pcgradWeightsFromGramian([
        [1, -0.5],
        [-0.5, 1],
      ]),
    ).toEqual([expect.closeTo(1.5, 12), expect.closeTo(1.5, 12)]);
    // no conflict (G₁₂ ≥ 0): plain sum
    expect(
      pcgradWeightsFromGramian([
        [1, 0.3],
        [0.3, 2],
      ]),
    ).toEqual([1, 1]);
    // 'mean' reduction halves it
    expect(
      pcgradWeightsFromGramian(
        [
          [1, -1],
          [-1, 4],
        ],
        {},
        { reduction: 'mean' },
      )[0],
    ).toBeCloseTo(1, 12);
  });

  it('T = 3…5: equals surgery on explicit vectors with the same random order', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const t = 3 + (seed % 3);
      const rows = randomJacobian(new Rng(seed), { tasks: t, dim: 5 });
      // oracle: Algorithm 1 of Yu et al. on the vectors; the order per task replays the same Rng calls
      const orderRng = new Rng(1000 + seed);
      const projected = rows.map((gi, i) => {
        let v = [...gi];
        const others = orderRng.shuffle(Array.from({ length: t - 1 }, (_, k) => (k < i ? k : k + 1)));
        for (const j of others) {
          const gj = rows[j]!;
          const d = dot(v, gj);
          if (d < 0) v = v.map((x, k) => x - (d / dot(gj, gj)) * gj[k]!);
        }
        return v;
      });
      const expected = projected[0]!.map((_, k) => projected.reduce((s, v) => s + v[k]!, 0));
      const w = pcgradWeightsFromGramian(gramianFromRows(rows), { rng: new Rng(1000 + seed) });
      const got = comb(rows, w);
      got.forEach((x, k) => expect(x).toBeCloseTo(expected[k]!, 9));
    }
  });
});

describe('cagrad', () => {
  it('orthonormal pair, c = 0.4, no rescale: w = ½ + 0.4·½ = 0.7 each', () => {
    // g₀ = (½, ½), ‖g₀‖ = 1/√2, r = 0.4/√2; by symmetry w = (½, ½), ‖g_w‖ = 1/√2 → r/‖g_w‖ = 0.4
    const w = cagradWeightsFromGramian(
      [
        [1, 0],
        [0, 1],
      ],
      {},
      { c: 0.4, rescale: 0 },
    );
    expect(w[0]).toBeCloseTo(0.7, 9);
    expect(w[1]).toBeCloseTo(0.7, 9);
    // default rescale 1 divides by 1 + c² = 1.16
    expect(
      cagradWeightsFromGramian([
        [1, 0],
        [0, 1],
      ])[0],
    ).toBeCloseTo(0.7 / 1.16, 9);
  });

  it('two conflicting tasks: equals a grid-search oracle of the dual objective', () => {
    for (const [g, c] of [
      [
        [
          [1, -0.8],
          [-0.8, 2],
        ],
        0.4,
      ],
      [
        [
          [3, 0.5],
          [0.5, 0.2],
        ],
        0.7,
      ],
      [
        [
          [1, -0.99],
          [-0.99, 1],
        ],
        0.2,
      ],
    ] as [number[][], number][]) {
      const b = [0.5, 0.5];
      const r = c * Math.sqrt(dot(b, mv(g, b)));
      const objective = (a: number): number => {
        const w = [a, 1 - a];
        return dot(w, mv(g, b)) + r * Math.sqrt(dot(w, mv(g, w)));
      };
      // grid then golden-section refinement on [0, 1]
      let best = 0;
      for (let k = 0; k <= 10_000; k++) if (objective(k / 10_000) < objective(best)) best = k / 10_000;
      let lo = Math.max(0, best - 1e-4);
      let hi = Math.min(1, best + 1e-4);
      for (let k = 0; k < 100; k++) {
        const m1 = lo + (hi - lo) / 3;
        const m2 = hi - (hi - lo) / 3;
        if (objective(m1) < objective(m2)) hi = m2;
        else lo = m1;
      }
      const a = (lo + hi) / 2;
      const wStar = [a, 1 - a];
      const lambda = r / Math.sqrt(dot(wStar, mv(g, wStar)));
      const expected = b.map((x, i) => x + lambda * wStar[i]!);
      const got = cagradWeightsFromGramian(g, {}, { c, rescale: 0 });
      got.forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 6));
    }
  });
});

describe('imtl-g', () => {
  it('diag(1, 4): d = (2/3)g₁ + (1/3)g₂ = (2/3, 2/3) projects equally on both unit gradients', () => {
    const w = imtlGWeightsFromGramian([
      [1, 0],
      [0, 4],
    ]);
    expect(w[0]).toBeCloseTo(2 / 3, 12);
    expect(w[1]).toBeCloseTo(1 / 3, 12);
  });

  it('definition on random vectors: Σα = 1 and d·uᵢ equal for every task', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const t = 2 + (seed % 4);
      const { rows, g } = fullRankGramian(seed, t);
      const w = imtlGWeightsFromGramian(g);
      expect(w.reduce((a, x) => a + x, 0)).toBeCloseTo(1, 10);
      const d = comb(rows, w);
      const proj = rows.map((r) => dot(d, r) / Math.sqrt(dot(r, r)));
      proj.forEach((p) => expect(p).toBeCloseTo(proj[0]!, 8));
    }
  });
});

describe('aligned-mtl', () => {
  it('diag(1, 4): aligned gradients g₁ and g₂/2 both have norm √λ_min = 1 → w = (1, 0.5)', () => {
    const w = alignedMtlWeightsFromGramian([
      [1, 0],
      [0, 4],
    ]);
    expect(w[0]).toBeCloseTo(1, 10);
    expect(w[1]).toBeCloseTo(0.5, 10);
  });

  it('equal norms [[a, b], [b, a]]: w = √(λ_min/(a+b))·(1, 1)', () => {
    // eigenpairs: a+b on (1,1)/√2 (vᵀ1 = √2), a−b on (1,−1)/√2 (vᵀ1 = 0) → w = √λ_min/√(a+b)·(1,1)
    const w1 = alignedMtlWeightsFromGramian([
      [1, 0.6],
      [0.6, 1],
    ]); // λ_min = 0.4 → √(0.4/1.6) = 0.5
    expect(w1[0]).toBeCloseTo(0.5, 10);
    expect(w1[1]).toBeCloseTo(0.5, 10);
    const w2 = alignedMtlWeightsFromGramian([
      [1, -0.6],
      [-0.6, 1],
    ]); // λ_min = a+b → w = (1, 1)
    expect(w2[0]).toBeCloseTo(1, 10);
  });

  it('random full rank: the aligned system B·J (B = √λ_min G^{-1/2}) is orthogonal, so Gw = √λ_min·G^{1/2}1 satisfies wᵀGw = λ_min·T', () => {
    // ‖Σᵢ ĝᵢ‖² with ĝ orthogonal and ‖ĝᵢ‖² = λ_min equals T·λ_min
    for (let seed = 1; seed <= 10; seed++) {
      const t = 2 + (seed % 4);
      const { g } = fullRankGramian(seed, t);
      const w = alignedMtlWeightsFromGramian(g);
      // λ_min by an independent route: inverse power iteration on G
      let v = Array.from({ length: t }, (_, i) => 1 + i);
      let lmin = 0;
      for (let k = 0; k < 500; k++) {
        const next = solve(
          g.map((r) => [...r]),
          v,
        )!;
        const n = Math.sqrt(dot(next, next));
        v = next.map((x) => x / n);
        lmin = dot(v, mv(g, v));
      }
      expect(dot(w, mv(g, w))).toBeCloseTo(lmin * t, 6);
    }
  });
});

describe('upgrad and dualproj', () => {
  it('conflicting pair [[1, −0.5], [−0.5, 1]]', () => {
    // UPGrad, task 1: v ≥ (½, 0); (Gv)₂ = −¼ + v₂ = 0 → v = (½, ¼), (Gv)₁ = 3/8 ≥ 0; task 2 symmetric → (¾, ¾)
    const u = upgradWeightsFromGramian([
      [1, -0.5],
      [-0.5, 1],
    ]);
    expect(u[0]).toBeCloseTo(0.75, 8);
    expect(u[1]).toBeCloseTo(0.75, 8);
    // DualProj: the mean (½, ½) has G·(½, ½) = (¼, ¼) ≥ 0 → unchanged
    const d = dualprojWeightsFromGramian([
      [1, -0.5],
      [-0.5, 1],
    ]);
    expect(d[0]).toBeCloseTo(0.5, 8);
    // strong conflict [[1, −0.9], [−0.9, 4]]: mean (½, ½) → G(½,½) = (0.05, 1.55) ≥ 0, unchanged;
    // [[4, −1.9], [−1.9, 1]]: G(½,½) = (1.05, −0.45) → raise v₂: −0.95 + v₂ = 0 → v = (½, 0.95)
    const d2 = dualprojWeightsFromGramian([
      [4, -1.9],
      [-1.9, 1],
    ]);
    expect(d2[0]).toBeCloseTo(0.5, 8);
    expect(d2[1]).toBeCloseTo(0.95, 8);
  });

  it('equal the active-set enumeration oracle on random Gramians (T = 2…5)', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const t = 2 + (seed % 4);
      const { g } = fullRankGramian(seed, t, 5);
      const s = g.reduce((a, r, i) => a + r[i]!, 0) / t;
      const gn = g.map((r) => r.map((x) => x / s)); // the oracle works on the same normalised matrix
      const expectedUp = new Array<number>(t).fill(0);
      for (let i = 0; i < t; i++) {
        dualConeOracle(
          gn,
          Array.from({ length: t }, (_, k) => (k === i ? 1 / t : 0)),
        ).forEach((v, k) => (expectedUp[k]! += v));
      }
      upgradWeightsFromGramian(g).forEach((x, k) => expect(x).toBeCloseTo(expectedUp[k]!, 6));
      const expectedDual = dualConeOracle(gn, new Array<number>(t).fill(1 / t));
      dualprojWeightsFromGramian(g).forEach((x, k) => expect(x).toBeCloseTo(expectedDual[k]!, 6));
    }
  });
});

describe('nash-mtl and fairgrad', () => {
  it('closed forms: diag(1, 4) → α = (1, ½); [[1, b], [b, 1]] → α = 1/√(1+b) each', () => {
    // (Gα)ᵢαᵢ = 1: α₁² = 1, 4α₂² = 1
    const w = nashMtlWeightsFromGramian([
      [1, 0],
      [0, 4],
    ]);
    expect(w[0]).toBeCloseTo(1, 8);
    expect(w[1]).toBeCloseTo(0.5, 8);
    const w2 = nashMtlWeightsFromGramian([
      [1, 0.5],
      [0.5, 1],
    ]);
    expect(w2[0]).toBeCloseTo(1 / Math.sqrt(1.5), 8);
  });

  it('FairGrad: (Gw)ᵢ = wᵢ^{-1/α}; diag(4, 1), α = 2 → w₁ = (1/4)^{2/3}; [[1, b], [b, 1]] → (1+b)^{-α/(α+1)}', () => {
    const w = fairgradWeightsFromGramian(
      [
        [4, 0],
        [0, 1],
      ],
      {},
      { alpha: 2 },
    );
    expect(w[0]).toBeCloseTo(0.25 ** (2 / 3), 8);
    expect(w[1]).toBeCloseTo(1, 8);
    const w3 = fairgradWeightsFromGramian(
      [
        [1, 0.3],
        [0.3, 1],
      ],
      {},
      { alpha: 3 },
    );
    expect(w3[0]).toBeCloseTo(1.3 ** (-3 / 4), 8);
    // α = 1 is Nash-MTL's condition
    const g = fullRankGramian(5, 4).g;
    fairgradWeightsFromGramian(g).forEach((x, i) =>
      expect(x).toBeCloseTo(nashMtlWeightsFromGramian(g)[i]!, 8),
    );
  });

  it('the bargaining condition holds on random Gramians', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const t = 2 + (seed % 5);
      const { g } = fullRankGramian(seed, t, 8);
      const w = nashMtlWeightsFromGramian(g);
      mv(g, w).forEach((x, i) => expect(x * w[i]!).toBeCloseTo(1, 6));
      const f = fairgradWeightsFromGramian(g, {}, { alpha: 2 });
      mv(g, f).forEach((x, i) => expect(x * Math.sqrt(f[i]!)).toBeCloseTo(1, 6));
    }
  });
});

describe('degenerate inputs give finite weights', () => {
  const fns: Record<string, (g: number[][]) => number[]> = {
    mgda: (g) => mgdaWeightsFromGramian(g),
    pcgrad: (g) => pcgradWeightsFromGramian(g, { rng: new Rng(1) }),
    cagrad: (g) => cagradWeightsFromGramian(g),
    'imtl-g': (g) => imtlGWeightsFromGramian(g),
    'aligned-mtl': (g) => alignedMtlWeightsFromGramian(g),
    upgrad: (g) => upgradWeightsFromGramian(g),
    dualproj: (g) => dualprojWeightsFromGramian(g),
    'nash-mtl': (g) => nashMtlWeightsFromGramian(g),
    fairgrad: (g) => fairgradWeightsFromGramian(g, {}, { alpha: 2 }),
  };
  const cases: Record<string, number[][]> = {
    'all-zero gradients': [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ],
    'opposite gradients g₂ = −g₁ (0 in the hull)': gramianFromRows([
      [1, 2],
      [-1, -2],
      [0.5, 0],
    ]),
    'rank 1, same direction': gramianFromRows([
      [1, 1],
      [2, 2],
      [3, 3],
    ]),
    'one zero gradient': gramianFromRows([
      [1, 0],
      [0, 0],
      [0, 1],
    ]),
    'scale 1e15 (G ~ 1e30)': gramianFromRows([
      [1e15, 0],
      [-5e14, 8e14],
      [3e14, -1e15],
    ]),
    'scales 1e-8 and 1e8 mixed': gramianFromRows([
      [1e-8, 0],
      [0, 1e8],
      [1e8, 1e8],
    ]),
  };
  for (const [caseName, g] of Object.entries(cases)) {
    it(caseName, () => {
      for (const [name, fn] of Object.entries(fns)) {
        const w = fn(g);
        expect(w, name).toHaveLength(3);
        expect(w.every(Number.isFinite), `${name}: ${JSON.stringify(w)}`).toBe(true);
      }
      // MGDA with g₂ = −g₁: the min-norm point is 0 → d = Jᵀw = 0
      if (caseName.startsWith('opposite')) {
        const w = mgdaWeightsFromGramian(g);
        expect(Math.abs(dot(w, mv(g, w)))).toBeLessThan(1e-12);
      }
    });
  }
});
