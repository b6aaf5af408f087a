/**
 * Gradient helpers for a user's own tfjs loop, written with core's gradient toolkit
 * (`@multitask/core/gradients`, the one the trainer uses). Gradient maps are laid out in sorted variable-name
 * order.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar, Tensor, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import { MultitaskError, missingGradientError } from '@multitask/core';
import {
  gramianMatrix,
  jacobianMatrix,
  perTaskGradients,
  readValues,
  splitDirection,
  toMatrix,
  type GradientSlot,
  type PerTaskGradients,
} from '@multitask/core/gradients';

/** Per-task gradients from {@link taskGradients}: one map (variable name → gradient) per task, and the losses. */
export interface TaskGradients {
  /** `grads[t][name]`: gradient of task t's loss w.r.t. the variable `name` (absent when not connected). */
  readonly grads: NamedTensorMap[];
  /** Loss value of each task. */
  readonly losses: number[];
}

/**
 * Per-task gradients w.r.t. a list of variables: one backward pass per task (`tf.variableGrads`). The caller
 * owns the returned tensors (`tf.dispose(result.grads)`).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { registerGradients } from '@multitask/core';
 * import { taskGradients } from '@multitask/weighting';
 *
 * registerGradients();
 * const w = tf.variable(tf.tensor1d([1, 2]), true, 'w');
 * const lossA = (): tf.Scalar => tf.sum(tf.square(w)); // ‖w‖²
 * const lossB = (): tf.Scalar => tf.sum(w);
 * const { grads, losses } = taskGradients([lossA, lossB], [w]);
 * console.log(losses, grads[0].w.arraySync(), grads[1].w.arraySync()); // [5, 3] [2, 4] [1, 1]
 * tf.dispose([w, ...grads.flatMap((g) => Object.values(g))]);
 * ```
 */
export function taskGradients(
  lossFns: readonly (() => Scalar)[],
  variables: readonly Variable[],
): TaskGradients {
  const { grads, losses } = differentiate(lossFns, variables);
  const values = readValues(losses);
  tf.dispose(losses);
  return { grads, losses: Array.from(values) };
}

/**
 * {@link taskGradients} without the read: the losses stay tensors, to be read with whatever else the step
 * reads. Errors name the task whose loss could not be differentiated.
 */
