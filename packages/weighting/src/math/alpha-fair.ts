import { dot, matVec, notConverged, solveLinear } from './linalg.ts';

/**
 * Solves `(G w)ᵢ = cᵢ wᵢ^{-1/α}`, `w > 0` (α-fair bargaining; α = 1, c = 1 is Nash-MTL's `Gα = 1/α`) as the
 * minimiser of the strictly convex `f(w) = ½wᵀGw − Σ cᵢ φ(wᵢ)` with `φ' (w) = w^{-1/α}`, by damped Newton.
 * Residual (backward error): `maxᵢ |(Gw)ᵢ − cᵢwᵢ^{-1/α}| / (Σⱼ|Gᵢⱼ|wⱼ + cᵢwᵢ^{-1/α})`. Throws
 * `SOLVER_NOT_CONVERGED` when there is no solution (0 in the convex cone of the gradients: regularise G).
 */
export function alphaFairWeights(
  g: readonly (readonly number[])[],
  coefficients: readonly number[],
  alpha: number,
  strategy: string,
  maxIterations: number,
  tolerance: number,
): number[] {
  const t = g.length;
  const p = 1 / alpha;
  const phi = (x: number): number => (alpha === 1 ? Math.log(x) : x ** (1 - p) / (1 - p));
  const f = (w: readonly number[]): number =>
    0.5 * dot(w, matVec(g, w)) - w.reduce((a, x, i) => a + coefficients[i]! * phi(x), 0);
  let w = new Array<number>(t).fill(1);
  for (let it = 0; ; it++) {
    const gw = matVec(g, w);
    // backward error: |(Gw)ᵢ − wᵢ^{-1/α}| relative to the size of the terms (Σⱼ|Gᵢⱼ|wⱼ + wᵢ^{-1/α})
    let residual = 0;
    for (let i = 0; i < t; i++) {
      const target = coefficients[i]! * w[i]! ** -p;
      let mag = target;
      for (let j = 0; j < t; j++) mag += Math.abs(g[i]![j]!) * w[j]!;
      residual = Math.max(residual, Math.abs(gw[i]! - target) / mag);
    }
    if (residual <= tolerance) return w;
    if (!Number.isFinite(residual)) throw notConverged(strategy, 'Newton solver', residual, it);
    if (it >= maxIterations) throw notConverged(strategy, 'Newton solver', residual, maxIterations);
    const grad = gw.map((v, i) => v - coefficients[i]! * w[i]! ** -p);
    const h = g.map((row, i) =>
      row.map((v, j) => (i === j ? v + coefficients[i]! * p * w[i]! ** (-p - 1) : v)),
    );
    const step = solveLinear(
      h,
      grad.map((v) => -v),
      0,
    );
    if (step === undefined) throw notConverged(strategy, 'Newton solver (singular Hessian)', residual, it);
    let s = 1;
    while (step.some((d, i) => w[i]! + s * d <= 0)) s /= 2;
    const f0 = f(w);
    const slope = dot(grad, step);
    let next = w.map((x, i) => x + s * step[i]!);
    // Armijo backtracking; near the solution f is flat to rounding, so a full step is then taken as is
    if (Math.abs(slope) > 1e-13 * (1 + Math.abs(f0))) {
      for (let k = 0; k < 60 && f(next) > f0 + 1e-4 * s * slope; k++) {
        s /= 2;
        next = w.map((x, i) => x + s * step[i]!);
      }
    }
    w = next;
  }
}
