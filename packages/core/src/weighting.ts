import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import type { JsonValue } from './config.ts';
import type { Rng } from './random.ts';

/**
 * Where per-task gradients are taken:
 * - `representation`: w.r.t. the shared representation z (one backbone forward and backward per step);
 * - `parameters`: w.r.t. every shared parameter (one backbone forward and backward per task).
 */
export type GradientMode = 'representation' | 'parameters';

/** Which gradients a task head receives under a Gramian or Jacobian strategy. */
export type HeadGradients = 'weighted' | 'unweighted';

/** Facts about the current step handed to a strategy. */
export interface StepContext {
  /** Global step number (0-based). */
  readonly step: number;
  /** Epoch number (0-based). */
  readonly epoch: number;
  /** Names of the tasks in this step, in the order of losses, Gramian rows and Jacobian rows. */
  readonly tasks: readonly string[];
  /** Seeded generator for strategies that draw random numbers (RLW, PCGrad's order…). */
  readonly rng: Rng;
}

/** Context of a Gramian or Jacobian computation: the step plus the current per-task loss values. */
export interface GradientContext extends StepContext {
  /** Loss value of each task, in {@link StepContext.tasks} order. */
  readonly losses: readonly number[];
  /** The gradient mode in use. */
  readonly mode: GradientMode;
}

/** Facts handed to {@link WeightingStrategyBase.afterStep} once the optimizer has updated the parameters. */
export interface AfterStepContext extends StepContext {
  /** Per-task loss values before the update. */
  readonly losses: readonly number[];
  /**
   * Per-task losses recomputed after the update on the same batch (same dropout masks); present when the
   * strategy set `needsLossesAfterStep`.
   */
  readonly lossesAfter?: readonly number[];
}

/** What every strategy has, whatever its family. */
export interface WeightingStrategyBase {
  /** Stable kebab-case name, equal to its registry key (e.g. `"uncertainty"`). */
  readonly name: string;
  /** Plain-JSON config (options) of the strategy. */
  getConfig(): { readonly [key: string]: JsonValue };
  /**
   * Called once by the trainer, before any step, with the model's task names: a strategy that owns per-task
   * variables (uncertainty's log-variances) creates them here, so they are optimised from the first step.
   */
  init?(tasks: readonly string[]): void;
  /** Serializable state for checkpoints (stateless strategies return `null`). */
  state(): JsonValue;
  /** Restores a state from {@link WeightingStrategyBase.state}. */
  load(state: JsonValue): void;
  /** Called once per step after the optimizer step (loss histories, FAMO's update…). */
  afterStep?(context: AfterStepContext): void;
  /** Ask the trainer to recompute the per-task losses after the update (FAMO). */
  readonly needsLossesAfterStep?: boolean;
  /** Called at the end of each epoch with the epoch's mean per-task training losses (DWA). */
  afterEpoch?(epoch: number, meanLosses: Readonly<Record<string, number>>): void;
  /** Frees variables the strategy owns. */
  dispose(): void;
}

/**
 * Loss weighting: combines the per-task losses into the scalar that is minimised, inside the gradient tape
 * (one backward pass). May own trainable variables (uncertainty's log-variances), which the trainer adds to the
 * optimized variables.
 */
export interface LossWeighting extends WeightingStrategyBase {
  /** Family discriminant. */
  readonly family: 'loss';
  /** Trainable variables owned by the strategy. */
  readonly variables?: readonly Variable[];
  /** Returns the total loss; `losses[i]` is the loss of `context.tasks[i]`. Called inside the tape. */
  combine(losses: readonly Scalar[], context: StepContext): Scalar;
  /** The current per-task weights, for reports (in `tasks` order). */
  currentWeights?(tasks: readonly string[]): readonly number[];
  /**
   * The same weights as {@link LossWeighting.currentWeights}, as a `[T]` tensor, for a strategy whose weights
   * live on the device (uncertainty's log-variances): the trainer reads it together with the step's losses, so
   * reporting weights costs no read of its own. When present the trainer uses it instead of `currentWeights`.
   * Returns a new tensor (the caller disposes it).
   */
  currentWeightsTensor?(tasks: readonly string[]): Tensor;
}

/**
 * Gramian weighting: from the T×T Gramian `G = J Jᵀ` of per-task gradients (and the losses), returns T weights;
 * the update direction is `Σ wₜ gₜ`. The maths works on plain numbers.
 */
export interface GramianWeighting extends WeightingStrategyBase {
  /** Family discriminant. */
  readonly family: 'gramian';
  /** Gradient modes the strategy supports, preferred first. */
  readonly modes: readonly GradientMode[];
  /** Default head gradients under this strategy (the trainer option overrides it). */
  readonly headGradients?: HeadGradients;
  /** The weights (length T) from the Gramian (T×T, row-major nested arrays). */
  weights(gramian: readonly (readonly number[])[], context: GradientContext): number[];
}

/**
 * Jacobian aggregation: from the T×n matrix of per-task gradients, returns the update direction (length n).
 */
export interface JacobianAggregator extends WeightingStrategyBase {
  /** Family discriminant. */
  readonly family: 'jacobian';
  /** Gradient modes the strategy supports, preferred first. */
  readonly modes: readonly GradientMode[];
  /** Default head gradients under this strategy (the trainer option overrides it). */
  readonly headGradients?: HeadGradients;
  /**
   * The update direction `[n]` from the Jacobian `[T, n]`. Called inside `tf.tidy`; must not keep the
   * tensors it is given.
   */
  aggregate(jacobian: Tensor, context: GradientContext): Tensor;
  /** Weights used in the last aggregation, when the method has them (for reports). */
  lastWeights?(): readonly number[] | undefined;
}

/** Any weighting strategy: the trainer computes only what its family needs. */
export type WeightingStrategy = LossWeighting | GramianWeighting | JacobianAggregator;

/** Creates a strategy from options (the factories of `@multitask/weighting` have this shape). */
export type WeightingFactory<Options = Record<string, never>> = (options?: Options) => WeightingStrategy;
