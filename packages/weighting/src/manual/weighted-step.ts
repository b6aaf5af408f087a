import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Optimizer, Scalar, Variable } from '@tensorflow/tfjs-core';
import {
  MultitaskError,
  Rng,
  type GradientContext,
  type HeadGradients,
  type StepContext,
  type WeightingStrategy,
} from '@multitask/core';
import {
  gramianMatrix,
  readValues,
  splitDirection,
  toMatrix,
  updateDirection,
} from '@multitask/core/gradients';
import { differentiate, jacobianOf, slotsOf } from './gradients.ts';

/** Options of {@link weightedStep}. */
export interface WeightedStepOptions {
  /** Task names (default `task-0`, `task-1`, …). */
  readonly tasks?: readonly string[];
  /**
   * Variables of each task's own head (`taskVariables[t]` for task t): they get only their task's gradient,
   * weighted or not per `headGradients`. The `variables` argument holds the shared ones.
   */
  readonly taskVariables?: readonly (readonly Variable[])[];
  /** Head gradients: `'weighted'` (wₜ·∂Lₜ/∂θₜ) or `'unweighted'`. Default: the strategy's, else `'weighted'`. */
  readonly headGradients?: HeadGradients;
  /** Step number. Default: counted per strategy object, from 0. */
  readonly step?: number;
  /** Epoch number. Default 0. */
  readonly epoch?: number;
  /** Seeded generator for randomized strategies. Default: one per strategy object, seeded with 0. */
  readonly rng?: Rng;
}

/** Result of {@link weightedStep}. */
export interface WeightedStepResult {
  /** Loss of each task before the update. */
  readonly losses: number[];
  /** Weights used (Gramian strategies, Jacobian aggregators that report them, loss weighting that reports them). */
  readonly weights?: readonly number[];
}

interface Counter {
  step: number;
  readonly rng: Rng;
}
const counters = new WeakMap<WeightingStrategy, Counter>();

/**
 * One training step of a user's own tfjs loop with any weighting strategy, in `parameters` mode: loss
 * weighting minimises the combined loss; a Gramian strategy gets per-task gradients of the shared
 * `variables` (one backward pass per task), their Gramian, and applies `Σ wₜ gₜ`; a Jacobian aggregator
 * applies its direction. Heads (`options.taskVariables`) get their own task's gradient. Calls the strategy's
 * `afterStep` hook. Disposes every tensor it makes.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { registerGradients } from '@multitask/core';
 * import { mgdaWeighting, weightedStep } from '@multitask/weighting';
 *
 * registerGradients();
 * const shared = tf.variable(tf.tensor1d([2, 0]), true, 'shared');
 * const [headA, headB] = [tf.variable(tf.scalar(1), true, 'headA'), tf.variable(tf.scalar(1), true, 'headB')];
 * const lossA = (): tf.Scalar => tf.square(tf.sub(tf.mul(tf.sum(shared), headA), 3));
 * const diff = tf.tensor1d([1, -1]);
 * const lossB = (): tf.Scalar => tf.square(tf.sub(tf.mul(tf.sum(tf.mul(shared, diff)), headB), 1));
 * const [strategy, optimizer] = [mgdaWeighting(), tf.train.sgd(0.05)];
 * const heads = { taskVariables: [[headA], [headB]] }; // each head gets its own task's gradient
 * let result = weightedStep(strategy, [lossA, lossB], [shared], optimizer, heads);
 * console.log(result.losses); // [1, 1]
 * for (let i = 0; i < 100; i++) result = weightedStep(strategy, [lossA, lossB], [shared], optimizer, heads);
 * console.log(result.losses, result.weights); // ≈ [0.04, 0] ≈ [0, 1]
 * tf.dispose([shared, headA, headB, diff]);
 * optimizer.dispose();
 * ```
 */
