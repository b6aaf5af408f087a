import type { JsonValue, Task } from '@multitask/core';
import {
  binaryTask,
  classificationTask,
  multiLabelTask,
  regressionTask,
  type ClassificationTaskOptions,
  type MultiLabelTaskOptions,
} from './tasks.ts';
import { sequenceLabellingTask, type SequenceLabellingTaskOptions } from './sequence-labelling-head.ts';

/**
 * Rebuilds a task from its name and its head's config options (plus `metrics`), as saved in a model
 * directory.
 */
export type TaskFactory = (name: string, options: { readonly [key: string]: JsonValue }) => Task;

/**
 * The built-in task factories keyed by head config `type` (`head.getConfig().type`), for loading saved
 * models: `createRegistry('task', taskFactories)` or pass it to `loadModel`. Add your own head types next to
 * them.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { taskFactories } from '@multitask/heads';
 *
 * const config = { name: 'digit', head: { type: 'classification', options: { inputSize: 50, numClasses: 10 } } }; // e.g. from JSON
 * const task = taskFactories[config.head.type]!(config.name, config.head.options);
 * console.log(task.name); // 'digit'
 * task.head.dispose();
 * ```
 */
export const taskFactories: Readonly<Record<string, TaskFactory>> = {
  classification: (name, options) =>
    classificationTask(name, options as unknown as ClassificationTaskOptions),
  regression: (name, options) => regressionTask(name, options),
  binary: (name, options) => binaryTask(name, options),
  'multi-label': (name, options) => multiLabelTask(name, options as unknown as MultiLabelTaskOptions),
  'sequence-labelling': (name, options) =>
    sequenceLabellingTask(name, options as unknown as SequenceLabellingTaskOptions),
};
