import { gramianOfRows } from '../math/linalg.ts';

/**
 * The T×T Gramian `G = J Jᵀ` of a Jacobian given as plain rows (float64).
 *
 * @example
 * ```ts
 * import { gramianFromRows } from '@multitask/weighting/testing';
 *
 * console.log(gramianFromRows([[1, 0], [1, 1]])); // [[1, 1], [1, 2]]
 * ```
 */
export function gramianFromRows(rows: readonly (readonly number[])[]): number[][] {
  return gramianOfRows(rows);
}
