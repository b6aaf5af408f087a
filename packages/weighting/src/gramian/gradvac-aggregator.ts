import type { GramianWeighting, JsonValue, Rng } from '@multitask/core';
import { checkNumberOption, type ResolvedConfig } from '../options.ts';
import { prepareGramian, type GramianContext } from './gramian-strategy.ts';

/** Options of {@link gradvacAggregator}. */
export interface GradvacAggregatorOptions {
  /** EMA rate β of the target similarities `φ̂ᵢⱼ ← (1−β)φ̂ᵢⱼ + βφᵢⱼ`. Default 0.01 (the paper's value). */
  readonly beta?: number;
}

/** Target cosine similarity per ordered task pair: `targets[i][j]` is φ̂ᵢⱼ. */
export type GradvacTargets = Record<string, Record<string, number>>;

/** What {@link gradvacWeightsFromGramian} needs beside the Gramian: task names, the generator, the targets. */
export interface GradvacContext extends GramianContext {
  /** Task names (keys of the targets). */
  readonly tasks: readonly string[];
  /** Seeded generator of the task order. */
  readonly rng: Rng;
  /** Target similarities, updated in place (the EMA); `{}` at the first step. */
  readonly targets: GradvacTargets;
}

const NAME = 'gradvac';

/** The resolved options of GradVac: its `getConfig()` and the argument of its maths. */
interface GradvacConfig extends ResolvedConfig {
  readonly beta: number;
}

function resolveGradvacOptions(options: GradvacAggregatorOptions): GradvacConfig {
  return { beta: checkNumberOption(NAME, 'beta', options.beta ?? 0.01, { min: 0, max: 1, minOpen: true }) };
}

/**
 * GradVac weights from the Gramian and the target similarities (mutated in place: the EMA update). For each
 * task i and each other task j in a random order from `rng`: with `φ = cos(gᵢ', gⱼ)`, when `φ < φ̂ᵢⱼ`,
 * `gᵢ' += ‖gᵢ'‖ (φ̂√(1−φ²) − φ√(1−φ̂²)) / (‖gⱼ‖√(1−φ̂²)) · gⱼ`; then `φ̂ᵢⱼ ← (1−β)φ̂ᵢⱼ + βφ`. The result
 * `Σ gᵢ'` is returned as weights on the original gradients. Pure apart from `context.targets`. Arguments in the
 * order of every `…WeightsFromGramian`: Gramian, context, options.
 *
 * @example
 * ```ts
 * import { Rng } from '@multitask/core';
 * import { gradvacWeightsFromGramian } from '@multitask/weighting';
 *
 * const targets = {}; // the EMA of target similarities, updated in place
 * const G = [[1, -0.5], [-0.5, 1]];
 * console.log(gradvacWeightsFromGramian(G, { tasks: ['a', 'b'], rng: new Rng(1), targets })); // [1.5, 1.5]
 * ```
 */
export function gradvacWeightsFromGramian(
  gramian: readonly (readonly number[])[],
  context: GradvacContext,
  options: GradvacAggregatorOptions = {},
): number[] {
  return gradvacWeights(gramian, context, resolveGradvacOptions(options));
}

function gradvacWeights(
  gramian: readonly (readonly number[])[],
  { tasks, rng, targets }: GradvacContext,
  { beta }: GradvacConfig,
): number[] {
  const { gramian: g } = prepareGramian(NAME, gramian, tasks.length);
  const t = g.length;
  const coef = Array.from({ length: t }, (_, i) => Array.from({ length: t }, (_, k) => (i === k ? 1 : 0)));
  for (let i = 0; i < t; i++) {
    const row = coef[i]!;
    const others = rng.shuffle(Array.from({ length: t - 1 }, (_, k) => (k < i ? k : k + 1)));
    const ti = (targets[tasks[i]!] ??= {});
    for (const j of others) {
      let gij = 0;
      let gii = 0;
      for (let k = 0; k < t; k++) {
        gij += row[k]! * g[k]![j]!;
        let s = 0;
        for (let l = 0; l < t; l++) s += g[k]![l]! * row[l]!;
        gii += row[k]! * s;
      }
      const ni = Math.sqrt(Math.max(0, gii));
      const nj = Math.sqrt(Math.max(0, g[j]![j]!));
      if (!(ni > 0 && nj > 0)) continue;
      const phi = Math.max(-1, Math.min(1, gij / (ni * nj)));
      const target = ti[tasks[j]!] ?? 0;
      if (phi < target) {
        const sinT = Math.max(Math.sqrt(Math.max(0, 1 - target * target)), 1e-12);
        row[j]! += (ni * (target * Math.sqrt(Math.max(0, 1 - phi * phi)) - phi * sinT)) / (nj * sinT);
      }
      ti[tasks[j]!] = (1 - beta) * target + beta * phi;
    }
  }
  return Array.from({ length: t }, (_, k) => {
    let s = 0;
    for (let i = 0; i < t; i++) s += coef[i]![k]!;
    return s;
  });
}

/**
 * GradVac (Wang et al. 2021, "Gradient Vaccine: Investigating and Improving Multi-task Optimization in
 * Massively Multilingual Models"): like PCGrad, but moves each pair towards an adaptive target similarity (an
 * EMA of past similarities, kept as state keyed by task names) instead of orthogonality. Whole-vector variant
 * (the paper also applies it per layer). Its maths needs only the Gramian, so it is a Gramian strategy (the
 * name `…Aggregator` is kept for compatibility); modes `parameters` (the paper's setting) and `representation`.
 * Its task order is drawn from `context.rng`.
 *
 * @example
 * ```ts
 * import { Rng } from '@multitask/core';
 * import { gradvacAggregator } from '@multitask/weighting';
 *
 * const strategy = gradvacAggregator({ beta: 0.01 });
 * const tasks = ['a', 'b'];
 * const context = { step: 0, epoch: 0, tasks, rng: new Rng(1), losses: [1, 1], mode: 'parameters' as const };
 * console.log(strategy.weights([[1, -0.5], [-0.5, 1]], context)); // [1.5, 1.5]
 * strategy.dispose();
 * ```
 */
export function gradvacAggregator(options: GradvacAggregatorOptions = {}): GramianWeighting {
  const config = resolveGradvacOptions(options);
  let targets: GradvacTargets = {};
  return {
    name: NAME,
    family: 'gramian',
    modes: ['parameters', 'representation'],
    weights: (gramian, context) =>
      gradvacWeights(gramian, { tasks: context.tasks, rng: context.rng, targets }, config),
    getConfig: () => ({ ...config }),
    state: (): JsonValue => ({ targets: JSON.parse(JSON.stringify(targets)) as JsonValue }),
    load(state): void {
      const s = state as { targets?: GradvacTargets } | null;
      targets = s?.targets === undefined ? {} : (JSON.parse(JSON.stringify(s.targets)) as GradvacTargets);
    },
    dispose: () => undefined,
  };
}
