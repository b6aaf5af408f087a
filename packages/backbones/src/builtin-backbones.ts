import type { BackboneFactory } from './model-io.ts';
import { cgcBackbone } from './cgc-backbone.ts';
import { crossStitchBackbone } from './cross-stitch-backbone.ts';
import { embeddingBagBackbone } from './embedding-bag-backbone.ts';
import { mlpBackbone } from './mlp-backbone.ts';
import { multiInputFactory } from './multi-input-backbone.ts';
import { mmoeBackbone } from './mmoe-backbone.ts';
import { multiLeNetBackbone } from './multi-lenet-backbone.ts';
import { resnetBackbone } from './resnet-backbone.ts';
import { tabularBackbone } from './tabular-backbone.ts';
import { textCnnBackbone } from './text-cnn-backbone.ts';

/**
 * The built-in backbone factories keyed by config `type` (multi-input branches may be any of the others), for loading saved models
 * (`loadModel(dir, { backbones: builtinBackbones, tasks })`) or `createRegistry('backbone', builtinBackbones)`.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { builtinBackbones } from '@multitask/backbones';
 *
 * const config = { type: 'mlp', options: { inputSize: 6, units: [32] } }; // e.g. read from JSON
 * const backbone = builtinBackbones[config.type]!(config.options as never);
 * console.log(backbone.outputSize); // 32
 * backbone.dispose();
 * ```
 */
const leaves: Record<string, BackboneFactory> = {
  mlp: mlpBackbone,
  'multi-lenet': multiLeNetBackbone,
  resnet: resnetBackbone,
  'embedding-bag': embeddingBagBackbone,
  'text-cnn': textCnnBackbone,
  tabular: tabularBackbone,
  mmoe: mmoeBackbone,
  cgc: cgcBackbone,
  'cross-stitch': crossStitchBackbone,
};

export const builtinBackbones: Readonly<Record<string, BackboneFactory>> = {
  ...leaves,
  'multi-input': multiInputFactory(leaves),
};
