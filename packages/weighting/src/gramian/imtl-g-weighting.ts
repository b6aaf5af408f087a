import type { GramianWeighting } from '@multitask/core';
import { solveLinear } from '../math/linalg.ts';
import { diagonalScaling } from '../math/diagonal.ts';
import { prepareGramian, type GramianContext } from './gramian-strategy.ts';

const NAME = 'imtl-g';

/**
 * IMTL-G weights (Liu et al. 2021, "Towards Impartial Multi-task Learning", the gradient part): the
 * aggregated gradient `d = Σ αᵢ gᵢ` with `Σ αᵢ = 1` has equal projections on every unit task gradient
 * `uᵢ = gᵢ/‖gᵢ‖`. With `D = [g₁−g₂; …; g₁−g_T]` and `U = [u₁−u₂; …; u₁−u_T]`,
 * `α₂..T = g₁Uᵀ(DUᵀ)⁻¹`, `α₁ = 1 − Σ α₂..T`; every product is a Gramian entry divided by norms. When the task
 * gradients are linearly independent this is the closed form `α ∝ G⁻¹√diag(G)`, computed on the unit-diagonal
 * Gramian so the gradients' scales do not matter; when they are dependent (`DUᵀ` singular) the system is solved
 * in the least-squares sense (ridge 1e-12 relative). A task with a zero gradient has no direction: IMTL-G runs
 * over the other tasks and gives it weight 0 (the update is 0 only when every gradient is).
 *
 * @example
 * ```ts
 * import { imtlGWeightsFromGramian } from '@multitask/weighting';
 *
 * // d = (2/3, 2/3) projects equally on both axes:
 * console.log(imtlGWeightsFromGramian([[1, 0], [0, 4]])); // ≈ [0.667, 0.333]
 * ```
 */
export function imtlGWeightsFromGramian(
  gramian: readonly (readonly number[])[],
  context: GramianContext = {},
): number[] {
  const { gramian: g } = prepareGramian(NAME, gramian, context.tasks?.length);
  const t = g.length;
  const { active, roots, normalized } = diagonalScaling(g);
  // tasks with a zero gradient have no direction to project on: IMTL-G runs over the others, weight 0 for them
  if (active.length === 0) return new Array<number>(t).fill(1 / t);
  const w = new Array<number>(t).fill(0);
  // closed form: equal projections dᵀuᵢ = κ ⇔ Gα = κ·√diag(G) ⇔ α ∝ D^{-1/2}Ĝ⁻¹1 (Ĝ the unit-diagonal Gramian)
  const y = solveLinear(normalized, new Array<number>(active.length).fill(1), 1e-12);
  if (y !== undefined) {
    const alpha = active.map((i, a) => y[a]! / roots[i]!);
    let total = 0;
    for (const v of alpha) total += v;
    if (Number.isFinite(total) && Math.abs(total) > 0) {
      active.forEach((i, a) => (w[i] = alpha[a]! / total));
      return w;
    }
  }
  // linearly dependent gradients: the difference system, in the least-squares sense
  imtlGDifferenceSystem(active.map((i) => active.map((j) => g[i]![j]!))).forEach(
    (v, a) => (w[active[a]!] = v),
  );
  return w;
}

function imtlGDifferenceSystem(g: readonly (readonly number[])[]): number[] {
  const t = g.length;
  if (t === 1) return [1];
  const inv = g.map((row, i) => 1 / Math.sqrt(row[i]!));
  const a = (i: number, j: number): number => g[i]![j]! * inv[j]!; // gᵢ·uⱼ
  const m = t - 1;
  // M[r][c] = (g₁ − g_{r+1})·(u₁ − u_{c+1}); b[c] = g₁·(u₁ − u_{c+1}); solve α M = b, i.e. Mᵀ αᵀ = bᵀ
  const mt = Array.from({ length: m }, (_, c) =>
    Array.from({ length: m }, (_, r) => a(0, 0) - a(0, c + 1) - a(r + 1, 0) + a(r + 1, c + 1)),
  );
  const b = Array.from({ length: m }, (_, c) => a(0, 0) - a(0, c + 1));
  let alpha = solveLinear(mt, b, 1e-10);
  if (alpha === undefined) {
    // least squares with a tiny ridge: (M Mᵀ + λI) αᵀ = M bᵀ, where M = (mt)ᵀ
    const mm = Array.from({ length: m }, (_, i) =>
      Array.from({ length: m }, (_, j) => {
        let s = 0;
        for (let k = 0; k < m; k++) s += mt[k]![i]! * mt[k]![j]!;
        return s;
      }),
    );
    let tr = 0;
    for (let i = 0; i < m; i++) tr += mm[i]![i]!;
    const lambda = 1e-12 * Math.max(tr / m, Number.MIN_VALUE);
    for (let i = 0; i < m; i++) mm[i]![i]! += lambda;
    const rhs = Array.from({ length: m }, (_, i) => {
      let s = 0;
      for (let k = 0; k < m; k++) s += mt[k]![i]! * b[k]!;
      return s;
    });
    alpha = solveLinear(mm, rhs, 0) ?? new Array<number>(m).fill(0);
  }
  let rest = 0;
  for (const v of alpha) rest += v;
  return [1 - rest, ...alpha];
}

/**
 * IMTL-G (Liu et al. 2021): the aggregated gradient makes equal projections on every task's unit gradient, so
 * no task dominates the shared update. Closed form (one (T−1)×(T−1) solve). Family: Gramian; modes
 * `representation` (the paper's setting) and `parameters`.
 *
 * @example
 * ```ts
 * import { Rng } from '@multitask/core';
 * import { imtlGWeighting } from '@multitask/weighting';
 *
 * const strategy = imtlGWeighting();
 * const tasks = ['a', 'b'];
 * const context = { step: 0, epoch: 0, tasks, rng: new Rng(1), losses: [1, 1], mode: 'parameters' as const };
 * console.log(strategy.weights([[1, 0], [0, 4]], context)); // ≈ [0.667, 0.333]
 * strategy.dispose();
 * ```
 */
export function imtlGWeighting(): GramianWeighting {
  return {
    name: NAME,
    family: 'gramian',
    modes: ['representation', 'parameters'],
    weights: (g, ctx) => imtlGWeightsFromGramian(g, ctx),
    getConfig: () => ({}),
    state: () => null,
    load: () => undefined,
    dispose: () => undefined,
  };
}
