import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { MultitaskError, type JacobianAggregator, type JsonValue, type Rng } from '@multitask/core';
import { prepareGramian } from './gramian-strategy.ts';

/** Options of {@link gradvacAggregator}. */
export interface GradvacAggregatorOptions {
  /** EMA rate β of the target similarities `φ̂ᵢⱼ ← (1−β)φ̂ᵢⱼ + βφᵢⱼ`. Default 0.01 (the paper's value). */
  readonly beta?: number;
}

/** Target cosine similarity per ordered task pair: `targets[i][j]` is φ̂ᵢⱼ. */
export type GradvacTargets = Record<string, Record<string, number>>;

const NAME = 'gradvac';

/**
 * GradVac weights from the Gramian and the target similarities (mutated in place: the EMA update). For each
 * task i and each other task j in a random order from `rng`: with `φ = cos(gᵢ', gⱼ)`, when `φ < φ̂ᵢⱼ`,
 * `gᵢ' += ‖gᵢ'‖ (φ̂√(1−φ²) − φ√(1−φ̂²)) / (‖gⱼ‖√(1−φ̂²)) · gⱼ`; then `φ̂ᵢⱼ ← (1−β)φ̂ᵢⱼ + βφ`. The result
 * `Σ gᵢ'` is returned as weights on the original gradients. Pure apart from `targets`.
 *
 * @example
 * ```ts
 * const targets = {};
 * gradvacWeightsFromGramian([[1, -0.5], [-0.5, 1]], ['a', 'b'], targets, new Rng(1)); // first step acts like PCGrad
 * ```
 */
export function gradvacWeightsFromGramian(
  gramian: readonly (readonly number[])[],
  tasks: readonly string[],
  targets: GradvacTargets,
  rng: Rng,
  beta = 0.01,
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
 * (the paper also applies it per layer). Family: Jacobian; modes `parameters` (the paper's setting) and
 * `representation`. Its task order is drawn from `context.rng`.
 *
 * @example
 * ```ts
 * const strategy = gradvacAggregator({ beta: 0.01 });
 * ```
 */
export function gradvacAggregator(options: GradvacAggregatorOptions = {}): JacobianAggregator {
  const beta = options.beta ?? 0.01;
  if (!(beta > 0 && beta <= 1)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/weighting] gradvac: option \`beta\` must be in (0, 1], got ${beta}.`,
      {
        details: { option: 'beta' },
      },
    );
  }
  let targets: GradvacTargets = {};
  let last: number[] | undefined;
  return {
    name: NAME,
    family: 'jacobian',
    modes: ['parameters', 'representation'],
    aggregate(jacobian, context): Tensor {
      if (jacobian.rank !== 2 || jacobian.shape[0] !== context.tasks.length) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/weighting] gradvac: the Jacobian must be [T=${context.tasks.length}, n], got shape [${jacobian.shape.join(', ')}].`,
          { details: { shape: jacobian.shape } },
        );
      }
      const t = jacobian.shape[0];
      const gramTensor = tf.matMul(jacobian, jacobian, false, true);
      const flat = gramTensor.dataSync();
      gramTensor.dispose();
      const gram = Array.from({ length: t }, (_, i) => Array.from({ length: t }, (_, j) => flat[i * t + j]!));
      const w = gradvacWeightsFromGramian(gram, context.tasks, targets, context.rng, beta);
      last = w;
      return tf.tidy(() => tf.reshape(tf.matMul(tf.tensor2d([w]), jacobian), [jacobian.shape[1]!]));
    },
    lastWeights: () => last,
    getConfig: () => ({ beta }),
    state: (): JsonValue => ({ targets: JSON.parse(JSON.stringify(targets)) as JsonValue }),
    load(state): void {
      const s = state as { targets?: GradvacTargets } | null;
      targets = s?.targets === undefined ? {} : (JSON.parse(JSON.stringify(s.targets)) as GradvacTargets);
      last = undefined;
    },
    dispose: () => undefined,
  };
}