export function differentiate(
  lossFns: readonly (() => Scalar)[],
  variables: readonly Variable[],
): PerTaskGradients {
  if (lossFns.length === 0) {
    throw new MultitaskError(
      'INVALID_OPTION',
      '[@multitask/weighting] taskGradients: pass at least one loss function.',
      {
        details: { option: 'lossFns' },
      },
    );
  }
  let current = 0;
  try {
    return perTaskGradients(
      lossFns.length,
      (t) => {
        current = t;
        return lossFns[t]!();
      },
      () => variables,
    );
  } catch (e) {
    const missing = missingGradientError(e, `[@multitask/weighting] taskGradients (task ${current})`);
    if (missing) throw missing;
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/weighting] taskGradients: the loss of task ${current} could not be differentiated w.r.t. the variables (${e instanceof Error ? e.message : String(e)}) — check that it returns a scalar that depends on them.`,
      { cause: e, details: { task: current } },
    );
  }
}

/**
 * Per-task gradients w.r.t. a representation tensor z (e.g. a shared backbone's output): `lossFns[t](z)`
 * gives task t's loss from z. Returns one tensor shaped like z per task; the caller disposes them.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { registerGradients } from '@multitask/core';
 * import { representationGradients } from '@multitask/weighting';
 *
 * registerGradients();
 * const z = tf.tensor2d([[1, 2]]); // a shared backbone's output [B, d]
 * const headA = (r: tf.Tensor): tf.Scalar => tf.sum(tf.square(r));
 * const headB = (r: tf.Tensor): tf.Scalar => tf.sum(r);
 * const [dzA, dzB] = representationGradients([headA, headB], z);
 * console.log(dzA.arraySync(), dzB.arraySync()); // [[2, 4]] [[1, 1]]
 * tf.dispose([z, dzA, dzB]);
 * ```
 */
export function representationGradients(
  lossFns: readonly ((z: Tensor) => Scalar)[],
  representation: Tensor,
): Tensor[] {
  return lossFns.map((fn) => tf.grad((z: Tensor) => fn(z))(representation));
}

function isTensorArray(grads: readonly (NamedTensorMap | Tensor)[]): grads is readonly Tensor[] {
  return grads.every((g) => g instanceof tf.Tensor);
}

/** The layout of gradient maps: every variable present in any task's gradients, sorted by name. */
export function slotsOf(grads: readonly NamedTensorMap[]): GradientSlot[] {
  const names = [...new Set(grads.flatMap((g) => Object.keys(g)))].sort();
  return names.map((name) => ({ name, shape: grads.find((g) => g[name] !== undefined)![name]!.shape }));
}

/**
 * Stacks per-task gradients into the Jacobian `[T, n]` (each task's gradients flattened and concatenated in
 * sorted variable-name order; missing variables count as zero). Returns a new tensor.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { jacobianOf } from '@multitask/weighting';
 *
 * const grads: tf.NamedTensorMap[] = [{ w: tf.tensor1d([1, 0]), b: tf.scalar(3) }, { w: tf.tensor1d([1, 1]) }];
 * const jacobian = jacobianOf(grads); // Tensor2D [T, n], variables in sorted name order (b, then w)
 * console.log(jacobian.arraySync()); // [[3, 1, 0], [0, 1, 1]]
 * tf.dispose([jacobian, ...grads.flatMap((g) => Object.values(g))]);
 * ```
 */
export function jacobianOf(grads: readonly (NamedTensorMap | Tensor)[]): Tensor2D {
  if (isTensorArray(grads)) return jacobianMatrix(grads);
  const maps = grads as readonly NamedTensorMap[];
  return jacobianMatrix(maps, slotsOf(maps));
}

/**
 * The T×T Gramian `G[i][j] = gᵢ·gⱼ` of per-task gradients (maps over variables, or tensors w.r.t. a
 * representation), read to plain numbers with one sync.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { gramianOf, mgdaWeightsFromGramian } from '@multitask/weighting';
 *
 * const grads = [{ w: tf.tensor1d([1, 0]) }, { w: tf.tensor1d([0, 2]) }];
 * const G = gramianOf(grads);
 * console.log(G, mgdaWeightsFromGramian(G)); // [[1, 0], [0, 4]] ≈ [0.8, 0.2]
 * tf.dispose(grads.map((g) => g.w));
 * ```
 */
export function gramianOf(grads: readonly (NamedTensorMap | Tensor)[]): number[][] {
  const G = tf.tidy(() => gramianMatrix(jacobianOf(grads)));
  const values = readValues([G]);
  G.dispose();
  return toMatrix(values, 0, grads.length);
}

/**
 * `Σₜ wₜ gₜ` per variable: the combined update from per-task gradients and weights. Returns new tensors
 * (the caller disposes them, e.g. after `optimizer.applyGradients`).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { combineGradients } from '@multitask/weighting';
 *
 * const w = tf.variable(tf.tensor1d([0, 0]), true, 'w');
 * const grads = [{ w: tf.tensor1d([1, 0]) }, { w: tf.tensor1d([0, 2]) }];
 * const update = combineGradients(grads, [0.8, 0.2]);
 * const optimizer = tf.train.sgd(1);
 * optimizer.applyGradients(update);
 * console.log(update.w.arraySync(), w.arraySync()); // ≈ [0.8, 0.4] ≈ [-0.8, -0.4]
 * tf.dispose([w, update.w, ...grads.map((g) => g.w)]);
 * optimizer.dispose();
 * ```
 */
export function combineGradients(
  grads: readonly NamedTensorMap[],
  weights: readonly number[],
): NamedTensorMap {
  if (weights.length !== grads.length) {
    throw new MultitaskError(
      'SHAPE_MISMATCH',
      `[@multitask/weighting] combineGradients: ${weights.length} weights for ${grads.length} tasks — pass one weight per task.`,
      { details: { weights: weights.length, tasks: grads.length } },
    );
  }
  const out: NamedTensorMap = {};
  for (const { name: key } of slotsOf(grads)) {
    out[key] = tf.tidy(() => {
      const parts = grads.flatMap((g, t) => {
        const v = g[key];
        return v === undefined || weights[t] === 0 ? [] : [tf.mul(v, weights[t]!)];
      });
      const shape = grads.find((g) => g[key] !== undefined)![key]!.shape;
      return parts.length === 0 ? tf.zeros(shape) : tf.addN(parts);
    });
  }
  return out;
}

/**
 * Splits a direction `[n]` (from a Jacobian aggregator) back into per-variable gradients, in the layout of
 * {@link jacobianOf}. Returns new tensors.
 */
export function unflattenDirection(direction: Tensor, like: readonly NamedTensorMap[]): NamedTensorMap {
  return splitDirection(direction, slotsOf(like));
}
