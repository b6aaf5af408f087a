import type { Head } from '@multitask/core';
import { denseStack, resolveStack, stackHead, type StackOptions } from './internal/dense-stack.ts';
import { checkPositiveInt, checkRate } from '@multitask/core/parts';

/** Options of {@link classificationHead}. */
export interface ClassificationHeadOptions extends StackOptions {
  /** Number of classes (≥ 2); the head outputs that many logits. */
  readonly numClasses: number;
  /** Label smoothing ε of the loss in [0, 1): targets become `(1−ε)·onehot + ε/K`. Default 0. */
  readonly labelSmoothing?: number;
}

/** The head returned by {@link classificationHead}. */
export interface ClassificationHead extends Head {
  /** Always `"classification"`. */
  readonly name: 'classification';
  /** Number of classes. */
  readonly numClasses: number;
  /** Label smoothing of the loss. */
  readonly labelSmoothing: number;
}

/** Builds a classification head; `part` names it in error messages. @internal */
export function createClassificationHead(
  options: ClassificationHeadOptions,
  part: string,
): ClassificationHead {
  const numClasses = checkPositiveInt('heads', part, 'numClasses', options.numClasses);
  const labelSmoothing = checkRate('heads', part, 'labelSmoothing', options.labelSmoothing ?? 0);
  const stack = denseStack(part, resolveStack(part, options), numClasses);
  return stackHead(
    stack,
    'classification',
    numClasses,
    { numClasses, labelSmoothing },
    { numClasses, labelSmoothing },
  );
}

/**
 * A classification head: optional hidden stack, then `numClasses` logits (no softmax; the loss takes logits).
 * Pair it with {@link softmaxCrossEntropyLoss}, or use {@link classificationTask} which does.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { classificationHead } from '@multitask/heads';
 *
 * const head = classificationHead({ inputSize: 64, numClasses: 10, hidden: [32], dropout: 0.1 });
 * const z = tf.randomNormal([8, 64]);
 * const logits = head.apply(z, { training: false }); // [8, 10]
 * console.log(logits.shape);
 * tf.dispose([z, logits]);
 * head.dispose();
 * ```
 */
export function classificationHead(options: ClassificationHeadOptions): ClassificationHead {
  return createClassificationHead(options, 'classification head');
}
