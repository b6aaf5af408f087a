import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { ForwardContext, Rng } from '@multitask/core';
import {
  applyDenseLayers,
  makeDenseLayers,
  maybeDropout,
  type ResolvedCommonPartOptions,
} from '@multitask/core/parts';

/** The dense layers that end a trunk (an MLP on its features), with their dropout stream (internal). */
export interface DenseTail {
  /** The width of the last layer, or the input width when there are no layers. */
  readonly outputSize: number;
  /** Kernel and bias of every layer, in order. */
  readonly variables: Variable[];
  /**
   * `x` through `dense → activation → dropout` per layer; with `dropoutFirst`, dropout on `x` itself first (a
   * pooled representation). Call inside `tf.tidy`.
   */
  apply(x: Tensor, context: ForwardContext, dropoutFirst?: boolean): Tensor;
}

/**
 * Draws the layers `units` on `inputSize` features from `rng`, then forks the dropout stream from it — the draw
 * order of the trunks that end in dense layers, so their initial weights and dropout masks stay the same.
 */
export function denseTail(
  rng: Rng,
  inputSize: number,
  units: readonly number[],
  common: ResolvedCommonPartOptions,
): DenseTail {
  const { activation, dropout, initializer } = common;
  const layers = makeDenseLayers(rng, inputSize, units, initializer);
  const dropoutRng = rng.fork();
  return {
    outputSize: units.at(-1) ?? inputSize,
    variables: layers.flatMap((l) => [l.kernel, l.bias]),
    apply: (x, context, dropoutFirst = false) =>
      applyDenseLayers(
        dropoutFirst ? maybeDropout(x, dropout, context, dropoutRng) : x,
        layers,
        activation,
        dropout,
        context,
        dropoutRng,
      ),
  };
}
