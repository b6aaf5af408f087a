import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { PartConfig } from './config.ts';
import type { SeedStream } from './random.ts';

// Re-exported for modules that still import them from here (checkpoint.ts).
export type { JsonValue, PartConfig } from './config.ts';

/** Model inputs: one tensor, or several named tensors for a multi-input model. */
export type Inputs = Tensor | Readonly<Record<string, Tensor>>;

/** Per-task representations, keyed by task name (gated sharing such as MMoE, CGC, cross-stitch). */
export type TaskRepresentations = Readonly<Record<string, Tensor>>;

/** What a backbone produces: one shared tensor (hard sharing) or one tensor per task. */
export type Representation = Tensor | TaskRepresentations;

/** Options of one forward pass. */
export interface ForwardContext {
  /** True while training: dropout is active and batch statistics are used. */
  readonly training: boolean;
  /**
   * Seeds for the random ops of this pass (dropout…). The trainer hands the same stream to every forward pass
   * of one step, so all passes see the same masks. Parts must draw a fresh seed per random op from it and never
   * use unseeded tfjs random ops.
   */
  readonly seeds?: SeedStream;
  /**
   * Whether running statistics (batch norm moving averages) may be updated in this pass. The trainer sets it
   * for the first forward pass of a step only, so they update once per step however many passes run.
   */
  readonly updateStatistics?: boolean;
}

/**
 * A tensor shared by every task, from which each task's representation is derived; returned by
 * {@link Backbone.applyShared} so that `representation` gradient mode works with per-task representations.
 */
export interface SharedRepresentation {
  /** The tensor every task depends on (e.g. stacked expert outputs). */
  readonly shared: Tensor;
  /** Computes one task's representation from (a differentiable copy of) `shared`. */
  readonly forTask: (shared: Tensor, task: string) => Tensor;
}

/**
 * The shared trunk of a multi-task model.
 *
 * Implementations are created by factory functions (e.g. `mlpBackbone(options)`) and own their variables.
 */
export interface Backbone {
  /** Registry-style name of the kind of backbone, e.g. `"mlp"`. */
  readonly name: string;
  /**
   * The representation's feature size per row (last axis), for validating heads; for per-task representations
   * the size of each task's tensor. Undefined when it depends on the input.
   */
  readonly outputSize?: number;
  /**
   * Per-task representation sizes, for the tasks whose representation is not `outputSize` features wide (e.g. a
   * sequence encoder whose sentence tasks get pooled token states and pooled embeddings side by side). Read it
   * through {@link representationSize}.
   */
  readonly outputSizes?: Readonly<Record<string, number>>;
  /** Names of the inputs a multi-input backbone expects (undefined: a single tensor). */
  readonly inputNames?: readonly string[];
  /** Computes the representation of a batch of inputs. */
  apply(inputs: Inputs, context: ForwardContext): Representation;
  /**
   * For per-task representations only: split the forward pass at the tensor all tasks share, so per-task
   * gradients can be taken with respect to it (`representation` gradient mode). Backbones without it refuse
   * `representation` mode when they return per-task representations.
   */
  applyShared?(inputs: Inputs, context: ForwardContext): SharedRepresentation;
  /** Variables updated by training. */
  readonly trainableVariables: readonly Variable[];
  /** Variables saved with the model but not trained by gradients (batch-norm moving statistics). */
  readonly nonTrainableVariables?: readonly Variable[];
  /** Plain-JSON config from which the backbone's factory rebuilds it. */
  getConfig(): PartConfig;
  /** Frees the variables. */
  dispose(): void;
}

/**
 * The size of the representation `backbone` gives `task` (last axis): `backbone.outputSizes[task]` when set,
 * else `backbone.outputSize`; undefined when the backbone does not know it before seeing an input.
 *
 * @example
 * ```ts
 * import { representationSize, type Backbone } from '@multitask/core';
 *
 * const backbone = { name: 'demo', outputSize: 128, outputSizes: { genre: 248 } } as unknown as Backbone;
 * console.log(representationSize(backbone, 'pos'), representationSize(backbone, 'genre')); // 128 248
 * ```
 */
export function representationSize(backbone: Backbone, task: string): number | undefined {
  const own = backbone.outputSizes;
  return own !== undefined && Object.hasOwn(own, task) ? own[task] : backbone.outputSize;
}
