import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar, Tensor, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import { MultitaskError, missingGradientError } from '@multitask/core';

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
 * const { grads, losses } = taskGradients([() => lossA(), () => lossB()], model.trainableWeights.map((w) => w.read() as tf.Variable));
 * ```
 */
export function taskGradients(
  lossFns: readonly (() => Scalar)[],
  variables: readonly Variable[],
): TaskGradients {
  if (lossFns.length === 0) {
    throw new MultitaskError(
      'INVALID_OPTION',
      '[@multitask/weighting] taskGradients: pass at least one loss function.',
      {
        details: { option: 'lossFns' },
      },
    );
  }
  const grads: NamedTensorMap[] = [];
  const losses: number[] = [];
  lossFns.forEach((fn, t) => {
    try {
      const { value, grads: g } = tf.variableGrads(fn, [...variables]);
      losses.push(value.dataSync()[0]!);
      value.dispose();
      grads.push(g);
    } catch (e) {
      tf.dispose(grads);
      const missing = missingGradientError(e, `[@multitask/weighting] taskGradients (task ${t})`);
      if (missing) throw missing;
      throw new MultitaskError(
        'INVALID_OPTION',
        `[@multitask/weighting] taskGradients: the loss of task ${t} could not be differentiated w.r.t. the variables (${e instanceof Error ? e.message : String(e)}) — check that it returns a scalar that depends on them.`,
        { cause: e, details: { task: t } },
      );
    }
  });
  return { grads, losses };
}

/**
 * Per-task gradients w.r.t. a representation tensor z (e.g. a shared backbone's output): `lossFns[t](z)`
 * gives task t's loss from z. Returns one tensor shaped like z per task; the caller disposes them.
 *
 * @example
 * ```ts
 * const [dzA, dzB] = representationGradients([(z) => headA(z), (z) => headB(z)], z);
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

/** The variable names present in any task's gradients, sorted. */
function keysOf(grads: readonly NamedTensorMap[]): string[] {
  return [...new Set(grads.flatMap((g) => Object.keys(g)))].sort();
}

/**
 * Stacks per-task gradients into the Jacobian `[T, n]` (each task's gradients flattened and concatenated in
 * sorted variable-name order; missing variables count as zero). Returns a new tensor.
 *
 * @example
 * ```ts
 * const jacobian = jacobianOf(grads); // Tensor2D [T, n]
 * ```
 */
export function jacobianOf(grads: readonly (NamedTensorMap | Tensor)[]): Tensor2D {
  return tf.tidy(() => {
    if (isTensorArray(grads)) return tf.stack(grads.map((g) => tf.reshape(g, [-1]))) as Tensor2D;
    const maps = grads as readonly NamedTensorMap[];
    const keys = keysOf(maps);
    const shapes = keys.map((k) => maps.find((g) => g[k] !== undefined)![k]!.shape);
    return tf.stack(
      maps.map((g) => tf.concat(keys.map((k, i) => tf.reshape(g[k] ?? tf.zeros(shapes[i]!), [-1])))),
    ) as Tensor2D;
  });
}

/**
 * The T×T Gramian `G[i][j] = gᵢ·gⱼ` of per-task gradients (maps over variables, or tensors w.r.t. a
 * representation), read to plain numbers with one sync.
 *
 * @example
 * ```ts
 * const G = gramianOf(grads); const w = mgdaWeightsFromGramian(G);
 * ```
 */
export function gramianOf(grads: readonly (NamedTensorMap | Tensor)[]): number[][] {
  const t = grads.length;
  const flat = tf.tidy(() => {
    const j = jacobianOf(grads);
    return tf.matMul(j, j, false, true);
  });
  const values = flat.dataSync();
  flat.dispose();
  return Array.from({ length: t }, (_, i) => Array.from({ length: t }, (_, k) => values[i * t + k]!));
}

/**
 * `Σₜ wₜ gₜ` per variable: the combined update from per-task gradients and weights. Returns new tensors
 * (the caller disposes them, e.g. after `optimizer.applyGradients`).
 *
 * @example
 * ```ts
 * optimizer.applyGradients(combineGradients(grads, weights));
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
  for (const key of keysOf(grads)) {
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
  const keys = keysOf(like);
  const shapes = keys.map((k) => like.find((g) => g[k] !== undefined)![k]!.shape);
  const out: NamedTensorMap = {};
  let offset = 0;
  keys.forEach((k, i) => {
    const shape = shapes[i]!;
    const size = shape.reduce((a, b) => a * b, 1);
    out[k] = tf.tidy(() => tf.reshape(tf.slice(tf.reshape(direction, [-1]), [offset], [size]), shape));
    offset += size;
  });
  return out;
}
