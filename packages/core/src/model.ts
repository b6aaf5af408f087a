import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import {
  type Backbone,
  type ForwardContext,
  type Inputs,
  type Representation,
  representationSize,
} from './backbone.ts';
import { isTensorLike } from './batch.ts';
import { MultitaskError } from './errors.ts';
import type { Task } from './task.ts';
import { shapeString } from './tensor-utils.ts';

/** A model variable under its stable name (see {@link MultitaskModel.namedVariables}). */
export interface NamedVariable {
  /** `backbone/<i>`, `backbone/state/<i>` or `task/<task>/<i>`. */
  readonly name: string;
  /** The variable. */
  readonly variable: Variable;
  /** The part it belongs to, for error messages (`backbone "mlp"`, `head of task "age"`). */
  readonly part: string;
}

/** Options of {@link MultitaskModel}. */
export interface MultitaskModelOptions {
  /** The shared trunk. */
  readonly backbone: Backbone;
  /** The tasks, each with its head (at least one; names unique). */
  readonly tasks: readonly Task[];
}

/**
 * A backbone plus named task heads. Hard sharing (one representation for all heads), per-task representations
 * (gated sharing) and multi-input backbones are all supported; see {@link Backbone}.
 *
 * The model owns the variables of its backbone and heads: {@link MultitaskModel.dispose} frees them.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { MultitaskModel } from '@multitask/core';
 * import { mlpBackbone } from '@multitask/backbones';
 * import { classificationTask, regressionTask } from '@multitask/heads';
 *
 * const tasks = [classificationTask('species', { inputSize: 32, numClasses: 3 }), regressionTask('mass', { inputSize: 32 })];
 * const model = new MultitaskModel({ backbone: mlpBackbone({ inputSize: 6, units: [32] }), tasks });
 * const x = tf.randomNormal([4, 6]);
 * const predictions = model.predict(x); // { species: [4, 3] logits, mass: [4, 1] }
 * console.log(predictions.species?.shape, predictions.mass?.shape);
 * tf.dispose([x, predictions.species, predictions.mass]);
 * model.dispose();
 * ```
 */
export class MultitaskModel {
  /** The shared trunk. */
  readonly backbone: Backbone;
  /** The tasks, in order. */
  readonly tasks: readonly Task[];
  readonly #byName: ReadonlyMap<string, Task>;

