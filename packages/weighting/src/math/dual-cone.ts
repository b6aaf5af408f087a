import { matVec } from './linalg.ts';
import { nonnegativeQp } from './bound-qp.ts';
import { withRidgeFallback, type DiagonalScaling } from './diagonal.ts';

/**
 * Weights of the projection of `Jᵀu` onto the dual cone `{x : Jx ≥ 0}` of the task gradients, from the
 * Gramian only: `v = argmin_{v ≥ u} vᵀ G v` (then `Jᵀv` is the projection). Solved on the unit-diagonal `Ĝ`
 * (`z = D^{1/2}v`), as `z = D^{1/2}u + x`, `min ½xᵀĜx + xᵀĜD^{1/2}u`, `x ≥ 0`, so the result does not depend
 * on the gradients' scales; `Ĝ + ε·I` only when Ĝ is singular on the active set. A task with a zero gradient
 * keeps `vᵢ = uᵢ` (its constraint is void).
 */
export function projectOntoDualCone(
  scaling: DiagonalScaling,
  u: readonly number[],
  strategy: string,
  maxIterations: number,
  tolerance: number,
  epsilon: number,
): number[] {
  const { active, roots, normalized } = scaling;
  const z0 = active.map((i) => roots[i]! * u[i]!);
  const x = withRidgeFallback(
    normalized,
    epsilon,
    (q) => nonnegativeQp(q, matVec(q, z0), strategy, maxIterations, tolerance),
    strategy,
  );
  const v = [...u];
  active.forEach((i, a) => (v[i] = u[i]! + x[a]! / roots[i]!));
  return v;
}