export function weightedStep(
  strategy: WeightingStrategy,
  lossFns: readonly (() => Scalar)[],
  variables: readonly Variable[],
  optimizer: Optimizer,
  options: WeightedStepOptions = {},
): WeightedStepResult {
  const t = lossFns.length;
  const tasks = options.tasks ?? Array.from({ length: t }, (_, i) => `task-${i}`);
  if (tasks.length !== t || (options.taskVariables !== undefined && options.taskVariables.length !== t)) {
    throw new MultitaskError(
      'SHAPE_MISMATCH',
      `[@multitask/weighting] weightedStep: ${t} loss functions but ${tasks.length} task names and ${options.taskVariables?.length ?? t} head variable lists — pass one per task.`,
      { details: { tasks: t } },
    );
  }
  if (strategy.family !== 'loss' && !strategy.modes.includes('parameters')) {
    throw new MultitaskError(
      'UNSUPPORTED_GRADIENT_MODE',
      `[@multitask/weighting] weightedStep: strategy "${strategy.name}" supports only ${strategy.modes.join(', ')} mode, but weightedStep takes gradients w.r.t. the variables ('parameters') — use representationGradients with jacobianOf and aggregate() yourself.`,
      { details: { strategy: strategy.name } },
    );
  }
  let counter = counters.get(strategy);
  if (counter === undefined) {
    counter = { step: 0, rng: new Rng(0) };
    counters.set(strategy, counter);
  }
  const step = options.step ?? counter.step;
  counter.step = step + 1;
  const base: StepContext = { step, epoch: options.epoch ?? 0, tasks, rng: options.rng ?? counter.rng };
  const heads = options.taskVariables ?? tasks.map(() => []);

  let losses: number[];
  let weights: readonly number[] | undefined;
  if (strategy.family === 'loss') {
    const all = [...variables, ...heads.flat(), ...(strategy.variables ?? [])];
    const kept: Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const ls = lossFns.map((f) => f());
      kept.push(...ls.map((l) => tf.keep(l)));
      return strategy.combine(ls, base);
    }, all);
    optimizer.applyGradients(grads);
    // The weights that live on the device are read with the losses (one read).
    const weightsTensor = strategy.currentWeightsTensor?.(tasks);
    const values = readValues([...kept, ...(weightsTensor ? [weightsTensor] : [])]);
    tf.dispose([value, ...kept, ...(weightsTensor ? [weightsTensor] : [])]);
    tf.dispose(grads);
    losses = Array.from(values.subarray(0, t));
    weights = weightsTensor ? Array.from(values.subarray(t)) : strategy.currentWeights?.(tasks);
  } else {
    const shared = new Set(variables.map((v) => v.name));
    const { grads, losses: lossTensors } = differentiate(lossFns, [...variables, ...heads.flat()]);
    const sharedGrads: NamedTensorMap[] = grads.map((g) =>
      Object.fromEntries(Object.entries(g).filter(([k]) => shared.has(k))),
    );
    // One read for the losses and the Gramian, then core's one dispatch to the update direction.
    const J = jacobianOf(sharedGrads);
    const G = gramianMatrix(J);
    const values = readValues([...lossTensors, G]);
    tf.dispose([G, ...lossTensors]);
    losses = Array.from(values.subarray(0, t));
    const context: GradientContext = { ...base, losses, mode: 'parameters' };
    let update: NamedTensorMap;
    try {
      const step = updateDirection(strategy, J, toMatrix(values, t, t), context);
      weights = step.weights;
      update = splitDirection(step.direction, slotsOf(sharedGrads));
      step.direction.dispose();
    } catch (e) {
      J.dispose();
      grads.forEach((g) => {
        tf.dispose(g);
      });
      throw e;
    }
    J.dispose();
    const headMode = options.headGradients ?? strategy.headGradients ?? 'weighted';
    heads.forEach((vars, task) => {
      const f = headMode === 'weighted' && weights !== undefined ? weights[task]! : 1;
      for (const v of vars) {
        const g = grads[task]![v.name];
        if (g !== undefined) update[v.name] = f === 1 ? tf.clone(g) : tf.mul(g, f);
      }
    });
    optimizer.applyGradients(update);
    tf.dispose(update);
    grads.forEach((g) => {
      tf.dispose(g);
    });
  }
  const lossesAfter =
    strategy.needsLossesAfterStep === true
      ? lossFns.map((f) => tf.tidy(() => f().dataSync()[0]!))
      : undefined;
  strategy.afterStep?.({ ...base, losses, ...(lossesAfter === undefined ? {} : { lossesAfter }) });
  return weights === undefined ? { losses } : { losses, weights };
}
