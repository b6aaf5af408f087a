import * as tf from '@tensorflow/tfjs-core';
import type { Variable } from '@tensorflow/tfjs-core';
import {
  MultitaskError,
  MultitaskModel,
  type Backbone,
  type JsonValue,
  type PartConfig,
  type Registry,
  type Task,
} from '@multitask/core';

/** Rebuilds a backbone from its config options (e.g. `mlpBackbone`). */
export type BackboneFactory = (options: never) => Backbone;

/** Rebuilds a task from its name and its head's config options plus `metrics` (e.g. `@multitask/heads`' `taskFactories`). */
export type TaskFactoryFn = (name: string, options: { readonly [key: string]: JsonValue }) => Task;

/** Factories by config `type`: a core {@link Registry} or a plain record. */
export type FactoryMap<F> = Registry<F> | Readonly<Record<string, F>>;

/** What {@link loadModelFrom} needs to rebuild the parts from their configs. */
export interface ModelFactories {
  /** Backbone factories by config `type` (e.g. `builtinBackbones`). */
  readonly backbones: FactoryMap<BackboneFactory>;
  /** Task factories by head config `type` (e.g. `taskFactories` from `@multitask/heads`). */
  readonly tasks: FactoryMap<TaskFactoryFn>;
}

/** The `format` tag of saved multitask models. */
export const MODEL_FORMAT = 'multitask-model';

/** The JSON part of a saved model (the `modelTopology` of its tfjs artifacts). */
export interface SavedModelConfig {
  /** Always {@link MODEL_FORMAT}. */
  readonly format: typeof MODEL_FORMAT;
  /** Format version (1). */
  readonly version: 1;
  /** The backbone's config. */
  readonly backbone: PartConfig;
  /** Each task's name, head config and metric names, in order. */
  readonly tasks: readonly {
    /** The task's name. */
    readonly name: string;
    /** The config of the task's head (its `type` selects the task factory). */
    readonly head: PartConfig;
    /** The task's metric names. */
    readonly metrics?: readonly string[];
  }[];
  /** Names of the weights that were frozen (`trainable = false`) when saved. */
  readonly frozen: readonly string[];
}

function isRegistry<F>(m: FactoryMap<F>): m is Registry<F> {
  return typeof (m as Registry<F>).get === 'function' && typeof (m as Registry<F>).has === 'function';
}

function lookup<F>(map: FactoryMap<F>, type: string, kind: string, where: string): F {
  if (isRegistry(map)) {
    if (map.has(type)) return map.get(type);
  } else if (Object.hasOwn(map, type)) {
    return map[type]!;
  }
  const known = isRegistry(map) ? map.names : Object.keys(map);
  throw new MultitaskError(
    'UNKNOWN_NAME',
    `[@multitask/backbones] ${where} has ${kind} type "${type}", which the factories given to loadModel do not ` +
      `know (known: ${known.join(', ') || 'none'}) — pass a ${kind} factory for "${type}".`,
    { details: { name: type, kind } },
  );
}

/**
 * The named variables of a model, in a stable order: `backbone/<i>`, `backbone/state/<i>`, `task/<name>/<i>` —
 * the model's own naming (`MultitaskModel.namedVariables()`), which checkpoints use too.
 */
export function namedModelVariables(
  model: MultitaskModel,
): { name: string; variable: Variable; part: string }[] {
  return model.namedVariables().map((n) => ({ ...n }));
}

/** Serialises a model to tfjs model artifacts: configs in `modelTopology`, weights in the tfjs weights format. */
export async function modelToArtifacts(model: MultitaskModel): Promise<tf.io.ModelArtifacts> {
  const named = namedModelVariables(model);
  const config: SavedModelConfig = {
    format: MODEL_FORMAT,
    version: 1,
    backbone: model.backbone.getConfig(),
    tasks: model.tasks.map((t) => ({
      name: t.name,
      head: t.head.getConfig(),
      ...(t.metrics ? { metrics: [...t.metrics] } : {}),
    })),
    frozen: named.filter((n) => !n.variable.trainable).map((n) => n.name),
  };
  const { data, specs } = await tf.io.encodeWeights(named.map((n) => ({ name: n.name, tensor: n.variable })));
  return {
    modelTopology: config as unknown as object,
    format: MODEL_FORMAT,
    generatedBy: '@multitask/backbones',
    weightSpecs: specs,
    weightData: data,
  };
}

function checkConfig(topology: unknown, source: string): SavedModelConfig {
  const c = topology as Partial<SavedModelConfig> | null | undefined;
  if (c?.format !== MODEL_FORMAT || typeof c.backbone?.type !== 'string' || !Array.isArray(c.tasks)) {
    throw new MultitaskError(
      'IO_ERROR',
      `[@multitask/backbones] ${source} is not a saved multitask model (no "${MODEL_FORMAT}" topology with a ` +
        `backbone and tasks) — save it with saveModel/saveModelTo.`,
      { details: { file: source } },
    );
  }
  return c as SavedModelConfig;
}

/**
 * Rebuilds a model from artifacts written by {@link modelToArtifacts}: every part from its config through the
 * factories, then every weight (shape-checked), and the frozen flags. `source` names the origin in errors.
 */
