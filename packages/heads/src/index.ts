/**
 * Task heads (classification, binary, multi-label, regression) with masked losses, and task factories that
 * pair each head with its loss, default metrics and target checks.
 *
 * Guides: [Getting started](../../../docs/guides/getting-started.md) ·
 * [How the trainer computes a step](../../../docs/guides/training.md) ·
 * [Backbones, sharing schemes and heads](../../../docs/guides/backbones-and-heads.md).
 * @packageDocumentation
 */
export { classificationHead } from './classification-head.ts';
export type { ClassificationHead, ClassificationHeadOptions } from './classification-head.ts';
export { regressionHead } from './regression-head.ts';
export type { RegressionHead, RegressionHeadOptions, RegressionLossKind } from './regression-head.ts';
export { binaryHead, multiLabelHead } from './sigmoid-head.ts';
export type { MultiLabelHeadOptions, SigmoidHead, SigmoidHeadOptions } from './sigmoid-head.ts';
export type { StackOptions } from './internal/dense-stack.ts';
export type { Activation } from '@multitask/core/parts';
export { softmaxCrossEntropyLoss, sigmoidCrossEntropyLoss, regressionLoss } from './losses.ts';
export { classificationTask, regressionTask, binaryTask, multiLabelTask, defaultMetrics } from './tasks.ts';
export type {
  BinaryTaskOptions,
  ClassificationTaskOptions,
  MultiLabelTaskOptions,
  RegressionTaskOptions,
  TaskOptions,
} from './tasks.ts';
export { taskFactories } from './task-factories.ts';
export type { TaskFactory } from './task-factories.ts';
export {
  sequenceLabellingHead,
  sequenceLabellingTask,
  tokenCrossEntropyLoss,
} from './sequence-labelling-head.ts';
export type {
  SequenceLabellingHead,
  SequenceLabellingHeadOptions,
  SequenceLabellingTaskOptions,
} from './sequence-labelling-head.ts';
