import * as tf from '@tensorflow/tfjs-core';
import type { Scalar } from '@tensorflow/tfjs-core';
import type { JsonValue, LossWeighting } from '@multitask/core';
import { MultitaskError } from '@multitask/core';
import {
  adamStep,
  badState,
  checkTaskCount,
  jsonObject,
  newAdamState,
  numberRecord,
  softmax,
  stopGradient,
  type AdamState,
} from '../math/loss-math.ts';
import { checkChoiceOption, checkNumberOption } from '../options.ts';

/** Options of {@link famoWeighting}. */
export interface FamoWeightingOptions {
  /** Step size β of the logit update. Default `0.025` (the authors' released default). */
  readonly logitLearningRate?: number;
  /** Decay γ of the logits (the `γξ` term of the update). Default `0.01` (the authors' released default). */
  readonly weightDecay?: number;
  /**
   * How the logits move: `'adam'` (default, as the authors' released code: Adam with step β on the gradient
   * `δ + γξ`) or `'sgd'` (the paper's Algorithm 1 verbatim: `ξ ← ξ − β(δ + γξ)`). Adam makes the step size
   * independent of the scale of the per-step log-loss changes, which are tiny with a small model learning rate.
   */
  readonly logitOptimizer?: 'adam' | 'sgd';
  /** Added to every loss before its logarithm and reciprocal (`log(ℓ + ε)`), so a zero loss stays finite. Default `1e-8`. */
  readonly epsilon?: number;
}

/** The strategy returned by {@link famoWeighting}. */
export interface FamoWeighting extends LossWeighting {
  /** Always true: FAMO's logit update needs the losses recomputed after the optimizer step. */
  readonly needsLossesAfterStep: true;
  /** Effective per-loss weights `(zᵢ/ℓᵢ)/Σⱼ(zⱼ/ℓⱼ)` for the last step's losses (`z` before the first step). */
  currentWeights(tasks: readonly string[]): readonly number[];
  /** The task weights `z = softmax(ξ)` for `tasks` (before the per-step division by the losses). */
  logitWeights(tasks: readonly string[]): readonly number[];
}

/**
 * FAMO, Fast Adaptive Multitask Optimization (Liu, Liu, Ye & Liu, NeurIPS 2023): balances the *rate* of loss
 * decrease across tasks at the cost of one backward pass. It keeps logits ξ (one per task, initially 0) with
 * `z = softmax(ξ)` and at each step:
 *
 * 1. `combine` returns `Σᵢ zᵢ log(ℓᵢ + ε) / c` with `c = Σᵢ zᵢ/(ℓᵢ + ε)` held constant (a stop-gradient), whose
 *    gradient is the paper's update direction `Σᵢ (zᵢ / (c·ℓᵢ)) ∇ℓᵢ` — effective per-loss weights that sum to 1.
 *    The returned *value* is a weighted mean of log-losses (it can be negative), not a loss to compare across
 *    strategies.
 * 2. After the optimizer step (`afterStep`, with the losses recomputed on the same batch: `lossesAfter`), the
 *    log-loss decrease `Δᵢ = log(ℓᵢ + ε) − log(ℓᵢᵃᶠᵗᵉʳ + ε)` gives the logit gradient `δ = J_z(ξ)ᵀ Δ`, i.e.
 *    `δⱼ = zⱼ(Δⱼ − Σᵢ zᵢΔᵢ)`, and `ξ` moves by `−β(δ + γξ)` (or Adam on `δ + γξ`, see `logitOptimizer`). Tasks whose
 *    loss fell least gain weight.
 *
 * `currentWeights` reports the effective per-loss weights `(zᵢ/ℓᵢ)/Σⱼ(zⱼ/ℓⱼ)` for the losses of the last step
 * (`z` before the first step); `logitWeights` gives `z`.
 *
 * Family: loss weighting, with `needsLossesAfterStep` (the trainer recomputes the losses after the update: one
 * extra forward pass per step). In a hand-written loop, call `afterStep({ …context, losses, lossesAfter })`
 * after `optimizer.applyGradients`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { Rng } from '@multitask/core';
 * import { famoWeighting } from '@multitask/weighting';
 *
 * const strategy = famoWeighting({ logitLearningRate: 0.025, weightDecay: 0.01 });
 * const tasks = ['a', 'b'];
 * const losses = [tf.scalar(2), tf.scalar(0.5)];
 * const context = { step: 0, epoch: 0, tasks, rng: new Rng(1) };
 * const total = strategy.combine(losses, context); // a weighted mean of the log-losses
 * console.log(total.dataSync()[0], strategy.logitWeights(tasks)); // 0 [0.5, 0.5]
 * strategy.afterStep?.({ ...context, losses: [2, 0.5], lossesAfter: [1.9, 0.3] }); // b improved faster
 * console.log(strategy.logitWeights(tasks)); // ≈ [0.512, 0.488]: a, which improved less, gains weight
 * tf.dispose([...losses, total]);
 * strategy.dispose();
 * ```
 */
