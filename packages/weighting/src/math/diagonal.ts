/**
 * Diagonal scaling of a Gramian (internal): `Ĝ = D^{-1/2} G D^{-1/2}` on the tasks with a non-zero gradient,
 * so every task's gradient has unit norm. A problem solved on Ĝ does not depend on the tasks' gradient scales,
 * and a regularisation added to Ĝ is relative to each task's own norm.
 */
import { MultitaskError } from '@multitask/core';
import type { Matrix } from './linalg.ts';

/** Result of {@link diagonalScaling}. */
export interface DiagonalScaling {
  /** Indices of the tasks whose gradient is not zero (`Gᵢᵢ > 0`), ascending. */
  readonly active: readonly number[];
  /** `√Gᵢᵢ` of every task (0 for a zero gradient). */
  readonly roots: readonly number[];
  /** `Ĝ` restricted to `active` (unit diagonal), in the order of `active`. */
  readonly normalized: Matrix;
}

/** Splits G into the tasks with a gradient and their unit-diagonal Gramian. */
export function diagonalScaling(g: readonly (readonly number[])[]): DiagonalScaling {
  const roots = g.map((row, i) => Math.sqrt(Math.max(0, row[i]!)));
  const active = roots.flatMap((r, i) => (r > 0 ? [i] : []));
  const normalized = active.map((i, a) =>
    active.map((j, b) => (a === b ? 1 : g[i]![j]! / roots[i]! / roots[j]!)),
  );
  return { active, roots, normalized };
}

/** Thrown by a solver whose linear subproblem is singular; caught by {@link withRidgeFallback}. */
export class SingularSubproblem extends Error {
  constructor() {
    super('singular subproblem');
    this.name = 'SingularSubproblem';
  }
}

/**
 * Runs `solve` on `g` as it is; only when that meets a singular subproblem (duplicate or linearly dependent
 * gradients), runs it again on `g + ε·I`. `g` should have unit diagonal, so ε is relative to each task's norm.
 */
export function withRidgeFallback<T>(
  g: readonly (readonly number[])[],
  epsilon: number,
  solve: (q: readonly (readonly number[])[]) => T,
  strategy: string,
): T {
  try {
    return solve(g);
  } catch (e) {
    if (!(e instanceof SingularSubproblem)) throw e;
  }
  try {
    return solve(g.map((row, i) => row.map((v, j) => (i === j ? v + epsilon : v))));
  } catch (e) {
    if (!(e instanceof SingularSubproblem)) throw e;
    throw new MultitaskError(
      'SOLVER_NOT_CONVERGED',
      `[@multitask/weighting] ${strategy}: the subproblem stays singular with the regularization ${epsilon} ` +
        '(residual Infinity) — raise the `regularization` option.',
      { details: { strategy, solver: 'regularized subproblem', residual: Infinity, iterations: 0 } },
    );
  }
}
