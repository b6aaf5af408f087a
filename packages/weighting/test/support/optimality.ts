/**
 * Independent optimality checks (KKT residuals) of the Gramian strategies' own problems, an exact MGDA by support
 * enumeration, and the random Jacobians of the property suite. Used by the tests and by bench/mgda-exact.bench.ts.
 * Everything here is written from the methods' definitions, not from the package's solvers.
 */
import type { Rng } from '@multitask/core';

export type Matrix = number[][];

export const matVec = (g: readonly (readonly number[])[], w: readonly number[]): number[] =>
  g.map((row) => row.reduce((s, x, j) => s + x * w[j]!, 0));
export const dot = (a: readonly number[], b: readonly number[]): number =>
  a.reduce((s, x, i) => s + x * b[i]!, 0);
export const quad = (g: readonly (readonly number[])[], w: readonly number[]): number => dot(w, matVec(g, w));

/** `J Jᵀ`. */
export function gram(rows: readonly (readonly number[])[]): Matrix {
  return rows.map((a) => rows.map((b) => dot(a, b)));
}

/** Gaussian elimination with partial pivoting; undefined when singular (pivot ≤ 1e-12 of the largest entry). */
export function solve(a: readonly (readonly number[])[], b: readonly number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  const big = Math.max(...a.flat().map(Math.abs));
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (!(Math.abs(m[p]![c]!) > 1e-12 * big)) return undefined;
    [m[p], m[c]] = [m[c]!, m[p]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/**
 * The exact MGDA optimum `min_{w ∈ Δ} wᵀGw` by enumerating every support S (2^T − 1 of them): on S the optimum
 * of the affine problem solves `[G_SS 1; 1ᵀ 0]`; feasible (w ≥ 0) candidates are compared. Some optimum has
 * affinely independent support gradients (Carathéodory), so skipping singular systems loses nothing. Solved in
 * unit-norm coordinates for accuracy. Returns the optimal value.
 */
export function mgdaOptimumByEnumeration(g: readonly (readonly number[])[]): number {
  const t = g.length;
  const r = g.map((row, i) => Math.sqrt(row[i]!));
  if (r.some((x) => x === 0)) return 0;
  let best = Infinity;
  for (let mask = 1; mask < 1 << t; mask++) {
    const s = Array.from({ length: t }, (_, i) => i).filter((i) => (mask >> i) & 1);
    const c = s.map((i) => 1 / r[i]!);
    const cm = Math.max(...c);
    const a = s.map((i, p) => [...s.map((j) => g[i]![j]! / r[i]! / r[j]!), -c[p]! / cm]);
    a.push([...c.map((x) => x / cm), 0]);
    const sol = solve(a, [...s.map(() => 0), 1]);
    if (sol === undefined) continue;
    const w = new Array<number>(t).fill(0);
    s.forEach((i, p) => (w[i] = sol[p]! / cm / r[i]!));
    if (w.some((x) => x < -1e-12)) continue;
    const total = w.reduce((x, y) => x + y, 0);
    const wn = w.map((x) => Math.max(0, x) / total);
    best = Math.min(best, quad(g, wn));
  }
  return best;
}

/**
 * Rounding floor of `wᵀGw` in float64: `T·ε·Σᵢⱼ|wᵢGᵢⱼwⱼ|`. When 0 is (nearly) in the hull the terms cancel, and
 * no algorithm can tell values below this floor apart.
 */
export function quadFloor(g: readonly (readonly number[])[], w: readonly number[]): number {
  let s = 0;
  g.forEach((row, i) => row.forEach((x, j) => (s += Math.abs(w[i]! * x * w[j]!))));
  return g.length * Number.EPSILON * s;
}

/**
 * `(|f − f*| − floor)⁺ / max(f*, floor)`: the relative objective error beyond the rounding floor of wᵀGw (a
 * difference below the floor cannot be seen in float64).
 */
export function relativeObjectiveError(
  g: readonly (readonly number[])[],
  w: readonly number[],
  fStar: number,
): number {
  const floor = quadFloor(g, w);
  const diff = Math.abs(quad(g, w) - fStar);
  return diff <= floor ? 0 : (diff - floor) / Math.max(fStar, floor);
}

/**
 * KKT residual of MGDA on the diagonally normalised Gramian: with d = Jᵀw, every task must satisfy
 * `gᵢ·d ≥ ‖d‖²`, with equality on the support. Measured as cosines, `(‖d‖² − gᵢ·d) / (‖gᵢ‖‖d‖)` (so a task with a
 * tiny gradient weighs as much as a large one); 0 when ‖d‖² is below its rounding floor (d = 0); on the support,
 * `|gᵢ·d − ‖d‖²|` counts in proportion to the task's share `wᵢ‖gᵢ‖ / maxⱼ wⱼ‖gⱼ‖`. Also checks w ∈ Δ.
 */
export function mgdaKktResidual(g: readonly (readonly number[])[], w: readonly number[]): number {
  const gw = matVec(g, w);
  const f = dot(w, gw);
  const simplex = Math.max(Math.abs(w.reduce((a, b) => a + b, 0) - 1), ...w.map((x) => Math.max(0, -x)));
  // d is 0 to the Gramian's working precision (0 in the hull): every KKT condition reads 0 ≥ 0
  if (!(f > quadFloor(g, w))) return simplex;
  const norm = Math.sqrt(f);
  let res = simplex;
  const wmax = Math.max(...w.map((x, i) => x * Math.sqrt(g[i]![i]!)));
  g.forEach((row, i) => {
    const ri = Math.sqrt(row[i]!);
    if (ri === 0) return;
    const cos = (gw[i]! - f) / (ri * norm);
    res = Math.max(res, -cos);
    const share = (w[i]! * ri) / wmax;
    res = Math.max(res, Math.min(share, Math.abs(cos)));
  });
  return res;
}

/**
 * KKT residual of the projection `v = argmin_{v ≥ u} vᵀGv` (DualProj, each UPGrad term): `Gv ≥ 0`,
 * `(Gv)ᵢ(vᵢ − uᵢ) = 0`, `v ≥ u`, as cosines and slacks in unit-norm coordinates.
 */
export function projectionKktResidual(
  g: readonly (readonly number[])[],
  u: readonly number[],
  v: readonly number[],
): number {
  const gv = matVec(g, v);
  const norm = Math.sqrt(Math.max(0, dot(v, gv)));
  const r = g.map((row, i) => Math.sqrt(row[i]!));
  const zmax = Math.max(...v.map((x, i) => Math.abs(x) * r[i]!));
  let res = 0;
  v.forEach((vi, i) => {
    if (r[i] === 0 || zmax === 0) return;
    const slack = ((vi - u[i]!) * r[i]!) / zmax;
    const cos = norm > 0 ? gv[i]! / (r[i]! * norm) : 0;
    res = Math.max(res, -slack, -cos, Math.min(Math.abs(slack), Math.abs(cos)));
  });
  return res;
}

/**
 * KKT residual of CAGrad, from the weights `(b + v)/div` it returns: with d = Jᵀ(b + v) (unrescaled), `vᵀGv = r²`
 * (r = c‖g₀‖) and `gᵢ·d ≥ λ = minⱼ gⱼ·d` with equality where vᵢ > 0 — cosines against ‖gᵢ‖‖d‖.
 */
export function cagradKktResidual(
  g: readonly (readonly number[])[],
  weights: readonly number[],
  c: number,
  div: number,
): number {
  const t = g.length;
  const b = new Array<number>(t).fill(1 / t);
  const x = weights.map((w) => w * div);
  const v = x.map((xi, i) => xi - b[i]!);
  const r2 = c * c * quad(g, b);
  const gd = matVec(g, x);
  const dn = Math.sqrt(quad(g, x));
  const r = g.map((row, i) => Math.sqrt(row[i]!));
  const active = r.flatMap((ri, i) => (ri > 0 ? [i] : []));
  const lambda = Math.min(...active.map((i) => gd[i]!));
  const zmax = Math.max(...active.map((i) => Math.abs(v[i]!) * r[i]!));
  let res = Math.abs(quad(g, v) - r2) / r2;
  for (const i of active) {
    const gap = (gd[i]! - lambda) / (r[i]! * dn);
    const share = (v[i]! * r[i]!) / zmax;
    res = Math.max(res, -share, Math.min(Math.abs(gap), Math.abs(share)));
  }
  return res;
}

/** Residual of the α-fair condition `(Gw)ᵢ·wᵢ^{1/α} = 1` on the tasks with a gradient (scale-free as it is). */
export function alphaFairResidual(
  g: readonly (readonly number[])[],
  w: readonly number[],
  alpha: number,
): number {
  const gw = matVec(g, w);
  let res = 0;
  w.forEach((wi, i) => {
    if (g[i]![i] === 0) return;
    res = Math.max(res, Math.abs(gw[i]! * wi ** (1 / alpha) - 1));
  });
  return res;
}

/**
 * IMTL-G's conditions: `Σα = 1` and equal projections `(Gα)ᵢ/‖gᵢ‖` of d = Jᵀα on every unit task gradient,
 * relative to ‖d‖.
 */
export function imtlGResidual(g: readonly (readonly number[])[], alpha: readonly number[]): number {
  const ga = matVec(g, alpha);
  const dn = Math.sqrt(Math.max(0, dot(alpha, ga)));
  const proj = g.flatMap((row, i) => (row[i]! > 0 ? [ga[i]! / Math.sqrt(row[i]!)] : []));
  const spread = Math.max(...proj) - Math.min(...proj);
  return Math.max(Math.abs(alpha.reduce((a, b) => a + b, 0) - 1), dn > 0 ? spread / dn : 0);
}

/**
 * A random Jacobian with row norms spread over `decades` decades (log-uniform) and unit-norm random directions in
 * n dimensions; with `zeroRows`/`duplicates` some rows are zeroed or copied (scaled) from another.
 */
export function spreadJacobian(
  rng: Rng,
  t: number,
  n: number,
  decades: number,
  opts: { readonly zeroRows?: number; readonly duplicates?: number } = {},
): Matrix {
  const rows = Array.from({ length: t }, () => {
    const v = Array.from({ length: n }, () => rng.normal());
    const norm = Math.hypot(...v) || 1;
    const s = 10 ** (-decades * rng.next());
    return v.map((x) => (x / norm) * s);
  });
  for (let k = 0; k < (opts.duplicates ?? 0) && t > 1; k++) {
    const i = Math.floor(rng.next() * t);
    const j = (i + 1 + Math.floor(rng.next() * (t - 1))) % t;
    const f = 10 ** (decades * (rng.next() - 0.5));
    rows[i] = rows[j]!.map((x) => x * f);
  }
  for (let k = 0; k < (opts.zeroRows ?? 0); k++)
    rows[Math.floor(rng.next() * t)] = new Array<number>(n).fill(0);
  return rows;
}

/** Condition number of the unit-diagonal Gramian (eigenvalues by Jacobi sweeps); Infinity when a row is zero. */
export function normalizedCondition(g: readonly (readonly number[])[]): number {
  const t = g.length;
  const r = g.map((row, i) => Math.sqrt(row[i]!));
  if (r.some((x) => x === 0)) return Infinity;
  const a = g.map((row, i) => row.map((x, j) => x / r[i]! / r[j]!));
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < t; p++) for (let q = p + 1; q < t; q++) off += a[p]![q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < t - 1; p++)
      for (let q = p + 1; q < t; q++) {
        const apq = a[p]![q]!;
        if (apq === 0) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const tt = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(tt * tt + 1);
        const s = tt * c;
        for (let k = 0; k < t; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < t; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
      }
  }
  const ev = a.map((row, i) => row[i]!);
  const lo = Math.min(...ev);
  return lo > 0 ? Math.max(...ev) / lo : Infinity;
}
