import { dot, matVec, notConverged, solveLinear } from './linalg.ts';

/**
 * Min-norm point of the convex hull of the task gradients: `argmin_{w ∈ Δ} wᵀ G w` by Frank–Wolfe with away
 * steps and exact line search (linear convergence on the simplex); every 8 iterations the KKT system on the
 * current support is solved exactly and kept if it is optimal. Stops when the Frank–Wolfe gap
 * `wᵀGw − minᵢ (Gw)ᵢ` is ≤ `tolerance`; throws `SOLVER_NOT_CONVERGED` after `maxIterations`.
 * `g` should be normalised (mean diagonal 1) so that the tolerance is relative.
 */
export function minNormOnSimplex(
  g: readonly (readonly number[])[],
  strategy: string,
  maxIterations: number,
  tolerance: number,
): number[] {
  const t = g.length;
  if (t === 1) return [1];
  const w = new Array<number>(t).fill(1 / t);
  for (let it = 0; ; it++) {
    const gw = matVec(g, w);
    const wgw = dot(w, gw);
    let s = 0;
    let v = -1;
    for (let i = 0; i < t; i++) {
      if (gw[i]! < gw[s]!) s = i;
      if (w[i]! > 0 && (v < 0 || gw[i]! > gw[v]!)) v = i;
    }
    const gap = wgw - gw[s]!;
    if (gap <= tolerance) return w;
    if (it % 8 === 7) {
      // polish: solve the KKT system on the current support exactly; keep it if it is feasible and optimal
      const polished = polish(g, w);
      if (polished !== undefined) {
        const pg = matVec(g, polished);
        const pgap = dot(polished, pg) - Math.min(...pg);
        if (pgap <= tolerance) return polished;
      }
    }
    if (it >= maxIterations) throw notConverged(strategy, 'Frank–Wolfe min-norm solver', gap, maxIterations);
    const awayGap = gw[v]! - wgw;
    let slope: number; // dᵀ G w
    let curv: number; // dᵀ G d
    let gammaMax: number;
    const fw = gap >= awayGap || v < 0;
    if (fw) {
      slope = gw[s]! - wgw;
      curv = g[s]![s]! - 2 * gw[s]! + wgw;
      gammaMax = 1;
    } else {
      slope = wgw - gw[v]!;
      curv = wgw - 2 * gw[v]! + g[v]![v]!;
      gammaMax = w[v]! / (1 - w[v]!);
    }
    const gamma = curv > 0 ? Math.min(gammaMax, Math.max(0, -slope / curv)) : gammaMax;
    if (fw) {
      for (let i = 0; i < t; i++) w[i] = (1 - gamma) * w[i]!;
      w[s]! += gamma;
    } else {
      for (let i = 0; i < t; i++) w[i] = (1 + gamma) * w[i]!;
      w[v]! -= gamma;
      if (gamma === gammaMax) w[v] = 0;
    }
    for (let i = 0; i < t; i++) if (w[i]! < 0) w[i] = 0;
  }
}

/**
 * Solves `[G_SS 1; 1ᵀ 0][w_S; −λ] = [0; 1]` on the support S of w, dropping the most negative coordinate and
 * re-solving while any is negative; undefined when singular or empty.
 */
function polish(g: readonly (readonly number[])[], w: readonly number[]): number[] | undefined {
  const support = w.flatMap((x, i) => (x > 0 ? [i] : []));
  while (support.length > 0) {
    const k = support.length;
    const a = [...support.map((i) => [...support.map((j) => g[i]![j]!), -1]), [...support.map(() => 1), 0]];
    const sol = solveLinear(a, [...support.map(() => 0), 1], 1e-12);
    if (sol === undefined) return undefined;
    let worst = -1;
    for (let m = 0; m < k; m++) if (sol[m]! < 0 && (worst < 0 || sol[m]! < sol[worst]!)) worst = m;
    if (worst < 0) {
      const out = new Array<number>(w.length).fill(0);
      for (let m = 0; m < k; m++) out[support[m]!] = sol[m]!;
      return out;
    }
    support.splice(worst, 1);
  }
  return undefined;
}
