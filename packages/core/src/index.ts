/**
 * The contracts of multitask (tasks, backbones, heads, batches, weighting strategies, metrics, data sources),
 * the composed multi-task model, the trainer, errors and seeded randomness.
 *
 * Guides: [Getting started](../../../docs/guides/getting-started.md) ·
 * [How the trainer computes a step](../../../docs/guides/training.md) ·
 * [Backbones, sharing schemes and heads](../../../docs/guides/backbones-and-heads.md).
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
  JsonValue,
  PartConfig,
  Representation,
  SharedRepresentation,
  TaskRepresentations,
} from './backbone.ts';
export type { Head } from './head.ts';
export type { LossFn, Task, TargetValidator } from './task.ts';
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
export { registerGradients, gradientsRegistered, missingGradientError } from './gradients.ts';
export type { GradientRegistration } from './gradients.ts';
export { createRegistry } from './registry.ts';
export type { Registry } from './registry.ts';
export { fillMasked, maskedMean, shapeString } from './tensor-utils.ts';
export { MultitaskModel } from './model.ts';
export { captureCheckpoint, restoreCheckpoint, CHECKPOINT_FORMAT } from './checkpoint.ts';
export type { CheckpointData, CheckpointManifest } from './checkpoint.ts';
export type { MultitaskModelOptions } from './model.ts';
export { Trainer } from './trainer.ts';
export type { FitOptions, TaskMetrics, TrainerOptions, TrainResult } from './trainer.ts';
export type {
  EpochEvent,
  GradientStatsEvent,
  StepEvent,
  TrainerCallback,
  TrainingControl,
} from './callbacks.ts';
export {
  ACTIVATIONS,
  INITIALIZERS,
  activate,
  makeVariable,
  glorotUniform,
  uniformValues,
  makeDense,
  makeDenseLayers,
  applyDense,
  applyDenseLayers,
  maybeDropout,
  checkPositiveInt,
  checkRate,
  checkActivation,
  checkInitializer,
  checkWidths,
  checkCommonOptions,
  checkSeed,
  disposeVariables,
  toRows,
} from './layers.ts';
export type { Activation, CommonPartOptions, Dense, Initializer, ResolvedCommonPartOptions } from './layers.ts';
