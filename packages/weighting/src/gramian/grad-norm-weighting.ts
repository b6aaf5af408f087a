import type { GradientMode, GramianWeighting, JsonValue } from '@multitask/core';
import { MultitaskError } from '@multitask/core';
import {
  adamStep,
  badState,
  checkTaskCount,
  jsonObject,
  newAdamState,
  numberRecord,
  type AdamState,
} from '../math/loss-math.ts';
import { checkChoiceOption, checkNumberOption } from '../options.ts';

/** Options of {@link gradNormWeighting}. */
export interface GradNormWeightingOptions {
  /**
   * Asymmetry α ≥ 0: how strongly tasks that train more slowly are pushed (0 = equal gradient norms).
   * Default `1.5` (the value the paper uses on NYUv2).
   */
  readonly alpha?: number;
  /** Step size of the weight update. Default `0.025`. With `'sgd'` the step in `wᵢ` is `learningRate·Gᵢ`. */
  readonly learningRate?: number;
  /**
   * How the weights move on the GradNorm gradient: `'sgd'` (default, a plain gradient step as in the paper) or
   * `'adam'` (Adam with step `learningRate`, insensitive to the scale of the gradient norms).
   */
  readonly weightOptimizer?: 'sgd' | 'adam';
  /**
   * Reference losses `Lᵢ(0)` by task name (e.g. `log(C)` for a C-class cross-entropy). Tasks not listed take
   * their loss at the first step in which they appear.
   */
  readonly initialLosses?: Readonly<Record<string, number>>;
}

/** The strategy returned by {@link gradNormWeighting}. */
export interface GradNormWeighting extends GramianWeighting {
  /** The weights that the next call of `weights` will return for `tasks` (they sum to the number of tasks). */
  currentWeights(tasks: readonly string[]): readonly number[];
}

/** Weights below this are raised to it before renormalising, so no task is switched off for good. */
const MIN_WEIGHT = 1e-6;

/**
 * GradNorm (Chen, Badrinarayanan, Lee & Rabinovich, ICML 2018): learns loss weights `wᵢ` so that the weighted
 * gradient norms `‖∇(wᵢLᵢ)‖ = wᵢ·Gᵢ` (with `Gᵢ = √Gramianᵢᵢ`) match a common target scaled by each task's
 * relative inverse training rate:
 *
 * `L_grad = Σᵢ | wᵢGᵢ − Ḡ·rᵢ^α |`, `Ḡ = meanᵢ wᵢGᵢ`, `rᵢ = L̃ᵢ / meanⱼ L̃ⱼ`, `L̃ᵢ = Lᵢ(t) / Lᵢ(0)`.
 *
 * The target `Ḡ·rᵢ^α` is held constant (as in the paper), so `∂L_grad/∂wᵢ = sign(wᵢGᵢ − targetᵢ)·Gᵢ`. Each call
 * of `weights` is one GradNorm step: it returns the current weights `w(t)` (used for this step's update
 * direction `Σ wᵢ gᵢ`), then moves them by one step of `learningRate` on that gradient, floors them at 1e-6 and
 * renormalises them to sum to the number of tasks, giving `w(t+1)`. Weights start at 1; `Lᵢ(0)` is the loss at
 * the task's first step unless `initialLosses` gives it.
 *
 * Family: Gramian weighting (stateful). Modes: `'representation'` (gradients w.r.t. the shared representation —
 * the cheap variant; preferred) and `'parameters'` (gradients w.r.t. all shared parameters). The paper takes the
 * gradients w.r.t. the last shared layer's weights; that "chosen layer" variant is available through the manual
 * helpers of this package by computing the Gramian of the gradients w.r.t. that layer and calling `weights`.
 * Heads receive the weighted gradients (`headGradients: 'weighted'`), as `∇(Σ wᵢLᵢ)` does in the paper.
 *
 * @example
 * ```ts
 * import { Rng } from '@multitask/core';
 * import { gradNormWeighting } from '@multitask/weighting';
 *
 * const strategy = gradNormWeighting({ alpha: 1.5, learningRate: 0.025 });
 * const tasks = ['a', 'b'];
 * for (let step = 0; step < 3; step++) {
 *   const losses = [1, 1 - 0.2 * step]; // task b trains faster
 *   strategy.weights([[1, 0], [0, 4]], { step, epoch: 0, tasks, rng: new Rng(1), losses, mode: 'parameters' });
 * }
 * console.log(strategy.currentWeights(tasks)); // ≈ [1.115, 0.885]: the slower task a gains weight
 * strategy.dispose();
 * ```
 */
