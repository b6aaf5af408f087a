/**
 * The contracts of multitask (tasks, backbones, heads, batches, weighting strategies, metrics, data sources),
 * the composed multi-task model, the trainer, errors and seeded randomness.
 *
 * Helpers for authors of backbones and heads (dense layers, initializers, option checks) are in
 * `@multitask/core/parts`; the gradient toolkit (per-task gradients, Jacobian, Gramian, a strategy's update
 * direction) shared by the trainer and own training loops is in `@multitask/core/gradients`.
 *
 * Guides: [Getting started](../../../docs/guides/getting-started.md) ·
 * [How the trainer computes a step](../../../docs/guides/training.md) ·
 * [Backbones, sharing schemes and heads](../../../docs/guides/backbones-and-heads.md) ·
 * [Checkpoints and resuming](../../../docs/guides/checkpoints.md).
 * @module @multitask/core
 * @packageDocumentation
 */
export { MultitaskError, isMultitaskError } from './errors.ts';
export type { MultitaskErrorCode, MultitaskErrorDetails, MultitaskErrorOptions } from './errors.ts';
export { Rng, seedStream, MAX_OP_SEED } from './random.ts';
export type { RngState, SeedStream } from './random.ts';
export type {
  Backbone,
  ForwardContext,
  Inputs,
  Representation,
  SharedRepresentation,
  TaskRepresentations,
} from './backbone.ts';
export { representationSize } from './backbone.ts';
export type { JsonValue, PartConfig } from './config.ts';
export type { Head } from './head.ts';
export type { LossFn, Task, TargetValidator, TargetViolationCounter } from './task.ts';
export { disposeBatch, batchSize, isTensorLike } from './batch.ts';
export type { Batch, StepBatch } from './batch.ts';
export type { BatchRequest, DataSource } from './data-source.ts';
export type { Metric, MetricFactory } from './metric.ts';
export type {
  AfterStepContext,
  GradientContext,
  GradientMode,
  GramianWeighting,
  HeadGradients,
  JacobianAggregator,
  LossWeighting,
  StepContext,
  WeightingFactory,
  WeightingStrategy,
  WeightingStrategyBase,
} from './weighting.ts';
export { registerGradients, gradientsRegistered, missingGradientError } from './register-gradients.ts';
export type { GradientRegistration } from './register-gradients.ts';
export { createRegistry } from './registry.ts';
export type { Registry } from './registry.ts';
export { fillMasked, maskedMean, shapeString } from './tensor-utils.ts';
export { MultitaskModel } from './model.ts';
export {
  captureCheckpoint,
  restoreCheckpoint,
  parseCheckpointManifest,
  CHECKPOINT_FORMAT,
} from './checkpoint.ts';
export type { CheckpointData, CheckpointManifest } from './checkpoint.ts';
export type { MultitaskModelOptions, NamedVariable } from './model.ts';
export { Trainer } from './trainer.ts';
export type {
  FitOptions,
  PartialEpochState,
  TaskMetrics,
  TrainerOptions,
  TrainerState,
  TrainResult,
} from './trainer.ts';
export type {
  EpochEvent,
  GradientStatsEvent,
  StepEvent,
  TrainerCallback,
  TrainingControl,
} from './callbacks.ts';
