import type { Tensor } from '@tensorflow/tfjs-core';
import type { Task, TargetValidator } from '@multitask/core';
import { createClassificationHead, type ClassificationHeadOptions } from './classification-head.ts';
import { softmaxCrossEntropyLoss, regressionLoss, sigmoidCrossEntropyLoss } from './losses.ts';
import { createRegressionHead, type RegressionHeadOptions } from './regression-head.ts';
import { createSigmoidHead, type MultiLabelHeadOptions, type SigmoidHeadOptions } from './sigmoid-head.ts';
import {
  checkTargetShape,
  checkValues,
  countInvalid,
  notClassIndex,
  notProbability,
} from './internal/validate.ts';

/** Options every task factory accepts besides its head's options. */
export interface TaskOptions {
  /** Metric names that measure the task (resolved by the application). Default: the head kind's defaults. */
  readonly metrics?: readonly string[];
}

/** Options of {@link classificationTask}. */
export interface ClassificationTaskOptions extends ClassificationHeadOptions, TaskOptions {}
/** Options of {@link regressionTask}. */
export interface RegressionTaskOptions extends RegressionHeadOptions, TaskOptions {}
/** Options of {@link binaryTask}. */
export interface BinaryTaskOptions extends SigmoidHeadOptions, TaskOptions {}
/** Options of {@link multiLabelTask}. */
export interface MultiLabelTaskOptions extends MultiLabelHeadOptions, TaskOptions {}

/** Default metric names per head kind. */
export const defaultMetrics: Readonly<
  Record<'classification' | 'regression' | 'binary' | 'multi-label', readonly string[]>
> = {
  classification: ['accuracy'],
  regression: ['mse', 'mae'],
  binary: ['binary-accuracy'],
  'multi-label': ['binary-accuracy'],
};

/**
 * A classification task: a {@link classificationHead} (logits), softmax cross-entropy on int32 labels
 * `[batch]` (masked, optional label smoothing), metrics `['accuracy']`, and a target check that every
 * labelled class is an integer in `[0, numClasses)` — before training (`validateTarget`) and, counted on the
 * device, in every training step (`targetViolations`).
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { MultitaskModel } from '@multitask/core';
 * import { mlpBackbone } from '@multitask/backbones';
 * import { classificationTask } from '@multitask/heads';
 *
 * const digit = classificationTask('digit', { inputSize: 50, numClasses: 10 });
 * const model = new MultitaskModel({ backbone: mlpBackbone({ inputSize: 784, units: [50] }), tasks: [digit] });
 * console.log(model.taskNames); // ['digit']
 * model.dispose();
 * ```
 */
export function classificationTask(name: string, options: ClassificationTaskOptions): Task {
  const head = createClassificationHead(options, `classification head of task "${name}"`);
  const k = head.numClasses;
  const validateTarget: TargetValidator = (target: Tensor, mask?: Tensor) =>
    checkTargetShape(name, target, 1, 'one class index per row') ??
    checkValues(name, target, mask, (v) =>
      Number.isInteger(v) && v >= 0 && v < k
        ? undefined
        : `label ${v} is not a class index in [0, ${k}) — the head has numClasses = ${k}; ` +
          `set numClasses to the number of classes or fix the label`,
    );
  return {
    name,
    head,
    loss: softmaxCrossEntropyLoss({ labelSmoothing: head.labelSmoothing }),
    metrics: options.metrics ?? defaultMetrics.classification,
    validateTarget,
    targetViolations: (target, mask) => countInvalid(target, mask, (x) => notClassIndex(x, k)),
  };
}