export function gradNormWeighting(options: GradNormWeightingOptions = {}): GradNormWeighting {
  const alpha = checkNumberOption(
    'gradnorm',
    'alpha',
    options.alpha ?? 1.5,
    'non-negative',
    '{ alpha: 1.5 }',
  );
  const learningRate = checkNumberOption(
    'gradnorm',
    'learningRate',
    options.learningRate ?? 0.025,
    'positive',
    '{ learningRate: 0.025 }',
  );
  const weightOptimizer = checkChoiceOption('gradnorm', 'weightOptimizer', options.weightOptimizer ?? 'sgd', [
    'sgd',
    'adam',
  ]);
  const givenInitial: Record<string, number> = {};
  for (const [task, l0] of Object.entries(options.initialLosses ?? {})) {
    givenInitial[task] = checkNumberOption(
      'gradnorm',
      `initialLosses.${task}`,
      l0,
      'positive',
      '{ initialLosses: { [task]: 2.3 } }',
    );
  }

  let weights: Record<string, number> = {};
  let initialLosses: Record<string, number> = { ...givenInitial };
  let adam: AdamState = newAdamState();

  const normalised = (tasks: readonly string[]): number[] => {
    const w = tasks.map((t) => weights[t] ?? 1);
    const sum = w.reduce((a, b) => a + b, 0);
    return w.map((x) => (x * tasks.length) / sum);
  };
  const modes: readonly GradientMode[] = ['representation', 'parameters'];

  return {
    name: 'gradnorm',
    family: 'gramian',
    modes,
    headGradients: 'weighted',
    weights(gramian, context): number[] {
      const { tasks, losses } = context;
      const T = tasks.length;
      checkTaskCount('gradnorm', 'Gramian rows', gramian.length, tasks);
      checkTaskCount('gradnorm', 'losses', losses.length, tasks);
      const G = tasks.map((_, i) => {
        const d = gramian[i]?.[i];
        if (d === undefined || !Number.isFinite(d)) {
          throw new MultitaskError(
            'SHAPE_MISMATCH',
            `[@multitask/weighting] gradnorm: Gramian entry [${i}][${i}] is ${String(d)}; expected a finite ` +
              `squared gradient norm in a ${T}×${T} Gramian.`,
            { details: { strategy: 'gradnorm', row: i } },
          );
        }
        return Math.sqrt(Math.max(d, 0));
      });
      losses.forEach((l, i) => {
        if (!Number.isFinite(l) || l < 0) {
          throw new MultitaskError(
            'NON_FINITE_LOSS',
            `[@multitask/weighting] gradnorm: the loss of task "${tasks[i]!}" is ${l} at step ${context.step}; ` +
              'GradNorm needs finite losses ≥ 0.',
            { details: { strategy: 'gradnorm', task: tasks[i]!, step: context.step } },
          );
        }
      });
      tasks.forEach((t, i) => {
        if (!(t in initialLosses)) initialLosses[t] = losses[i]!;
      });

      const w = normalised(tasks);
      if (T === 0) return w;
      // Relative inverse training rates rᵢ = L̃ᵢ / mean L̃ (a task whose L(0) is 0 counts as L̃ = 1).
      const lTilde = tasks.map((t, i) => (initialLosses[t]! > 0 ? losses[i]! / initialLosses[t]! : 1));
      const meanTilde = lTilde.reduce((a, b) => a + b, 0) / T;
      const r = lTilde.map((x) => (meanTilde > 0 ? x / meanTilde : 1));
      const norms = w.map((wi, i) => wi * G[i]!);
      const gBar = norms.reduce((a, b) => a + b, 0) / T;
      const grads: Record<string, number> = {};
      const next: Record<string, number> = {};
      tasks.forEach((t, i) => {
        grads[t] = Math.sign(norms[i]! - gBar * r[i]! ** alpha) * G[i]!;
        next[t] = w[i]!;
      });
      if (weightOptimizer === 'adam') adamStep(next, grads, learningRate, adam);
      else for (const t of tasks) next[t] = next[t]! - learningRate * grads[t]!;
      const floored = tasks.map((t) => Math.max(next[t]!, MIN_WEIGHT));
      const sum = floored.reduce((a, b) => a + b, 0);
      tasks.forEach((t, i) => (weights[t] = (floored[i]! * T) / sum));
      return w;
    },
    currentWeights: normalised,
    getConfig() {
      return { alpha, learningRate, weightOptimizer, initialLosses: givenInitial };
    },
    state: (): JsonValue => ({
      weights: { ...weights },
      initialLosses: { ...initialLosses },
      adam: { m: { ...adam.m }, v: { ...adam.v }, t: adam.t },
    }),
    load(state) {
      const what = 'an object { weights, initialLosses, adam: { m, v, t } }';
      const s = jsonObject('gradnorm', state, what);
      const a = jsonObject('gradnorm', s.adam ?? null, what);
      if (typeof a.t !== 'number' || !Number.isInteger(a.t) || a.t < 0) return badState('gradnorm', what);
      weights = numberRecord('gradnorm', s.weights, what);
      initialLosses = numberRecord('gradnorm', s.initialLosses, what);
      adam = { m: numberRecord('gradnorm', a.m, what), v: numberRecord('gradnorm', a.v, what), t: a.t };
    },
    dispose: () => undefined,
  };
}
