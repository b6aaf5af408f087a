import { matVec } from './linalg.ts';
import { nonnegativeQp } from './bound-qp.ts';

/**
 * Weights of the projection of `Jᵀu` onto the dual cone `{x : Jx ≥ 0}` of the task gradients, from the
 * Gramian only: `v = argmin_{v ≥ u} vᵀ G v` (then `Jᵀv` is the projection). Solved as `v = u + x`,
 * `min ½xᵀGx + xᵀ(Gu)`, `x ≥ 0`. `g` must be positive definite (add a small ridge first).
 */
export function projectOntoDualCone(
  g: readonly (readonly number[])[],
  u: readonly number[],
  strategy: string,
  maxIterations: number,
  tolerance: number,
): number[] {
  const x = nonnegativeQp(g, matVec(g, u), strategy, maxIterations, tolerance);
  return u.map((ui, i) => ui + x[i]!);
}

/** `g + ε·I`. */
export function ridge(g: readonly (readonly number[])[], epsilon: number): number[][] {
  return g.map((row, i) => row.map((v, j) => (i === j ? v + epsilon : v)));
}
