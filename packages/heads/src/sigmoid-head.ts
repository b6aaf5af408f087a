import { MultitaskError, type Head } from '@multitask/core';
import { denseStack, resolveStack, stackHead, type StackOptions } from './internal/dense-stack.ts';
import { checkPositiveInt } from '@multitask/core/parts';

/** Options of {@link binaryHead} and {@link multiLabelHead}. */
export interface SigmoidHeadOptions extends StackOptions {
  /**
   * Weight of the positive term of the binary cross-entropy (> 0): values above 1 raise recall on rare
   * positives. Default 1.
   */
  readonly positiveWeight?: number;
}

/** Options of {@link multiLabelHead}. */
export interface MultiLabelHeadOptions extends SigmoidHeadOptions {
  /** Number of independent binary labels per row. */
  readonly numLabels: number;
}

/** The head returned by {@link binaryHead} and {@link multiLabelHead}. */
export interface SigmoidHead extends Head {
  /** `"binary"` (one logit) or `"multi-label"` (one logit per label). */
  readonly name: 'binary' | 'multi-label';
  /** Weight of the positive term of the loss. */
  readonly positiveWeight: number;
}

/** Builds a binary or multi-label head; `part` names it in error messages. @internal */
export function createSigmoidHead(
  kind: 'binary' | 'multi-label',
  options: SigmoidHeadOptions & { readonly numLabels?: number },
  part: string,
): SigmoidHead {
  const numLabels = kind === 'binary' ? 1 : checkPositiveInt('heads', part, 'numLabels', options.numLabels);
  const positiveWeight = options.positiveWeight ?? 1;
  if (!(positiveWeight > 0) || !Number.isFinite(positiveWeight)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/heads] ${part}: option "positiveWeight" must be a positive number, got ` +
        `${JSON.stringify(positiveWeight)}.`,
      { details: { option: 'positiveWeight' } },
    );
  }
  const stack = denseStack(part, resolveStack(part, options), numLabels);
  return stackHead(
    stack,
    kind,
    numLabels,
    { positiveWeight },
    { ...(kind === 'multi-label' ? { numLabels } : {}), positiveWeight },
  );
}

/**
 * A binary classification head: optional hidden stack, then one logit per row (`[batch, 1]`, no sigmoid).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { binaryHead } from '@multitask/heads';
 *
 * const head = binaryHead({ inputSize: 64, positiveWeight: 3 });
 * const z = tf.randomNormal([8, 64]);
 * const logit = head.apply(z, { training: false }); // [8, 1]
 * console.log(logit.shape);
 * tf.dispose([z, logit]);
 * head.dispose();
 * ```
 */
export function binaryHead(options: SigmoidHeadOptions = {}): SigmoidHead {
  return createSigmoidHead('binary', options, 'binary head');
}

/**
 * A multi-label head: optional hidden stack, then one independent logit per label (`[batch, numLabels]`).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { multiLabelHead } from '@multitask/heads';
 *
 * const head = multiLabelHead({ inputSize: 64, numLabels: 5 });
 * const z = tf.randomNormal([8, 64]);
 * const logits = head.apply(z, { training: false }); // [8, 5]
 * console.log(logits.shape);
 * tf.dispose([z, logits]);
 * head.dispose();
 * ```
 */
export function multiLabelHead(options: MultiLabelHeadOptions): SigmoidHead {
  return createSigmoidHead('multi-label', options, 'multi-label head');
}
