import { Rng } from '@multitask/core';
import { mgdaWeightsFromGramian } from '../../src/index.ts';
import {
  gram,
  mgdaKktResidual,
  mgdaOptimumByEnumeration,
  quadFloor,
  relativeObjectiveError,
  spreadJacobian,
} from './optimality.ts';

/** Result of {@link checkMgdaExactness}. */
export interface MgdaExactness {
  readonly cases: number;
  readonly exceptions: number;
  /** Cases whose optimum is 0 to the Gramian's precision (0 in the hull). */
  readonly zeroOptimum: number;
  /** Largest {@link relativeObjectiveError}. */
  readonly maxObjectiveError: number;
  readonly maxKkt: number;
  readonly worstObjectiveCase: number;
  readonly worstKktCase: number;
}

/**
 * MGDA on `cases` seeded random Gramians of the property suite (T = 2–8, n = 1–60, row norms over up to 8
 * decades, zero and duplicate rows, n < T): no exception, objective against exact support enumeration, KKT on the
 * diagonally normalised Gramian.
 */
export function checkMgdaExactness(cases: number, seed = 1): MgdaExactness {
  let exceptions = 0;
  let maxObjectiveError = 0;
  let maxKkt = 0;
  let zeroOptimum = 0;
  let worstObjectiveCase = -1;
  let worstKktCase = -1;
  for (let k = 0; k < cases; k++) {
    const rng = new Rng(seed * 1_000_003 + k);
    const t = 2 + Math.floor(rng.next() * 7);
    const n = 1 + Math.floor(rng.next() * 60);
    const decades = rng.next() * 8;
    const zeroRows = rng.next() < 0.1 ? 1 : 0;
    const duplicates = rng.next() < 0.2 ? 1 + Math.floor(rng.next() * 2) : 0;
    const g = gram(spreadJacobian(rng, t, n, decades, { zeroRows, duplicates }));
    let w: number[];
    try {
      w = mgdaWeightsFromGramian(g);
    } catch {
      exceptions++;
      continue;
    }
    const fStar = Math.max(0, mgdaOptimumByEnumeration(g));
    if (fStar <= quadFloor(g, w)) zeroOptimum++;
    const err = relativeObjectiveError(g, w, fStar);
    const kkt = mgdaKktResidual(g, w);
    if (err > maxObjectiveError) worstObjectiveCase = k;
    if (kkt > maxKkt) worstKktCase = k;
    maxObjectiveError = Math.max(maxObjectiveError, err);
    maxKkt = Math.max(maxKkt, kkt);
  }
  return { cases, exceptions, zeroOptimum, maxObjectiveError, maxKkt, worstObjectiveCase, worstKktCase };
}
