/// <reference types="node" />
import { join, resolve } from 'node:path';
import type { MultitaskModel } from '@multitask/core';
import { modelFromArtifacts, modelToArtifacts, type ModelFactories } from '../model-io.ts';
import { fileSystemHandler, MODEL_JSON } from './file-system-handler.ts';

/**
 * Saves a whole multitask model (backbone, heads, tasks' configs and metric names, frozen flags, weights) to
 * `directory` in Node, without tfjs-node: `model.json` + `weights.bin` (tfjs weights format), written to a
 * temporary directory and renamed into place.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { MultitaskModel } from '@multitask/core';
 * import { mlpBackbone } from '@multitask/backbones';
 * import { saveModel } from '@multitask/backbones/node';
 * import { classificationTask } from '@multitask/heads';
 *
 * const model = new MultitaskModel({
 *   backbone: mlpBackbone({ inputSize: 784, units: [50] }),
 *   tasks: [classificationTask('digit', { inputSize: 50, numClasses: 10 })],
 * });
 * await saveModel(model, 'runs/mnist/model'); // runs/mnist/model/{model.json,weights.bin}
 * ```
 */
export async function saveModel(model: MultitaskModel, directory: string): Promise<void> {
  await fileSystemHandler(directory).save!(await modelToArtifacts(model));
}

/**
 * Loads a model saved by {@link saveModel}, rebuilding each part with the factory registered for its config
 * `type`; predictions equal the saved model's. Throws `IO_ERROR` naming the file when `model.json` or a
 * weights file is missing, truncated or corrupted, and `UNKNOWN_NAME` for a part type with no factory.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { MultitaskModel } from '@multitask/core';
 * import { builtinBackbones, mlpBackbone } from '@multitask/backbones';
 * import { loadModel, saveModel } from '@multitask/backbones/node';
 * import { classificationTask, taskFactories } from '@multitask/heads';
 *
 * const trained = new MultitaskModel({
 *   backbone: mlpBackbone({ inputSize: 784, units: [64] }),
 *   tasks: [classificationTask('digit', { inputSize: 64, numClasses: 10 })],
 * });
 * await saveModel(trained, 'runs/mnist/model');
 * const model = await loadModel('runs/mnist/model', { backbones: builtinBackbones, tasks: taskFactories });
 * console.log(model.taskNames); // ['digit']
 * ```
 */
export async function loadModel(directory: string, factories: ModelFactories): Promise<MultitaskModel> {
  const artifacts = await fileSystemHandler(directory).load!();
  return modelFromArtifacts(artifacts, factories, join(resolve(directory), MODEL_JSON));
}
