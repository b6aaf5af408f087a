import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { ForwardContext } from './backbone.ts';
import type { PartConfig } from './config.ts';

/**
 * A task head: maps the (task's) representation to the task's prediction.
 * Implementations are created by factory functions (e.g. `classificationHead(options)`).
 */
export interface Head {
  /** Kind of head, e.g. `"classification"`. */
  readonly name: string;
  /** Expected feature size of the representation (last axis), when fixed; checked against the backbone. */
  readonly inputSize?: number;
  /** Size of the prediction's last axis (e.g. number of classes). */
  readonly outputSize: number;
  /**
   * Creates the head's variables for a representation of `inputSize` features, when the head was made without
   * an `inputSize`. `MultitaskModel` calls it with the backbone's `outputSize`, so every variable exists before
   * the first training step.
   */
  build?(inputSize: number): void;
  /** Computes the prediction (e.g. logits) from a representation. */
  apply(representation: Tensor, context: ForwardContext): Tensor;
  /** Variables updated by training. */
  readonly trainableVariables: readonly Variable[];
  /** Plain-JSON config from which the head's factory rebuilds it. */
  getConfig(): PartConfig;
  /** Frees the variables. */
  dispose(): void;
}
