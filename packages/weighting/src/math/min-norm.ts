import { dot, matVec, notConverged, solveLinear } from './linalg.ts';

/**
 * Min-norm point of the convex hull of the task gradients, `argmin_{w ∈ Δ} wᵀ G w`, exactly, by Wolfe's
 * active-set method ("Finding the nearest point in a polytope", 1976) written on the Gramian: keep a support S
 * of affinely independent gradients and the affine min-norm point on S; add the task whose gradient most
 * undercuts it, `minⱼ ((Gw)ⱼ − wᵀGw) / (‖gⱼ‖·‖Jᵀw‖)` (a cosine, so a task with a tiny gradient counts as much as
 * a large one), and step back to the simplex when a weight turns ≤ 0. Finite on every PSD Gramian; stops when no
 * task undercuts by more than `tolerance`. A zero gradient is the min-norm point. Throws `SOLVER_NOT_CONVERGED`
 * only after `maxIterations` support changes (finite; the default is never reached for T ≤ 100).
 */
export function minNormOnSimplex(
  g: readonly (readonly number[])[],
  strategy: string,
  maxIterations: number,
  tolerance: number,
): number[] {
  const t = g.length;
  if (t === 1) return [1];
  const roots = g.map((row, i) => Math.sqrt(Math.max(0, row[i]!)));
  let first = 0;
  for (let i = 1; i < t; i++) if (roots[i]! < roots[first]!) first = i;
  let w = new Array<number>(t).fill(0);
  w[first] = 1;
  if (roots[first] === 0) return w;
  const support = [first];
  let iterations = 0;
  for (;;) {
    const gw = matVec(g, w);
    const f = dot(w, gw);
    if (!(f > 0)) return w;
    const norm = Math.sqrt(f);
    let j = -1;
    let worst = -tolerance;
    for (let i = 0; i < t; i++) {
      if (support.includes(i)) continue;
      const r = (gw[i]! - f) / (roots[i]! * norm);
      if (r < worst) {
        worst = r;
        j = i;
      }
    }
    if (j < 0) return w;
    if (iterations >= maxIterations) {
      throw notConverged(strategy, 'min-norm active-set solver', -worst, maxIterations);
    }
    support.push(j);
    // minor cycle: move to the affine min-norm point of the support, dropping gradients whose weight turns ≤ 0
    for (;;) {
      iterations++;
      const v = affineMinNorm(g, roots, support);
      if (v === undefined) {
        // affinely dependent to working precision: the new task brings nothing the support does not have
        support.pop();
        return w;
      }
      if (v.every((x) => x > 0)) {
        w = new Array<number>(t).fill(0);
        support.forEach((i, k) => (w[i] = v[k]!));
        break;
      }
      let theta = 1;
      support.forEach((i, k) => {
        if (v[k]! <= 0) theta = Math.min(theta, w[i]! / (w[i]! - v[k]!));
      });
      if (theta <= 0 && support.length > 1 && w[j] === 0) {
        // the new task cannot enter (rounding): keep the current point
        support.splice(support.indexOf(j), 1);
        return w;
      }
      const next = new Array<number>(t).fill(0);
      support.forEach((i, k) => (next[i] = w[i]! + theta * (v[k]! - w[i]!)));
      for (let k = support.length - 1; k >= 0; k--) {
        const i = support[k]!;
        if (next[i]! <= 0 || (v[k]! <= 0 && next[i]! <= 1e-15 * w[i]!)) {
          next[i] = 0;
          support.splice(k, 1);
        }
      }
      w = next;
      if (iterations >= maxIterations) {
        throw notConverged(strategy, 'min-norm active-set solver', Infinity, maxIterations);
      }
    }
  }
}

/**
 * Affine min-norm point of the gradients in `support`: `G_SS v = λ1`, `1ᵀv = 1`, solved in unit-norm
 * coordinates (`v = D^{-1/2}u`, `Ĝ u = λ' c̃`, `c̃ ∝ D^{-1/2}1`) so the system is well scaled whatever the
 * gradients' norms. Undefined when the gradients are affinely dependent to working precision.
 */
function affineMinNorm(
  g: readonly (readonly number[])[],
  roots: readonly number[],
  support: readonly number[],
): number[] | undefined {
  const k = support.length;
  const c = support.map((i) => 1 / roots[i]!);
  const cmax = Math.max(...c);
  const cs = c.map((x) => x / cmax);
  const a = support.map((i, r) => [
    ...support.map((j, s) => (r === s ? 1 : g[i]![j]! / roots[i]! / roots[j]!)),
    -cs[r]!,
  ]);
  a.push([...cs, 0]);
  const sol = solveLinear(a, [...new Array<number>(k).fill(0), 1], 1e-13);
  if (sol === undefined) return undefined;
  // u = sol/cmax solves cᵀu = 1; v = D^{-1/2}u, normalised to sum 1 against rounding
  const v = support.map((i, r) => sol[r]! / cmax / roots[i]!);
  let s = 0;
  for (const x of v) s += x;
  return s > 0 && Number.isFinite(s) ? v.map((x) => x / s) : undefined;
}