export function modelFromArtifacts(
  artifacts: tf.io.ModelArtifacts,
  factories: ModelFactories,
  source = 'the saved model',
): MultitaskModel {
  const config = checkConfig(artifacts.modelTopology, source);
  const backbone = lookup(
    factories.backbones,
    config.backbone.type,
    'backbone',
    source,
  )(config.backbone.options as never);
  const tasks: Task[] = [];
  let model: MultitaskModel;
  try {
    for (const t of config.tasks) {
      const factory = lookup(factories.tasks, t.head.type, 'task', `${source} (task "${t.name}")`);
      tasks.push(factory(t.name, { ...t.head.options, ...(t.metrics ? { metrics: [...t.metrics] } : {}) }));
    }
    model = new MultitaskModel({ backbone, tasks });
  } catch (e) {
    backbone.dispose();
    for (const t of tasks) t.head.dispose();
    throw e;
  }
  try {
    const specs = artifacts.weightSpecs ?? [];
    const data = artifacts.weightData;
    const named = namedModelVariables(model);
    if (named.length > 0 && data === undefined) {
      throw new MultitaskError('IO_ERROR', `[@multitask/backbones] ${source} has no weight data.`, {
        details: { file: source },
      });
    }
    const tensors = data === undefined ? {} : tf.io.decodeWeights(data, specs);
    try {
      const frozen = new Set(config.frozen);
      for (const { name, variable, part } of named) {
        const t = tensors[name];
        if (t === undefined) {
          throw new MultitaskError(
            'CHECKPOINT_ERROR',
            `[@multitask/backbones] ${source} has no weight "${name}" for the ${part} — the weights do not match ` +
              `the config (was the file edited, or saved by another version?).`,
            { details: { file: source, weight: name } },
          );
        }
        if (t.shape.join(',') !== variable.shape.join(',')) {
          throw new MultitaskError(
            'CHECKPOINT_ERROR',
            `[@multitask/backbones] ${source}: weight "${name}" of the ${part} has shape [${t.shape.join(', ')}], ` +
              `but the part built from the config expects [${variable.shape.join(', ')}].`,
            { details: { file: source, weight: name, expected: variable.shape, actual: t.shape } },
          );
        }
        variable.assign(t);
        variable.trainable = !frozen.has(name);
      }
    } finally {
      tf.dispose(Object.values(tensors));
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/**
 * Saves a whole model (backbone, heads, tasks' configs, frozen flags) through any tfjs IO handler, e.g.
 * `tf.io.browserDownloads()`, `tf.io.http(url)`, or a URL string routed by tfjs (`'indexeddb://my-model'`,
 * `'localstorage://my-model'` in a browser). In Node use `saveModel(model, dir)` from `@multitask/backbones/node`.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { MultitaskModel } from '@multitask/core';
 * import { builtinBackbones, loadModelFrom, mlpBackbone, saveModelTo } from '@multitask/backbones';
 * import { fileSystemHandler } from '@multitask/backbones/node';
 * import { classificationTask, taskFactories } from '@multitask/heads';
 *
 * const model = new MultitaskModel({
 *   backbone: mlpBackbone({ inputSize: 784, units: [50] }),
 *   tasks: [classificationTask('digit', { inputSize: 50, numClasses: 10 })],
 * });
 * // in a browser: 'indexeddb://mnist-mtl' or 'downloads://mnist-mtl'; in Node: a file-system handler
 * await saveModelTo(model, fileSystemHandler('out/mnist-mtl'));
 * const again = await loadModelFrom(fileSystemHandler('out/mnist-mtl'), { backbones: builtinBackbones, tasks: taskFactories });
 * console.log(again.taskNames); // ['digit']
 * ```
 */
export async function saveModelTo(
  model: MultitaskModel,
  destination: string | tf.io.IOHandler,
): Promise<tf.io.SaveResult> {
  const handler = resolveHandler(destination, 'save');
  return handler.save!(await modelToArtifacts(model));
}

/** Loads a model saved by {@link saveModelTo} through a tfjs IO handler or routed URL string. */
export async function loadModelFrom(
  source: string | tf.io.IOHandler,
  factories: ModelFactories,
): Promise<MultitaskModel> {
  const handler = resolveHandler(source, 'load');
  const artifacts = await handler.load!();
  return modelFromArtifacts(artifacts, factories, typeof source === 'string' ? source : 'the loaded model');
}

function resolveHandler(target: string | tf.io.IOHandler, mode: 'save' | 'load'): tf.io.IOHandler {
  if (typeof target !== 'string') {
    if (typeof target[mode] !== 'function') {
      throw new MultitaskError(
        'INVALID_OPTION',
        `[@multitask/backbones] The IO handler given has no ${mode}() method.`,
      );
    }
    return target;
  }
  const handlers = mode === 'save' ? tf.io.getSaveHandlers(target) : tf.io.getLoadHandlers(target);
  const h = handlers[0];
  if (h === undefined) {
    throw new MultitaskError(
      'IO_ERROR',
      `[@multitask/backbones] No tfjs IO handler can ${mode} "${target}" — use a registered scheme ` +
        `(indexeddb://, localstorage://, downloads:// in a browser) or, in Node, ${mode}Model from ` +
        `@multitask/backbones/node.`,
      { details: { url: target } },
    );
  }
  return h;
}
