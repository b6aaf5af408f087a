import { MultitaskError, type GramianWeighting } from '@multitask/core';
import { checkChoiceOption, type ResolvedConfig } from '../options.ts';
import { prepareGramian, type GramianContext } from './gramian-strategy.ts';

/** Options of {@link pcgradWeighting} and {@link pcgradWeightsFromGramian}. */
export interface PcgradWeightingOptions {
  /** How the projected gradients are combined: `'sum'` (the paper's Algorithm 1; default) or `'mean'`. */
  readonly reduction?: 'sum' | 'mean';
}

const NAME = 'pcgrad';

/** The resolved options of PCGrad: its `getConfig()` and the argument of its maths. */
interface PcgradConfig extends ResolvedConfig {
  readonly reduction: 'sum' | 'mean';
}

function resolvePcgradOptions(options: PcgradWeightingOptions): PcgradConfig {
  return { reduction: checkChoiceOption(NAME, 'reduction', options.reduction ?? 'sum', ['sum', 'mean']) };
}

/**
 * PCGrad weights (Yu et al. 2020, "Gradient Surgery for Multi-Task Learning"). Each task gradient gᵢ is
 * projected, in a random order of the other tasks drawn from `context.rng`, onto the normal plane of every gⱼ
 * it conflicts with (`gᵢ ← gᵢ − (gᵢ·gⱼ/‖gⱼ‖²) gⱼ` when `gᵢ·gⱼ < 0`); the result is `Σᵢ gᵢ`. Every projected
 * gradient is a combination of the original ones, so the method is tracked as a T×T coefficient matrix using
 * only dot products from G, and returned as weights on the original gradients. Needs `context.rng` for T ≥ 3.
 *
 * @example
 * ```ts
 * import { pcgradWeightsFromGramian } from '@multitask/weighting';
 *
 * console.log(pcgradWeightsFromGramian([[1, -0.5], [-0.5, 1]])); // [1.5, 1.5]
 * ```
 */
export function pcgradWeightsFromGramian(
  gramian: readonly (readonly number[])[],
  context: GramianContext = {},
  options: PcgradWeightingOptions = {},
): number[] {
  return pcgradWeights(gramian, context, resolvePcgradOptions(options));
}

function pcgradWeights(
  gramian: readonly (readonly number[])[],
  context: GramianContext,
  { reduction }: PcgradConfig,
): number[] {
  const { gramian: g } = prepareGramian(NAME, gramian, context.tasks?.length);
  const t = g.length;
  const rng = context.rng;
  if (rng === undefined && t >= 3) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/weighting] pcgrad: ${t} tasks need a seeded generator for the random task order — pass context.rng (an Rng from @multitask/core).`,
      { details: { option: 'rng' } },
    );
  }
  // coef[i][k]: coefficient of the original g_k in the projected g_i
  const coef = Array.from({ length: t }, (_, i) => Array.from({ length: t }, (_, k) => (i === k ? 1 : 0)));
  for (let i = 0; i < t; i++) {
    const others = Array.from({ length: t - 1 }, (_, k) => (k < i ? k : k + 1));
    const order = rng === undefined ? others : rng.shuffle(others);
    const row = coef[i]!;
    for (const j of order) {
      let d = 0;
      for (let k = 0; k < t; k++) d += row[k]! * g[k]![j]!;
      const gjj = g[j]![j]!;
      if (d < 0 && gjj > 0) row[j]! -= d / gjj;
    }
  }
  const f = reduction === 'mean' ? 1 / t : 1;
  return Array.from({ length: t }, (_, k) => {
    let s = 0;
    for (let i = 0; i < t; i++) s += coef[i]![k]!;
    return s * f;
  });
}

/**
 * PCGrad (Yu et al. 2020): projects conflicting task gradients onto each other's normal plane, in a random
 * order drawn from the step's seeded generator. Family: Gramian; modes `parameters` (the paper's setting) and
 * `representation`.
 *
 * @example
 * ```ts
 * import { Rng } from '@multitask/core';
 * import { pcgradWeighting } from '@multitask/weighting';
 *
 * const strategy = pcgradWeighting();
 * const tasks = ['a', 'b'];
 * const context = { step: 0, epoch: 0, tasks, rng: new Rng(1), losses: [1, 1], mode: 'parameters' as const };
 * console.log(strategy.weights([[1, -0.5], [-0.5, 1]], context)); // [1.5, 1.5]
 * strategy.dispose();
 * ```
 */
export function pcgradWeighting(options: PcgradWeightingOptions = {}): GramianWeighting {
  const config = resolvePcgradOptions(options);
  return {
    name: NAME,
    family: 'gramian',
    modes: ['parameters', 'representation'],
    weights: (g, ctx) => pcgradWeights(g, ctx, config),
    getConfig: () => ({ ...config }),
    state: () => null,
    load: () => undefined,
    dispose: () => undefined,
  };
}