/**
 * A regression task: a {@link regressionHead}, an MSE / L1 / Huber loss (masked; unlabelled rows may hold
 * NaN), metrics `['mse', 'mae']`, and a target check of the shape (`[batch, outputSize]`, or `[batch]` when
 * `outputSize` is 1) and of finite labelled values.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { regressionTask } from '@multitask/heads';
 *
 * const mass = regressionTask('mass', { inputSize: 50, loss: 'huber' });
 * const z = tf.randomNormal([4, 50]);
 * const prediction = mass.head.apply(z, { training: false }); // [4, 1]
 * const loss = mass.loss(prediction, tf.zeros([4, 1])); // Huber loss, a Scalar
 * console.log(prediction.shape, loss.dataSync()[0]);
 * tf.dispose([z, prediction, loss]);
 * mass.head.dispose();
 * ```
 */
export function regressionTask(name: string, options: RegressionTaskOptions = {}): Task {
  const head = createRegressionHead(options, `regression head of task "${name}"`);
  const validateTarget: TargetValidator = (target: Tensor, mask?: Tensor) =>
    checkTargetShape(name, target, head.outputSize, `${head.outputSize} value(s) per row`) ??
    checkValues(name, target, mask, (v) =>
      Number.isFinite(v) ? undefined : `target ${v} is not finite — mask the row`,
    );
  return {
    name,
    head,
    loss: regressionLoss({ kind: head.loss, delta: head.delta }),
    metrics: options.metrics ?? defaultMetrics.regression,
    validateTarget,
  };
}

const probability = (v: number): string | undefined =>
  v >= 0 && v <= 1 ? undefined : `target ${v} is not a probability in [0, 1]`;

/**
 * A binary classification task: a {@link binaryHead} (one logit), sigmoid cross-entropy (masked, optional
 * positive weight) on 0/1 targets `[batch]`, metrics `['binary-accuracy']`, and a target check (values in [0, 1])
 * before training and in every training step.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { binaryTask } from '@multitask/heads';
 *
 * const smiling = binaryTask('smiling', { inputSize: 50, positiveWeight: 2 }); // positives count twice in the loss
 * console.log(smiling.name);
 * smiling.head.dispose();
 * ```
 */
export function binaryTask(name: string, options: BinaryTaskOptions = {}): Task {
  const head = createSigmoidHead('binary', options, `binary head of task "${name}"`);
  const validateTarget: TargetValidator = (target: Tensor, mask?: Tensor) =>
    checkTargetShape(name, target, 1, 'one 0/1 label per row') ??
    checkValues(name, target, mask, probability);
  return {
    name,
    head,
    loss: sigmoidCrossEntropyLoss({ positiveWeight: head.positiveWeight }),
    metrics: options.metrics ?? defaultMetrics.binary,
    validateTarget,
    targetViolations: (target, mask) => countInvalid(target, mask, notProbability),
  };
}

/**
 * A multi-label task: a {@link multiLabelHead} (one logit per label), sigmoid cross-entropy averaged over
 * labels (masked per row, optional positive weight) on 0/1 targets `[batch, numLabels]`, metrics
 * `['binary-accuracy']`, and a target check (values in [0, 1]) before training and in every training step.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { multiLabelTask } from '@multitask/heads';
 *
 * const tags = multiLabelTask('tags', { inputSize: 50, numLabels: 6 }); // targets: 0/1 float32 [B, 6]
 * console.log(tags.name);
 * tags.head.dispose();
 * ```
 */
export function multiLabelTask(name: string, options: MultiLabelTaskOptions): Task {
  const head = createSigmoidHead('multi-label', options, `multi-label head of task "${name}"`);
  const validateTarget: TargetValidator = (target: Tensor, mask?: Tensor) =>
    checkTargetShape(name, target, head.outputSize, `${head.outputSize} 0/1 labels per row`) ??
    checkValues(name, target, mask, probability);
  return {
    name,
    head,
    loss: sigmoidCrossEntropyLoss({ positiveWeight: head.positiveWeight }),
    metrics: options.metrics ?? defaultMetrics['multi-label'],
    validateTarget,
    targetViolations: (target, mask) => countInvalid(target, mask, notProbability),
  };
}
