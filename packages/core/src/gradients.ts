/**
 * The gradient toolkit: per-task gradients, the Jacobian and its Gramian, and the one dispatch from a strategy
 * to the update direction. The trainer's steps and the own-loop helpers of `@multitask/weighting` are both
 * written with it (ARCHITECTURE.md §3).
 * @module @multitask/core/gradients
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar, Tensor, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import { MultitaskError } from './errors.ts';
import type { GradientContext, GramianWeighting, JacobianAggregator } from './weighting.ts';

/** A named slot of a flattened gradient: a variable, or anything with a name and a shape. */
export interface GradientSlot {
  /** The variable's name (the key in a gradient map). */
  readonly name: string;
  /** The variable's shape. */
  readonly shape: readonly number[];
}

/** What {@link perTaskGradients} returns; the caller disposes every tensor. */
export interface PerTaskGradients {
  /** `grads[t][name]`: gradient of task t's loss w.r.t. the variable `name` (absent when not connected). */
  readonly grads: NamedTensorMap[];
  /** Each task's loss, as a scalar tensor (not read: fold it into the step's one read). */
  readonly losses: Scalar[];
}

/**
 * Per-task gradients, one backward pass per task: `lossOf(t)` gives task t's loss and `variablesOf(t)` the
 * variables to differentiate it against. On failure every tensor made so far is disposed.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { registerGradients } from '@multitask/core';
 * import { perTaskGradients } from '@multitask/core/gradients';
 *
 * registerGradients();
 * const w = tf.variable(tf.tensor1d([1, 2]), true, 'w');
 * const lossFns = [(): tf.Scalar => tf.sum(tf.square(w)), (): tf.Scalar => tf.sum(w)];
 * const { grads, losses } = perTaskGradients(2, (t) => lossFns[t]!(), () => [w]);
 * console.log(grads.map((g) => Array.from(g.w!.dataSync()))); // [[2, 4], [1, 1]]
 * tf.dispose([...grads.flatMap((g) => Object.values(g)), ...losses, w]);
 * ```
 */
export function perTaskGradients(
  count: number,
  lossOf: (task: number) => Scalar,
  variablesOf: (task: number) => readonly Variable[],
): PerTaskGradients {
  const grads: NamedTensorMap[] = [];
  const losses: Scalar[] = [];
  try {
    for (let t = 0; t < count; t++) {
      const { value, grads: g } = tf.variableGrads(() => lossOf(t), [...variablesOf(t)]);
      grads.push(g);
      losses.push(value);
    }
  } catch (e) {
    tf.dispose([...losses, ...grads.flatMap((g) => Object.values(g))]);
    throw e;
  }
  return { grads, losses };
}

/**
 * The Jacobian `[T, n]`: row t is task t's gradient flattened. Rows are tensors (gradients w.r.t. one
 * representation) or gradient maps laid out by `slots` (a missing variable counts as zero). Returns a new tensor.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { gramianMatrix, jacobianMatrix } from '@multitask/core/gradients';
 *
 * // two tasks' gradients w.r.t. one representation, flattened into the rows of J
 * const rows = [tf.tensor1d([1, 0, 2]), tf.tensor1d([0, 3, 0])];
 * const J = jacobianMatrix(rows);
 * const G = gramianMatrix(J); // J·Jᵀ
 * console.log(J.shape, Array.from(G.dataSync())); // [2, 3] [5, 0, 0, 9]
 * tf.dispose([...rows, J, G]);
 * ```
 */
export function jacobianMatrix(
  rows: readonly Tensor[] | readonly NamedTensorMap[],
  slots: readonly GradientSlot[] = [],
): Tensor2D {
  return tf.tidy<Tensor2D>(
    () =>
      tf.stack(
        rows.map((row: Tensor | NamedTensorMap) =>
          row instanceof tf.Tensor
            ? tf.reshape(row, [-1])
            : tf.concat(slots.map((s) => tf.reshape(row[s.name] ?? tf.zeros([...s.shape]), [-1]))),
        ),
      ) as Tensor2D,
  );
}

/** The Gramian `J Jᵀ` (T×T tensor) of a Jacobian `[T, n]`. Returns a new tensor. */
export function gramianMatrix(jacobian: Tensor): Tensor2D {
  return tf.tidy(() => tf.matMul(jacobian, jacobian, false, true));
}

/**
 * Reads scalars and small matrices with one download (flattened and concatenated in order). The one read of a
 * training step goes through here.
 */
export function readValues(tensors: readonly Tensor[]): Float32Array {
  // One op for the common case (all scalars): a training step is bound by per-op overhead, not FLOPs.
  const flat = tf.tidy(() =>
    tensors.every((t) => t.rank === 0)
      ? tf.stack(tensors as Tensor[])
      : tf.concat(tensors.map((t) => tf.reshape(t, [-1]))),
  );
  const out = flat.dataSync() as Float32Array;
  flat.dispose();
  return out;
}

/** The T×T matrix stored row-major in `values` from `offset`, as nested arrays. */
export function toMatrix(values: ArrayLike<number>, offset: number, T: number): number[][] {
  return Array.from({ length: T }, (_, i) =>
    Array.from({ length: T }, (_, j) => values[offset + i * T + j]!),
  );
}

/** The update direction of a Gramian or Jacobian strategy and the weights it used (when it has them). */
export interface UpdateDirection {
  /** The direction, flattened `[n]` (a new tensor: the caller disposes it). */
  readonly direction: Tensor;
  /** Task weights (a Gramian strategy's, or a Jacobian aggregator's `lastWeights()`). */
  readonly weights?: number[];
}

/**
 * The one dispatch from a strategy to the update direction: a Gramian strategy's weights w from the Gramian
 * (numbers) give `wᵀJ`; a Jacobian aggregator maps `J` to its direction. Same in both gradient modes.
 *
 * @throws `INTERNAL` when a Gramian strategy returns weights that are not T finite numbers.
 */
export function updateDirection(
  strategy: GramianWeighting | JacobianAggregator,
  jacobian: Tensor,
  gramian: readonly (readonly number[])[],
  context: GradientContext,
): UpdateDirection {
  const T = jacobian.shape[0];
  if (strategy.family === 'gramian') {
    const weights = checkWeights(strategy.name, strategy.weights(gramian, context), T);
    const direction = tf.tidy(() => tf.reshape(tf.matMul(tf.tensor2d(weights, [1, T]), jacobian), [-1]));
    return { direction, weights };
  }
  const direction = tf.tidy(() => tf.reshape(strategy.aggregate(jacobian, context), [-1]));
  const w = strategy.lastWeights?.();
  return w ? { direction, weights: [...w] } : { direction };
}

/**
 * Splits a flat direction `[n]` into per-variable gradients laid out by `slots` (the inverse of
 * {@link jacobianMatrix}'s layout). Returns new tensors.
 */
export function splitDirection(direction: Tensor, slots: readonly GradientSlot[]): NamedTensorMap {
  const out: NamedTensorMap = {};
  let offset = 0;
  for (const s of slots) {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const o = offset;
    out[s.name] = tf.tidy(() => tf.reshape(tf.slice(tf.reshape(direction, [-1]), [o], [size]), [...s.shape]));
    offset += size;
  }
  return out;
}

function checkWeights(strategy: string, w: readonly number[], T: number): number[] {
  if (w.length !== T || !w.every(Number.isFinite)) {
    throw new MultitaskError(
      'INTERNAL',
      `[@multitask/core] Strategy "${strategy}" returned invalid weights [${w.join(', ')}] for ${T} tasks ` +
        '(expected T finite numbers).',
      { details: { strategy } },
    );
  }
  return [...w];
}
