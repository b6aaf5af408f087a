import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { checkPositiveInt, checkRate } from '@multitask/core/parts';
import {
  MultitaskError,
  shapeString,
  type ForwardContext,
  type Head,
  type LossFn,
  type Task,
  type TargetValidator,
} from '@multitask/core';
import { denseStack, resolveStack, stackHead, type StackOptions } from './internal/dense-stack.ts';
import { countInvalid, notClassIndex } from './internal/validate.ts';
import type { TaskOptions } from './tasks.ts';

/** Options of {@link sequenceLabellingHead}. */
export interface SequenceLabellingHeadOptions extends StackOptions {
  /** Number of labels (≥ 2); the head outputs that many logits per token. */
  readonly numClasses: number;
  /** Label smoothing ε of the loss in [0, 1). Default 0. */
  readonly labelSmoothing?: number;
}

/** The head returned by {@link sequenceLabellingHead}. */
export interface SequenceLabellingHead extends Head {
  /** Always `"sequence-labelling"`. */
  readonly name: 'sequence-labelling';
  /** Number of labels. */
  readonly numClasses: number;
  /** Label smoothing of the loss. */
  readonly labelSmoothing: number;
}

/** Options of {@link sequenceLabellingTask}. */
export interface SequenceLabellingTaskOptions extends SequenceLabellingHeadOptions, TaskOptions {}

function createSequenceLabellingHead(
  options: SequenceLabellingHeadOptions,
  part: string,
): SequenceLabellingHead {
  const numClasses = checkPositiveInt('heads', part, 'numClasses', options.numClasses);
  const labelSmoothing = checkRate('heads', part, 'labelSmoothing', options.labelSmoothing ?? 0);
  const stack = denseStack(part, resolveStack(part, options), numClasses);
  const head = stackHead(
    stack,
    'sequence-labelling',
    numClasses,
    { numClasses, labelSmoothing },
    { numClasses, labelSmoothing },
  );
  return Object.assign(head, {
    apply: (representation: Tensor, context: ForwardContext): Tensor => {
      if (representation.rank !== 3) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/heads] ${part} expects per-token representations [batch, length, features], got ` +
            `${shapeString(representation.shape)} — give the task per-token representations (e.g. leave it out of the ` +
            "sequence-encoder backbone's sequenceTasks).",
          { details: { actual: representation.shape } },
        );
      }
      const [b, l, d] = representation.shape as [number, number, number];
      return tf.tidy(() =>
        tf.reshape(stack.apply(tf.reshape(representation, [b * l, d]), context), [b, l, numClasses]),
      );
    },
  });
}

/**
 * A sequence-labelling (tagging) head: the same dense stack applied to every token of a per-token representation
 * `[batch, length, d]`, giving logits `[batch, length, numClasses]` (no softmax; the loss takes logits). Pair it
 * with {@link tokenCrossEntropyLoss}, or use {@link sequenceLabellingTask}.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { sequenceLabellingHead } from '@multitask/heads';
 *
 * const head = sequenceLabellingHead({ inputSize: 8, numClasses: 12 });
 * const tokens = tf.ones([2, 5, 8]); // [batch, length, inputSize] from a sequence encoder
 * const logits = head.apply(tokens, { training: false });
 * console.log(logits.shape); // [2, 5, 12]
 * tf.dispose([tokens, logits]);
 * head.dispose();
 * ```
 */
export function sequenceLabellingHead(options: SequenceLabellingHeadOptions): SequenceLabellingHead {
  return createSequenceLabellingHead(options, 'sequence-labelling head');
}

/**
 * Per-token softmax cross-entropy from logits `[batch, length, K]` against int32 labels `[batch, length]`,
 * averaged over the tokens whose mask `[batch, length]` is 1 — padding and unlabelled tokens count for nothing
 * (their placeholder labels may be anything). A `[batch]` mask removes whole rows. Without a mask every position
 * counts. Optional label smoothing ε.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { tokenCrossEntropyLoss } from '@multitask/heads';
 *
 * const loss = tokenCrossEntropyLoss();
 * const logits = tf.tensor3d([[[4, 0], [0, 4], [4, 0]]]); // [B = 1, L = 3, C = 2]
 * const tags = tf.tensor2d([[0, 1, 1]], [1, 3], 'int32');
 * const mask = tf.tensor2d([[1, 1, 0]]); // padding does not count
 * const l = loss(logits, tags, mask); // mean over the two real tokens: ≈ 0.018
 * console.log(l.dataSync()[0]);
 * tf.dispose([logits, tags, mask, l]);
 * ```
 */
export function tokenCrossEntropyLoss(options: { readonly labelSmoothing?: number } = {}): LossFn {
  const eps = options.labelSmoothing ?? 0;
  return (prediction, target, mask): Scalar =>
    tf.tidy(() => {
      const k = prediction.shape[prediction.rank - 1]!;
      const [b, l] = [prediction.shape[0], prediction.rank === 3 ? prediction.shape[1]! : 1];
      const logits = tf.reshape(prediction, [b * l, k]);
      const labels = tf.cast(tf.reshape(target, [-1]), 'int32');
      const valid = tf.logicalAnd(tf.greaterEqual(labels, 0), tf.less(labels, k));
      let y: Tensor = tf.cast(tf.oneHot(tf.where(valid, labels, tf.zerosLike(labels)), k), 'float32');
      if (eps > 0) y = tf.add(tf.mul(y, 1 - eps), eps / k);
      const perToken = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)), -1)); // [b·l]
      let m: Tensor;
      if (mask === undefined) m = tf.onesLike(perToken);
      else if (mask.rank === 1 && l > 1)
        m = tf.reshape(tf.tile(tf.reshape(tf.cast(mask, 'float32'), [b, 1]), [1, l]), [-1]);
      else m = tf.reshape(tf.cast(mask, 'float32'), [-1]);
      const kept = tf.where(tf.greater(m, 0), tf.mul(perToken, m), tf.zerosLike(perToken));
      return tf.div<Scalar>(tf.sum(kept), tf.maximum(tf.sum(m), 1));
    });
}