  /** Builds the model; throws `INVALID_CONFIG` on duplicate task names or a head/backbone size mismatch. */
  constructor(options: MultitaskModelOptions) {
    const { backbone, tasks } = options;
    if (tasks.length === 0) {
      throw new MultitaskError(
        'INVALID_CONFIG',
        '[@multitask/core] A multi-task model needs at least one task.',
      );
    }
    const byName = new Map<string, Task>();
    for (const task of tasks) {
      if (byName.has(task.name)) {
        throw new MultitaskError(
          'INVALID_CONFIG',
          `[@multitask/core] Task name "${task.name}" is used twice — give every task a unique name.`,
          { details: { task: task.name } },
        );
      }
      byName.set(task.name, task);
      const size = representationSize(backbone, task.name);
      if (task.head.inputSize === undefined && size !== undefined) task.head.build?.(size);
      const inSize = task.head.inputSize;
      if (inSize !== undefined && size !== undefined && inSize !== size) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/core] The head of task "${task.name}" expects a representation of size ${inSize}, ` +
            `but backbone "${backbone.name}" produces ${size} for it — set the head's inputSize to ` +
            `${size} (or leave it unset).`,
          { details: { task: task.name, expected: size, actual: inSize } },
        );
      }
    }
    this.backbone = backbone;
    this.tasks = tasks;
    this.#byName = byName;
  }

  /** Task names, in order. */
  get taskNames(): string[] {
    return this.tasks.map((t) => t.name);
  }

  /** The task called `name`; throws `UNKNOWN_NAME` when there is none. */
  task(name: string): Task {
    const t = this.#byName.get(name);
    if (!t) {
      throw new MultitaskError(
        'UNKNOWN_NAME',
        `[@multitask/core] Unknown task "${name}". The model's tasks are: ${this.taskNames.join(', ')}.`,
        { details: { task: name } },
      );
    }
    return t;
  }

  /** The representation of `task` taken from a backbone output. */
  representationFor(representation: Representation, task: string): Tensor {
    if (isTensorLike(representation)) return representation;
    const r = representation[task];
    if (!r) {
      throw new MultitaskError(
        'INVALID_CONFIG',
        `[@multitask/core] Backbone "${this.backbone.name}" returned no representation for task "${task}" ` +
          `(it returned: ${Object.keys(representation).join(', ')}).`,
        { details: { task } },
      );
    }
    return r;
  }

  /** Checks named inputs against the backbone's declared input names. */
  validateInputs(inputs: Inputs): void {
    const expected = this.backbone.inputNames;
    if (expected === undefined) {
      if (!isTensorLike(inputs)) {
        throw new MultitaskError(
          'INVALID_DATA',
          `[@multitask/core] Backbone "${this.backbone.name}" takes one input tensor, but got named inputs ` +
            `(${Object.keys(inputs).join(', ')}).`,
        );
      }
      return;
    }
    if (isTensorLike(inputs)) {
      throw new MultitaskError(
        'INVALID_DATA',
        `[@multitask/core] Backbone "${this.backbone.name}" takes named inputs (${expected.join(', ')}), but got ` +
          `one tensor of shape ${shapeString(inputs.shape)}.`,
      );
    }
    const got = Object.keys(inputs);
    const missing = expected.filter((n) => !(n in inputs));
    const extra = got.filter((n) => !expected.includes(n));
    if (missing.length > 0 || extra.length > 0) {
      throw new MultitaskError(
        'INVALID_DATA',
        `[@multitask/core] Backbone "${this.backbone.name}" expects inputs ${expected.join(', ')}; ` +
          (missing.length ? `missing: ${missing.join(', ')}` : '') +
          (missing.length && extra.length ? '; ' : '') +
          (extra.length ? `unknown: ${extra.join(', ')}` : '') +
          '.',
        { details: { missing: missing.join(','), unknown: extra.join(',') } },
      );
    }
  }

  /**
   * Runs the backbone once and the heads of `tasks` (all tasks by default). Not wrapped in `tidy`: call it
   * inside one (the trainer does).
   */
  forward(inputs: Inputs, context: ForwardContext, tasks?: readonly string[]): Record<string, Tensor> {
    const rep = this.backbone.apply(inputs, context);
    const out: Record<string, Tensor> = {};
    for (const name of tasks ?? this.taskNames) {
      out[name] = this.task(name).head.apply(this.representationFor(rep, name), context);
    }
    return out;
  }

  /** Predictions of every task (inference mode: no dropout, moving statistics). The caller disposes them. */
  predict(inputs: Inputs, tasks?: readonly string[]): Record<string, Tensor> {
    this.validateInputs(inputs);
    return tf.tidy(() => this.forward(inputs, { training: false }, tasks));
  }

  /** Trainable variables of the backbone (the shared parameters), skipping frozen ones. */
  get sharedVariables(): Variable[] {
    return this.backbone.trainableVariables.filter((v) => v.trainable);
  }

  /** Trainable variables of one task's head, skipping frozen ones. */
  headVariables(task: string): Variable[] {
    return this.task(task).head.trainableVariables.filter((v) => v.trainable);
  }

  /** Every trainable (not frozen) variable: backbone then heads. */
  get trainableVariables(): Variable[] {
    return [...this.sharedVariables, ...this.tasks.flatMap((t) => this.headVariables(t.name))];
  }

  /**
   * Every variable of the model under one stable naming scheme, used by every save path (checkpoints, model
   * save/load): `backbone/<i>` for the backbone's trainable variables, `backbone/state/<i>` for its
   * non-trainable ones (batch-norm statistics), `task/<task>/<i>` for each head's, in that order.
   */
  namedVariables(): NamedVariable[] {
    const out: NamedVariable[] = [];
    const part = `backbone "${this.backbone.name}"`;
    this.backbone.trainableVariables.forEach((variable, i) =>
      out.push({ name: `backbone/${i}`, variable, part }),
    );
    (this.backbone.nonTrainableVariables ?? []).forEach((variable, i) =>
      out.push({ name: `backbone/state/${i}`, variable, part }),
    );
    for (const t of this.tasks) {
      const head = `head of task "${t.name}"`;
      t.head.trainableVariables.forEach((variable, i) =>
        out.push({ name: `task/${t.name}/${i}`, variable, part: head }),
      );
    }
    return out;
  }

  /** Frees the backbone's and heads' variables. */
  dispose(): void {
    this.backbone.dispose();
    for (const t of this.tasks) t.head.dispose();
  }
}
