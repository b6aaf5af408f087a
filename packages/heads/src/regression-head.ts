import { MultitaskError, type Head } from '@multitask/core';
import { denseStack, resolveStack, stackHead, type StackOptions } from './internal/dense-stack.ts';
import { checkPositiveInt } from '@multitask/core/parts';

/** Per-element loss of a regression head. */
export type RegressionLossKind = 'mse' | 'l1' | 'huber';

/** Options of {@link regressionHead}. */
export interface RegressionHeadOptions extends StackOptions {
  /** Number of regressed values per row. Default 1. */
  readonly outputSize?: number;
  /** The loss: mean squared error, mean absolute error, or Huber. Default `'mse'`. */
  readonly loss?: RegressionLossKind;
  /** Huber's δ (quadratic below, linear above). Default 1. */
  readonly delta?: number;
}

/** The head returned by {@link regressionHead}. */
export interface RegressionHead extends Head {
  /** Always `"regression"`. */
  readonly name: 'regression';
  /** The loss kind. */
  readonly loss: RegressionLossKind;
  /** Huber's δ. */
  readonly delta: number;
}

/** Builds a regression head; `part` names it in error messages. @internal */
export function createRegressionHead(options: RegressionHeadOptions, part: string): RegressionHead {
  const outputSize = checkPositiveInt('heads', part, 'outputSize', options.outputSize ?? 1);
  const loss = options.loss ?? 'mse';
  if (!(['mse', 'l1', 'huber'] as unknown[]).includes(loss)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/heads] ${part}: option "loss" must be "mse", "l1" or "huber", got ${JSON.stringify(loss)}.`,
      { details: { option: 'loss' } },
    );
  }
  const delta = options.delta ?? 1;
  if (!(delta > 0) || !Number.isFinite(delta)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/heads] ${part}: option "delta" must be a positive number, got ${JSON.stringify(delta)}.`,
      { details: { option: 'delta' } },
    );
  }
  const stack = denseStack(part, resolveStack(part, options), outputSize);
  return stackHead(stack, 'regression', outputSize, { loss, delta }, { outputSize, loss, delta });
}

/**
 * A regression head: optional hidden stack, then a linear layer of `outputSize` values.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { regressionHead } from '@multitask/heads';
 *
 * const head = regressionHead({ inputSize: 64, outputSize: 2, loss: 'huber', hidden: [16] });
 * const z = tf.randomNormal([8, 64]);
 * const y = head.apply(z, { training: false }); // [8, 2]
 * console.log(y.shape);
 * tf.dispose([z, y]);
 * head.dispose();
 * ```
 */
export function regressionHead(options: RegressionHeadOptions = {}): RegressionHead {
  return createRegressionHead(options, 'regression head');
}