export function famoWeighting(options: FamoWeightingOptions = {}): FamoWeighting {
  const beta = checkNumberOption(
    'famo',
    'logitLearningRate',
    options.logitLearningRate ?? 0.025,
    'positive',
    '{ logitLearningRate: 0.025 }',
  );
  const gamma = checkNumberOption(
    'famo',
    'weightDecay',
    options.weightDecay ?? 0.01,
    'non-negative',
    '{ weightDecay: 0.01 }',
  );
  const epsilon = checkNumberOption(
    'famo',
    'epsilon',
    options.epsilon ?? 1e-8,
    'positive',
    '{ epsilon: 1e-8 }',
  );
  const logitOptimizer = checkChoiceOption('famo', 'logitOptimizer', options.logitOptimizer ?? 'adam', [
    'adam',
    'sgd',
  ]);

  let logits: Record<string, number> = {};
  let adam: AdamState = newAdamState();
  let lastLosses: Record<string, number> = {};
  const zOf = (tasks: readonly string[]): number[] => softmax(tasks.map((t) => logits[t] ?? 0));

  return {
    name: 'famo',
    family: 'loss',
    needsLossesAfterStep: true,
    combine(losses, context): Scalar {
      checkTaskCount('famo', 'losses', losses.length, context.tasks);
      const z = zOf(context.tasks);
      return tf.tidy(() => {
        if (losses.length === 0) return tf.scalar(0);
        const shifted = tf.add(tf.stack([...losses]), epsilon);
        const zs = tf.tensor1d(z);
        const c = tf.sum(tf.div(zs, shifted));
        return tf.div<Scalar>(tf.sum(tf.mul(tf.log(shifted), zs)), stopGradient(c));
      });
    },
    afterStep(context) {
      const { tasks, losses, lossesAfter } = context;
      if (lossesAfter === undefined) {
        throw new MultitaskError(
          'INVALID_DATA',
          '[@multitask/weighting] famo: afterStep needs `lossesAfter` (the per-task losses recomputed on the same ' +
            'batch after the optimizer step) — the trainer supplies it because needsLossesAfterStep is true; in a ' +
            'hand-written loop, recompute the losses after applyGradients and pass them.',
          { details: { strategy: 'famo', step: context.step } },
        );
      }
      checkTaskCount('famo', 'losses', losses.length, tasks);
      checkTaskCount('famo', 'lossesAfter', lossesAfter.length, tasks);
      const z = zOf(tasks);
      const delta = tasks.map((_, i) => Math.log(losses[i]! + epsilon) - Math.log(lossesAfter[i]! + epsilon));
      if (delta.some((d) => !Number.isFinite(d))) {
        throw new MultitaskError(
          'NON_FINITE_LOSS',
          `[@multitask/weighting] famo: non-finite log-loss change at step ${context.step} (losses ` +
            `[${losses.join(', ')}] → [${lossesAfter.join(', ')}]); FAMO needs finite losses ≥ 0.`,
          { details: { strategy: 'famo', step: context.step } },
        );
      }
      const mean = delta.reduce((a, d, i) => a + z[i]! * d, 0);
      const grads: Record<string, number> = {};
      tasks.forEach((t, j) => {
        const xi = logits[t] ?? 0;
        grads[t] = z[j]! * (delta[j]! - mean) + gamma * xi;
        logits[t] = xi;
      });
      if (logitOptimizer === 'adam') adamStep(logits, grads, beta, adam);
      else for (const [t, g] of Object.entries(grads)) logits[t] = logits[t]! - beta * g;
      lastLosses = {};
      tasks.forEach((t, i) => (lastLosses[t] = losses[i]!));
    },
    currentWeights(tasks) {
      const z = zOf(tasks);
      if (tasks.some((t) => !(t in lastLosses))) return z;
      const a = tasks.map((t, i) => z[i]! / (lastLosses[t]! + epsilon));
      const sum = a.reduce((x, y) => x + y, 0);
      return a.map((x) => x / sum);
    },
    logitWeights: zOf,
    getConfig: () => ({ logitLearningRate: beta, weightDecay: gamma, logitOptimizer, epsilon }),
    state: (): JsonValue => ({
      logits: { ...logits },
      adam: { m: { ...adam.m }, v: { ...adam.v }, t: adam.t },
      lastLosses: { ...lastLosses },
    }),
    load(state) {
      const what = 'an object { logits, adam: { m, v, t }, lastLosses }';
      const s = jsonObject('famo', state, what);
      const a = jsonObject('famo', s.adam ?? null, what);
      if (typeof a.t !== 'number' || !Number.isInteger(a.t) || a.t < 0) return badState('famo', what);
      logits = numberRecord('famo', s.logits, what);
      adam = { m: numberRecord('famo', a.m, what), v: numberRecord('famo', a.v, what), t: a.t };
      lastLosses = numberRecord('famo', s.lastLosses, what);
    },
    dispose: () => undefined,
  };
}
