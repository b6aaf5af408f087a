import { notConverged, solveLinear } from './linalg.ts';
import { SingularSubproblem } from './diagonal.ts';

/**
 * Solves the convex QP `min ½ xᵀQx + cᵀx  s.t.  x ≥ 0` (Q symmetric positive semi-definite, small) by a primal
 * active-set method in the style of Lawson–Hanson NNLS: exact in a finite number of steps. Stops when no
 * coordinate outside the passive set has a negative gradient below `−tolerance · max|c|`; throws
 * `SOLVER_NOT_CONVERGED` after `maxIterations` set changes, {@link SingularSubproblem} when a subproblem on the
 * passive set is singular (Q singular there: regularise and retry).
 */
export function nonnegativeQp(
  q: readonly (readonly number[])[],
  c: readonly number[],
  strategy: string,
  maxIterations: number,
  tolerance: number,
): number[] {
  const n = c.length;
  const x = new Array<number>(n).fill(0);
  const passive = new Array<boolean>(n).fill(false);
  const ref = Math.max(0, ...c.map(Math.abs));
  if (!(ref > 0)) return x;
  const negGrad = (): number[] =>
    Array.from({ length: n }, (_, i) => {
      let s = c[i]!;
      for (let j = 0; j < n; j++) s += q[i]![j]! * x[j]!;
      return -s;
    });
  const residual = (w: readonly number[]): number => {
    let r = 0;
    for (let i = 0; i < n; i++) r = Math.max(r, passive[i] ? Math.abs(w[i]!) : w[i]!);
    return r / ref;
  };
  let iterations = 0;
  for (;;) {
    const w = negGrad();
    let j = -1;
    for (let i = 0; i < n; i++) if (!passive[i] && w[i]! > tolerance * ref && (j < 0 || w[i]! > w[j]!)) j = i;
    // no coordinate outside the passive set can decrease the objective; on the passive set x is the exact
    // solution of its linear system, so x satisfies the KKT conditions to rounding
    if (j < 0) return x;
    if (iterations >= maxIterations)
      throw notConverged(strategy, 'active-set QP solver', residual(w), maxIterations);
    passive[j] = true;
    // inner loop: solve on the passive set, step back to feasibility when a coordinate goes ≤ 0
    for (;;) {
      iterations++;
      const idx = passive.flatMap((p, i) => (p ? [i] : []));
      const sub = idx.map((a) => idx.map((b) => q[a]![b]!));
      const s = solveLinear(
        sub,
        idx.map((a) => -c[a]!),
      );
      if (s === undefined) throw new SingularSubproblem();
      if (s.every((v) => v > 0)) {
        idx.forEach((a, k) => (x[a] = s[k]!));
        break;
      }
      let alpha = 1;
      idx.forEach((a, k) => {
        const sk = s[k]!;
        if (sk <= 0) alpha = Math.min(alpha, x[a]! / (x[a]! - sk));
      });
      idx.forEach((a, k) => {
        x[a] = x[a]! + alpha * (s[k]! - x[a]!);
        if (x[a] <= 1e-300 || (s[k]! <= 0 && x[a] <= Number.EPSILON * ref)) {
          x[a] = 0;
          passive[a] = false;
        }
      });
      if (iterations >= maxIterations) {
        throw notConverged(strategy, 'active-set QP solver', residual(negGrad()), maxIterations);
      }
    }
  }
}
