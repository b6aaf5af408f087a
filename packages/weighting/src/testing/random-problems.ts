import { MultitaskError, type Rng } from '@multitask/core';

/** Options of {@link randomJacobian}. */
export interface RandomJacobianOptions {
  /** Number of tasks T (rows). */
  readonly tasks: number;
  /** Number of columns n (gradient length). */
  readonly dim: number;
  /** Rank of the Jacobian, 0…min(T, n). Default: min(T, n) (full rank). */
  readonly rank?: number;
  /**
   * Scale of the entries: the Jacobian is `scale · A B / √rank` with A (T×rank) and B (rank×n) standard
   * normal, so row norms are about `scale·√n`. `0` gives the all-zero Jacobian. Default 1.
   */
  readonly scale?: number;
}

/**
 * A random T×n Jacobian of a chosen rank and scale from a seeded generator (plain numbers, row-major).
 *
 * @example
 * ```ts
 * import { Rng } from '@multitask/core';
 * import { gramianFromRows, randomJacobian } from '@multitask/weighting/testing';
 *
 * const J = randomJacobian(new Rng(7), { tasks: 4, dim: 10, rank: 2, scale: 1e15 }); // 4 rows of length 10, rank 2
 * console.log(J.length, J[0].length); // 4 10
 * console.log(gramianFromRows(J)[0][0] > 1e28); // true: gradients of norm around 1e15
 * ```
 */
export function randomJacobian(rng: Rng, options: RandomJacobianOptions): number[][] {
  const { tasks, dim } = options;
  const rank = options.rank ?? Math.min(tasks, dim);
  const scale = options.scale ?? 1;
  if (!Number.isInteger(tasks) || tasks < 1 || !Number.isInteger(dim) || dim < 1) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/weighting] randomJacobian: tasks and dim must be integers ≥ 1, got ${tasks} and ${dim}.`,
      { details: { option: 'tasks' } },
    );
  }
  if (!Number.isInteger(rank) || rank < 0 || rank > Math.min(tasks, dim)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/weighting] randomJacobian: rank must be an integer in [0, ${Math.min(tasks, dim)}], got ${rank}.`,
      { details: { option: 'rank' } },
    );
  }
  if (!(scale >= 0) || !Number.isFinite(scale)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/weighting] randomJacobian: scale must be a finite number ≥ 0, got ${scale}.`,
      { details: { option: 'scale' } },
    );
  }
  const a = Array.from({ length: tasks }, () => Array.from({ length: rank }, () => rng.normal()));
  const b = Array.from({ length: rank }, () => Array.from({ length: dim }, () => rng.normal()));
  const f = rank === 0 ? 0 : scale / Math.sqrt(rank);
  return a.map((row) =>
    Array.from({ length: dim }, (_, k) => {
      let s = 0;
      for (let r = 0; r < rank; r++) s += row[r]! * b[r]![k]!;
      return s * f + 0; // no −0
    }),
  );
}

/**
 * T positive random losses `scale · (|z| + 0.1)` with z standard normal, from a seeded generator.
 *
 * @example
 * ```ts
 * import { Rng } from '@multitask/core';
 * import { randomLosses } from '@multitask/weighting/testing';
 *
 * const losses = randomLosses(new Rng(7), 3, 1e6); // 3 positive losses around 1e6
 * console.log(losses.map((l) => l.toExponential(2))); // ['1.80e+6', '6.91e+5', '1.15e+6']
 * ```
 */
export function randomLosses(rng: Rng, tasks: number, scale = 1): number[] {
  return Array.from({ length: tasks }, () => scale * (Math.abs(rng.normal()) + 0.1));
}
