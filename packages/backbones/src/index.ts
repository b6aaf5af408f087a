/**
 * Shared trunks (MLP, Multi-LeNet, ResNet, text CNN, tabular, multi-input) and soft-sharing schemes (MMoE,
 * CGC, cross-stitch) for multitask models; save/load through tfjs IO handlers; freezing and per-part
 * optimizers for transfer.
 *
 * Guides: [Getting started](../../../docs/guides/getting-started.md) ·
 * [How the trainer computes a step](../../../docs/guides/training.md) ·
 * [Backbones, sharing schemes and heads](../../../docs/guides/backbones-and-heads.md).
 * @module @multitask/backbones
 * @packageDocumentation
 */
export { mlpBackbone } from './mlp-backbone.ts';
export type { MlpBackbone, MlpBackboneOptions } from './mlp-backbone.ts';
export { multiLeNetBackbone } from './multi-lenet-backbone.ts';
export type { MultiLeNetBackbone, MultiLeNetBackboneOptions } from './multi-lenet-backbone.ts';
export { mmoeBackbone } from './mmoe-backbone.ts';
export type { GatedBackbone, MmoeBackboneOptions } from './mmoe-backbone.ts';
export { cgcBackbone } from './cgc-backbone.ts';
export type { CgcBackboneOptions } from './cgc-backbone.ts';
export { crossStitchBackbone } from './cross-stitch-backbone.ts';
export type { CrossStitchBackbone, CrossStitchBackboneOptions } from './cross-stitch-backbone.ts';
export { resnetBackbone } from './resnet-backbone.ts';
export type { ResnetBackbone, ResnetBackboneOptions } from './resnet-backbone.ts';
export { embeddingBagBackbone } from './embedding-bag-backbone.ts';
export type { EmbeddingBagBackbone, EmbeddingBagBackboneOptions } from './embedding-bag-backbone.ts';
export { textCnnBackbone } from './text-cnn-backbone.ts';
export type { TextCnnBackbone, TextCnnBackboneOptions } from './text-cnn-backbone.ts';
export { tabularBackbone } from './tabular-backbone.ts';
export type { CategoricalColumn, TabularBackbone, TabularBackboneOptions } from './tabular-backbone.ts';
export { multiInputBackbone, multiInputFactory } from './multi-input-backbone.ts';
export type { MultiInputBackbone, MultiInputBackboneOptions } from './multi-input-backbone.ts';
export { builtinBackbones } from './builtin-backbones.ts';
export {
  MODEL_FORMAT,
  loadModelFrom,
  modelFromArtifacts,
  modelToArtifacts,
  namedModelVariables,
  saveModelTo,
} from './model-io.ts';
export type {
  BackboneFactory,
  FactoryMap,
  ModelFactories,
  SavedModelConfig,
  TaskFactoryFn,
} from './model-io.ts';
export { freeze, unfreeze, isFrozen, withTask, partOptimizers } from './transfer.ts';
export type { Part, PartLearningRates, PartOptimizers } from './transfer.ts';
export type { Activation } from '@multitask/core/parts';
export { sequenceEncoderBackbone } from './sequence-encoder-backbone.ts';
export type {
  SequenceEncoderBackbone,
  SequenceEncoderBackboneOptions,
  SequenceFeature,
  SequencePooling,
  SequencePoolSource,
} from './sequence-encoder-backbone.ts';
