import type * as tf from '@tensorflow/tfjs-core';
import type { Variable } from '@tensorflow/tfjs-core';
import { MultitaskError, MultitaskModel, type Task } from '@multitask/core';

/** Anything that owns trainable variables: a backbone, a head, or a list of variables. */
export type Part = { readonly trainableVariables: readonly Variable[] } | readonly Variable[];

const varsOf = (part: Part): readonly Variable[] =>
  'trainableVariables' in part ? part.trainableVariables : part;

/**
 * Freezes a part: its variables get `trainable = false`, so `MultitaskModel.trainableVariables` (and the
 * trainer) skip them. Saved models remember it.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { MultitaskModel } from '@multitask/core';
 * import { freeze, isFrozen, mlpBackbone } from '@multitask/backbones';
 * import { regressionTask } from '@multitask/heads';
 *
 * const model = new MultitaskModel({
 *   backbone: mlpBackbone({ inputSize: 6, units: [16] }),
 *   tasks: [regressionTask('age', { inputSize: 16 }), regressionTask('income', { inputSize: 16 })],
 * });
 * freeze(model.backbone); // fine-tune heads only
 * freeze(model.task('age').head);
 * console.log(isFrozen(model.backbone), model.trainableVariables.length); // true, the income head's variables
 * model.dispose();
 * ```
 */
export function freeze(part: Part): void {
  for (const v of varsOf(part)) v.trainable = false;
}

/** Undoes {@link freeze}: the part's variables are trained again. */
export function unfreeze(part: Part): void {
  for (const v of varsOf(part)) v.trainable = true;
}

/** True when every variable of the part is frozen. */
export function isFrozen(part: Part): boolean {
  return varsOf(part).every((v) => !v.trainable);
}

/**
 * A new model that shares `model`'s backbone and heads (same variables, not copies) and adds `task`. Typical
 * transfer: `freeze` the old parts, train the new head alone, then `unfreeze` to fine-tune. Dispose only one of
 * the two models (disposing either frees the shared variables).
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { MultitaskModel } from '@multitask/core';
 * import { freeze, mlpBackbone, withTask } from '@multitask/backbones';
 * import { classificationTask } from '@multitask/heads';
 *
 * const model = new MultitaskModel({
 *   backbone: mlpBackbone({ inputSize: 784, units: [50] }),
 *   tasks: [classificationTask('digit', { inputSize: 50, numClasses: 10 })],
 * });
 * // … train `model` …
 * freeze(model.backbone);
 * model.tasks.forEach((t) => freeze(t.head));
 * const bigger = withTask(model, classificationTask('parity', { inputSize: 50, numClasses: 2 }));
 * console.log(bigger.taskNames); // ['digit', 'parity']: only the new head trains
 * bigger.dispose();
 * ```
 */
export function withTask(model: MultitaskModel, task: Task): MultitaskModel {
  return new MultitaskModel({ backbone: model.backbone, tasks: [...model.tasks, task] });
}

/** Learning rates per part for {@link partOptimizers}; a part left out uses `default`. */
export interface PartLearningRates {
  /** Rate of the parts not listed. */
  readonly default: number;
  /** Rate of the backbone's variables. */
  readonly backbone?: number;
  /** Rate of each task head's variables, by task name. */
  readonly tasks?: Readonly<Record<string, number>>;
}

/** One optimizer per part of a model, routing gradients to the right one. */
export interface PartOptimizers {
  /** The optimizer of each part: `backbone` and `task:<name>`. */
  readonly optimizers: Readonly<Record<string, tf.Optimizer>>;
  /**
   * Applies gradients keyed by variable name (the map `tf.variableGrads` returns): each goes to its part's
   * optimizer; a gradient of an unknown variable is an error.
   */
  applyGradients(grads: tf.NamedTensorMap): void;
  /** Disposes every optimizer. */
  dispose(): void;
}

/**
 * Builds one optimizer per part (backbone, each head) with its own learning rate — e.g. a small rate for a
 * pretrained backbone and a large one for a new head. A trainer uses it in place of a single optimizer:
 * `const { grads } = tf.variableGrads(loss, model.trainableVariables); parts.applyGradients(grads);`.
 * Variables added later (lazily built heads) are routed by part at each call.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { MultitaskModel, registerGradients } from '@multitask/core';
 * import { mlpBackbone, partOptimizers } from '@multitask/backbones';
 * import { regressionTask } from '@multitask/heads';
 *
 * registerGradients();
 * const model = new MultitaskModel({ backbone: mlpBackbone({ inputSize: 6, units: [16] }), tasks: [regressionTask('y', { inputSize: 16 })] });
 * const parts = partOptimizers(model, { default: 1e-3, backbone: 1e-4 }, (lr) => tf.train.adam(lr));
 * const x = tf.randomNormal([8, 6]);
 * const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.predict(x).y!)) as tf.Scalar, model.trainableVariables);
 * parts.applyGradients(grads); // each gradient goes to its part's optimizer
 * tf.dispose([x, value, grads]);
 * ```
 */
export function partOptimizers(
  model: MultitaskModel,
  rates: PartLearningRates,
  makeOptimizer: (learningRate: number) => tf.Optimizer,
): PartOptimizers {
  const parts: [string, () => readonly Variable[], number][] = [
    ['backbone', () => model.backbone.trainableVariables, rates.backbone ?? rates.default],
    ...model.tasks.map(
      (t) =>
        [`task:${t.name}`, () => t.head.trainableVariables, rates.tasks?.[t.name] ?? rates.default] as [
          string,
          () => readonly Variable[],
          number,
        ],
    ),
  ];
  for (const name of Object.keys(rates.tasks ?? {})) {
    if (!model.taskNames.includes(name)) {
      throw new MultitaskError(
        'UNKNOWN_NAME',
        `[@multitask/backbones] partOptimizers: learning rate given for unknown task "${name}" (tasks: ${model.taskNames.join(', ')}).`,
        { details: { task: name } },
      );
    }
  }
  const optimizers = Object.fromEntries(parts.map(([name, , lr]) => [name, makeOptimizer(lr)]));
  return {
    optimizers,
    applyGradients(grads) {
      const owner = new Map<string, string>();
      for (const [name, vars] of parts) for (const v of vars()) owner.set(v.name, name);
      const byPart = new Map<string, tf.NamedTensorMap>();
      for (const [varName, g] of Object.entries(grads)) {
        const part = owner.get(varName);
        if (part === undefined) {
          throw new MultitaskError(
            'INVALID_CONFIG',
            `[@multitask/backbones] partOptimizers: gradient for variable "${varName}", which belongs to no part ` +
              `of the model — compute gradients w.r.t. model.trainableVariables only.`,
            { details: { variable: varName } },
          );
        }
        const m = byPart.get(part) ?? {};
        m[varName] = g;
        byPart.set(part, m);
      }
      for (const [part, m] of byPart) optimizers[part]!.applyGradients(m);
    },
    dispose() {
      for (const o of Object.values(optimizers)) o.dispose();
    },
  };
}
