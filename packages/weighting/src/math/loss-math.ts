/**
 * Small helpers shared by the loss-weighting strategies and GradNorm (internal, not exported by the package):
 * a task-count check, a stable softmax on numbers, a stop-gradient, a plain-JS Adam and state parsing.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { MultitaskError, type JsonValue } from '@multitask/core';

/** Throws SHAPE_MISMATCH when there is not one loss (or Gramian row) per task. */
export function checkTaskCount(
  strategy: string,
  what: string,
  count: number,
  tasks: readonly string[],
): void {
  if (count !== tasks.length) {
    throw new MultitaskError(
      'SHAPE_MISMATCH',
      `[@multitask/weighting] ${strategy}: got ${count} ${what} for ${tasks.length} tasks (${tasks.join(', ')}) — ` +
        'pass one entry per task, in context.tasks order.',
      { details: { strategy, count, tasks: tasks.length } },
    );
  }
}

/** Numerically stable softmax of plain numbers (`exp(xᵢ − max) / Σ exp(xⱼ − max)`). */
export function softmax(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * Identity in the forward pass, zero gradient in the backward pass (`stop_gradient`): the value is used as a
 * constant by the tape.
 */
export function stopGradient(x: Tensor): Tensor {
  const identity = tf.customGrad((input) => ({
    value: tf.clone(input as Tensor),
    gradFunc: (dy: Tensor) => tf.zerosLike(dy),
  }));
  return identity(x);
}

/**
 * `Σₜ wₜ·Lₜ` as one vector product (a constant number of kernels whatever the number of tasks); 0 for no task.
 * Call inside `tf.tidy`.
 */
export function weightedSum(losses: readonly Scalar[], weights: readonly number[]): Scalar {
  if (losses.length === 0) return tf.scalar(0);
  return tf.sum(tf.mul(tf.stack([...losses]), tf.tensor1d([...weights])));
}

/** State of {@link adamStep}: first and second moments per key and the step count. */
export interface AdamState {
  /** First moment per key. */
  m: Record<string, number>;
  /** Second moment per key. */
  v: Record<string, number>;
  /** Number of steps taken. */
  t: number;
}

/** A fresh {@link AdamState}. */
export function newAdamState(): AdamState {
  return { m: {}, v: {}, t: 0 };
}

/**
 * One Adam step (Kingma & Ba, β₁ = 0.9, β₂ = 0.999, ε = 1e-8) on named scalar parameters, in place:
 * `params[k] -= lr · m̂ₖ / (√v̂ₖ + ε)`.
 */
export function adamStep(
  params: Record<string, number>,
  grads: Readonly<Record<string, number>>,
  lr: number,
  state: AdamState,
): void {
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;
  state.t += 1;
  for (const [k, g] of Object.entries(grads)) {
    const m = b1 * (state.m[k] ?? 0) + (1 - b1) * g;
    const v = b2 * (state.v[k] ?? 0) + (1 - b2) * g * g;
    state.m[k] = m;
    state.v[k] = v;
    const mHat = m / (1 - b1 ** state.t);
    const vHat = v / (1 - b2 ** state.t);
    params[k] = (params[k] ?? 0) - (lr * mHat) / (Math.sqrt(vHat) + eps);
  }
}

/** Throws CHECKPOINT_ERROR naming the strategy and what was expected. */
export function badState(strategy: string, expected: string): never {
  throw new MultitaskError(
    'CHECKPOINT_ERROR',
    `[@multitask/weighting] ${strategy}: the state to load is not ${expected} — load a state saved by ` +
      `${strategy}'s state() with the same version.`,
    { details: { strategy } },
  );
}

/** Reads a `{ [task]: number }` record from JSON state, or throws CHECKPOINT_ERROR. */
export function numberRecord(
  strategy: string,
  value: JsonValue | undefined,
  what: string,
): Record<string, number> {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
    return badState(strategy, what);
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(value as Readonly<Record<string, JsonValue>>)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return badState(strategy, what);
    out[k] = v;
  }
  return out;
}

/** Reads a JSON object (not an array, not null), or throws CHECKPOINT_ERROR. */
export function jsonObject(
  strategy: string,
  value: JsonValue,
  what: string,
): Readonly<Record<string, JsonValue>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return badState(strategy, what);
  return value as Readonly<Record<string, JsonValue>>;
}
