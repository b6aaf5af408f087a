/**
 * Small dense linear algebra on plain numbers (float64) for T×T Gramians. Internal: not exported from the
 * package entry point.
 */
import { MultitaskError } from '@multitask/core';

/** A square or rectangular matrix as nested rows. */
export type Matrix = number[][];

/** Copies a readonly matrix into a mutable one. */
export function copyMatrix(a: readonly (readonly number[])[]): Matrix {
  return a.map((row) => [...row]);
}

/** The T×T Gramian `J Jᵀ` of the rows of `rows`. */
export function gramianOfRows(rows: readonly (readonly number[])[]): Matrix {
  const t = rows.length;
  const g: Matrix = Array.from({ length: t }, () => new Array<number>(t).fill(0));
  for (let i = 0; i < t; i++) {
    for (let j = i; j < t; j++) {
      const v = dot(rows[i]!, rows[j]!);
      g[i]![j] = v;
      g[j]![i] = v;
    }
  }
  return g;
}

/** Dot product. */
export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** `A x`. */
export function matVec(a: readonly (readonly number[])[], x: readonly number[]): number[] {
  return a.map((row) => dot(row, x));
}

/** `Jᵀ w`: the combination `Σ wₜ Jₜ` of the rows of `rows`. */
export function combineRows(rows: readonly (readonly number[])[], w: readonly number[]): number[] {
  const n = rows[0]?.length ?? 0;
  const out = new Array<number>(n).fill(0);
  rows.forEach((row, t) => {
    const wt = w[t]!;
    if (wt === 0) return;
    for (let k = 0; k < n; k++) out[k]! += wt * row[k]!;
  });
  return out;
}

/** `xᵀ A x`. */
export function quadForm(a: readonly (readonly number[])[], x: readonly number[]): number {
  return dot(x, matVec(a, x));
}

/** Sum of the entries. */
export function sum(x: readonly number[]): number {
  let s = 0;
  for (const v of x) s += v;
  return s;
}

/** Largest absolute entry. */
export function maxAbs(x: readonly number[]): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  return m;
}

/** The identity matrix of size n. */
export function identity(n: number): Matrix {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

/**
 * Solves `A x = b` by Gaussian elimination with partial pivoting. Returns `undefined` when a pivot is below
 * `pivotTolerance · max|A|` (singular to working precision).
 */
export function solveLinear(
  a: readonly (readonly number[])[],
  b: readonly number[],
  pivotTolerance = 1e-13,
): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  let scale = 0;
  for (const row of a) scale = Math.max(scale, maxAbs(row));
  if (scale === 0) return n === 0 ? [] : undefined;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (Math.abs(m[p]![c]!) <= pivotTolerance * scale) return undefined;
    if (p !== c) [m[p], m[c]] = [m[c]!, m[p]!];
    const pivotRow = m[c]!;
    for (let r = c + 1; r < n; r++) {
      const row = m[r]!;
      const f = row[c]! / pivotRow[c]!;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) row[k]! -= f * pivotRow[k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = m[r]!;
    let s = row[n]!;
    for (let k = r + 1; k < n; k++) s -= row[k]! * x[k]!;
    x[r] = s / row[r]!;
  }
  return x;
}

/** Result of {@link symmetricEigen}: eigenvalues (ascending) and the matching unit eigenvectors as columns. */
export interface EigenDecomposition {
  /** Eigenvalues, ascending. */
  readonly values: number[];
  /** `vectors[i][k]` is component i of the eigenvector of `values[k]`. */
  readonly vectors: Matrix;
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations. Throws `SOLVER_NOT_CONVERGED` when the
 * off-diagonal mass is still above `tolerance · ‖A‖_F` after `maxSweeps` sweeps.
 */
export function symmetricEigen(
  a: readonly (readonly number[])[],
  strategy: string,
  maxSweeps = 100,
  tolerance = 1e-14,
): EigenDecomposition {
  const n = a.length;
  const m = copyMatrix(a);
  const v = identity(n);
  let frob = 0;
  for (const row of m) for (const x of row) frob += x * x;
  frob = Math.sqrt(frob);
  const offNorm = (): number => {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) s += m[i]![j]! ** 2;
    return Math.sqrt(s);
  };
  let sweeps = 0;
  while (offNorm() > tolerance * frob) {
    if (sweeps >= maxSweeps) {
      throw notConverged(strategy, 'Jacobi eigen-decomposition', offNorm() / frob, maxSweeps, 'maxSweeps');
    }
    sweeps++;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p]![q]!;
        if (apq === 0) continue;
        const theta = (m[q]![q]! - m[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k]![p]!;
          const mkq = m[k]![q]!;
          m[k]![p] = c * mkp - s * mkq;
          m[k]![q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p]![k]!;
          const mqk = m[q]![k]!;
          m[p]![k] = c * mpk - s * mqk;
          m[q]![k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[i]![i]! - m[j]![j]!);
  return {
    values: order.map((i) => m[i]![i]!),
    vectors: v.map((row) => order.map((i) => row[i]!)),
  };
}

/**
 * The error every solver throws when it stops before its residual meets the tolerance.
 * @param strategy - strategy name (e.g. `"mgda"`)
 * @param solver - what did not converge
 * @param residual - the residual reached
 * @param iterations - the iteration limit that was hit
 * @param option - the option that raises the limit
 */
export function notConverged(
  strategy: string,
  solver: string,
  residual: number,
  iterations: number,
  option = 'maxIterations',
): MultitaskError {
  return new MultitaskError(
    'SOLVER_NOT_CONVERGED',
    `[@multitask/weighting] ${strategy}: the ${solver} did not converge in ${iterations} iterations ` +
      `(residual ${residual.toExponential(3)}) — raise the \`${option}\` option, loosen \`tolerance\`, or pass ` +
      `\`onNonConvergence: 'skip-step'\` to skip such steps.`,
    { details: { strategy, solver, residual, iterations } },
  );
}