/**
 * A sequence-labelling task (e.g. part-of-speech tagging): a {@link sequenceLabellingHead}, the per-token masked
 * {@link tokenCrossEntropyLoss}, metrics `['token-accuracy']` (resolved by the application, e.g. eval's
 * `tokenAccuracy`), and a target check: int32 labels `[batch, length]`, each labelled one in `[0, numClasses)`.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { sequenceLabellingTask } from '@multitask/heads';
 *
 * const pos = sequenceLabellingTask('pos', { inputSize: 128, numClasses: 12 });
 * console.log(pos.name, pos.head.getConfig().type); // pos sequence-labelling
 * pos.head.dispose();
 * ```
 */
export function sequenceLabellingTask(name: string, options: SequenceLabellingTaskOptions): Task {
  const head = createSequenceLabellingHead(options, `sequence-labelling head of task "${name}"`);
  const k = head.numClasses;
  const validateTarget: TargetValidator = (target: Tensor, mask?: Tensor) => {
    if (target.rank !== 2) {
      return `task "${name}": targets must have shape [batch, length] (one label per token), got ${shapeString(target.shape)}.`;
    }
    if (
      mask !== undefined &&
      (mask.rank !== 2 || mask.shape[0] !== target.shape[0] || mask.shape[1] !== target.shape[1])
    ) {
      return `task "${name}": the mask must have the targets' shape ${shapeString(target.shape)} (1 = a labelled token), got ${shapeString(mask.shape)}.`;
    }
    const values = target.dataSync();
    const m = mask?.dataSync();
    const length = target.shape[1]!;
    for (let i = 0; i < values.length; i++) {
      if (m !== undefined && !(m[i]! > 0)) continue;
      const v = values[i]!;
      if (!(Number.isInteger(v) && v >= 0 && v < k)) {
        return `task "${name}": label ${v} at row ${Math.floor(i / length)}, token ${i % length} is not a class index in [0, ${k}) — set numClasses or mask the token.`;
      }
    }
    return undefined;
  };
  return {
    name,
    head,
    loss: tokenCrossEntropyLoss({ labelSmoothing: head.labelSmoothing }),
    metrics: options.metrics ?? ['token-accuracy'],
    validateTarget,
    targetViolations: (target, mask) => countInvalid(target, mask, (x) => notClassIndex(x, k)),
  };
}
