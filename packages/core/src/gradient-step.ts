/**
 * One optimizer step's gradient computation for each strategy family and gradient mode. Internal to the
 * trainer; see ARCHITECTURE.md §3 for the maths.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import type { ForwardContext, Representation } from './backbone.ts';
import { isTensorLike, type Batch } from './batch.ts';
import { MultitaskError } from './errors.ts';
import type { MultitaskModel } from './model.ts';
import { seedStream } from './random.ts';
import type {
  GradientContext,
  GradientMode,
  GramianWeighting,
  HeadGradients,
  JacobianAggregator,
  LossWeighting,
  StepContext,
} from './weighting.ts';

/** A task of the current step and the batch that labels it. */
export interface ActiveTask {
  readonly name: string;
  readonly batch: Batch;
}

/** What a gradient computation hands back to the trainer; the trainer applies and disposes `grads`. */
export interface StepGradients {
  readonly grads: NamedTensorMap;
  /** Per-task losses, in the order of the step's tasks. */
  readonly losses: number[];
  /** The scalar minimised (loss weighting) or Σ wₜLₜ. */
  readonly total: number;
  /** Task weights, when the strategy has them. */
  readonly weights?: number[];
  /** Gramian of the per-task gradients, when it was computed. */
  readonly gramian?: number[][];
}

interface PassOptions {
  readonly model: MultitaskModel;
  readonly tasks: readonly ActiveTask[];
  readonly stepSeed: number;
}

/**
 * Forward passes over the step's distinct batches (the backbone once per batch, then each task's head) with the
 * step's dropout seeds; returns the per-task losses in task order (not kept).
 */
export function forwardLosses(
  opts: PassOptions,
  tapRepresentation?: (rep: Representation, batch: Batch) => (task: string) => Tensor,
  updateStatistics = true,
): Scalar[] {
  const { model, tasks, stepSeed } = opts;
  const byBatch = new Map<Batch, string[]>();
  for (const t of tasks) byBatch.set(t.batch, [...(byBatch.get(t.batch) ?? []), t.name]);
  const losses = new Map<string, Scalar>();
  for (const [batch, names] of byBatch) {
    const ctx: ForwardContext = { training: true, seeds: seedStream(stepSeed), updateStatistics };
    const rep = model.backbone.apply(batch.inputs, ctx);
    const repFor = tapRepresentation
      ? tapRepresentation(rep, batch)
      : (task: string) => model.representationFor(rep, task);
    for (const name of names) {
      const task = model.task(name);
      const pred = task.head.apply(repFor(name), ctx);
      losses.set(name, task.loss(pred, batch.targets[name]!, batch.masks?.[name]));
    }
  }
  return tasks.map((t) => losses.get(t.name)!);
}

/** Variables to optimise for a task list: shared + the heads of those tasks (+ extra), not frozen. */
function variablesFor(
  model: MultitaskModel,
  tasks: readonly ActiveTask[],
  extra: readonly Variable[] = [],
): Variable[] {
  return [
    ...model.sharedVariables,
    ...tasks.flatMap((t) => model.headVariables(t.name)),
    ...extra.filter((v) => v.trainable),
  ];
}

/** Reads scalars and small matrices with one sync. */
function readAll(tensors: readonly Tensor[]): Float32Array {
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

function toMatrix(values: ArrayLike<number>, offset: number, T: number): number[][] {
  return Array.from({ length: T }, (_, i) =>
    Array.from({ length: T }, (_, j) => values[offset + i * T + j]!),
  );
}

/** Loss weighting: one backward pass of `strategy.combine(losses)`. */
export function lossWeightingStep(
  opts: PassOptions,
  strategy: LossWeighting,
  context: StepContext,
  recordGramian: boolean,
): StepGradients {
  const T = opts.tasks.length;
  const vars = variablesFor(opts.model, opts.tasks, strategy.variables ?? []);
  let kept: Scalar[] = [];
  const captured: (Tensor | undefined)[] = new Array<Tensor | undefined>(T);
  const tap = recordGramian && canTapRepresentation(opts) ? makeTaps(opts, captured) : undefined;
  const { value, grads } = tf.variableGrads(() => {
    const losses = forwardLosses(opts, tap);
    kept = losses.map((l) => tf.keep(l));
    return strategy.combine(losses, context);
  }, vars);
  const gramianTensor =
    tap && captured.every((c) => c !== undefined)
      ? tf.tidy(() => gramOf(jacobianOf(captured)))
      : undefined;
  const values = readAll([...kept, value, ...(gramianTensor ? [gramianTensor] : [])]);
  tf.dispose([
    ...kept,
    value,
    ...(gramianTensor ? [gramianTensor] : []),
    ...captured.filter((c) => c !== undefined),
  ]);
  const losses = Array.from(values.subarray(0, T));
  return {
    grads,
    losses,
    total: values[T]!,
    ...(strategy.currentWeights ? { weights: [...strategy.currentWeights(context.tasks)] } : {}),
    ...(gramianTensor ? { gramian: toMatrix(values, T + 1, T) } : {}),
  };
}

function canTapRepresentation(opts: PassOptions): boolean {
  const first = opts.tasks[0]?.batch;
  return opts.tasks.every((t) => t.batch === first);
}

/** An identity op whose backward pass records its incoming gradient in `captured[i]` (kept; caller disposes). */
function tapOp(captured: (Tensor | undefined)[], i: number): (x: Tensor) => Tensor {
  return identityWithGradient((dy) => {
    captured[i]?.dispose();
    captured[i] = tf.keep(tf.clone(dy));
    return dy;
  });
}

/** An identity op whose gradient is `backward(dy)` instead of `dy`. */
function identityWithGradient(backward: (dy: Tensor) => Tensor): (x: Tensor) => Tensor {
  const op = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.clone(args[0] as Tensor),
    gradFunc: backward,
  }));
  return (x) => op(x);
}

/** Taps on a shared tensor representation (per-task representations are passed through untapped). */
function makeTaps(
  opts: PassOptions,
  captured: (Tensor | undefined)[],
): (rep: Representation, batch: Batch) => (task: string) => Tensor {
  const index = new Map(opts.tasks.map((t, i) => [t.name, i]));
  const taps = opts.tasks.map((_, i) => tapOp(captured, i));
  return (rep) => {
    if (!isTensorLike(rep)) return (task: string) => opts.model.representationFor(rep, task);
    return (task: string) => taps[index.get(task)!]!(rep);
  };
}

/** The Jacobian `[T, n]`: each per-task gradient flattened into a row. */
function jacobianOf(grads: readonly Tensor[]): Tensor {
  return tf.stack(grads.map((g) => tf.reshape(g, [-1])));
}

/** The Gramian `J Jᵀ` (T×T) of a Jacobian. */
function gramOf(J: Tensor): Tensor {
  return tf.matMul(J, tf.transpose(J));
}

/** Options shared by the gradient-based strategy steps. */
export interface GradientStepOptions extends PassOptions {
  readonly strategy: GramianWeighting | JacobianAggregator;
  readonly mode: GradientMode;
  readonly headGradients: HeadGradients;
  readonly context: StepContext;
}

/** A forward pass through the backbone, split at the shared tensor when per-task representations are used. */
function representationForward(
  opts: GradientStepOptions,
  captured: (Tensor | undefined)[],
  mixer: (x: Tensor) => Tensor,
  onUnsupported: () => void,
): Scalar[] {
  const { model, tasks, stepSeed } = opts;
  const batch = tasks[0]!.batch;
  const ctx: ForwardContext = { training: true, seeds: seedStream(stepSeed), updateStatistics: true };
  const index = new Map(tasks.map((t, i) => [t.name, i]));
  const taps = tasks.map((_, i) => tapOp(captured, i));
  let repFor: (task: string) => Tensor;
  const probe = model.backbone.applyShared ? undefined : model.backbone.apply(batch.inputs, ctx);
  if (probe !== undefined && !isTensorLike(probe)) {
    // Throwing inside the tape would leak the tensors tfjs saved for the backward pass: finish with a zero
    // loss that still reaches the variables, and let the caller throw.
    onUnsupported();
    const zero = tf.mul<Scalar>(tf.addN(Object.values(probe).map((t) => tf.sum(t))), 0);
    return tasks.map(() => zero);
  }
  if (probe === undefined) {
    const { shared, forTask } = model.backbone.applyShared!(batch.inputs, ctx);
    const z = mixer(shared);
    repFor = (task) => forTask(taps[index.get(task)!]!(z), task);
  } else {
    const z = mixer(probe);
    repFor = (task) => taps[index.get(task)!]!(z);
  }
  return tasks.map((t) => {
    const task = model.task(t.name);
    const pred = task.head.apply(repFor(t.name), ctx);
    return task.loss(pred, t.batch.targets[t.name]!, t.batch.masks?.[t.name]);
  });
}

function unsupportedRepresentation(backbone: string): MultitaskError {
  return new MultitaskError(
    'UNSUPPORTED_GRADIENT_MODE',
    `[@multitask/core] Backbone "${backbone}" returns per-task representations and has no applyShared(), so ` +
      `there is no shared tensor to take per-task gradients at — use gradientMode "parameters".`,
    { details: { backbone, option: 'gradientMode' } },
  );
}

/** Gramian or Jacobian strategy with gradients w.r.t. the shared representation (one forward, one backward). */
export function representationStep(opts: GradientStepOptions): StepGradients {
  const { model, tasks, strategy } = opts;
  const T = tasks.length;
  const captured: (Tensor | undefined)[] = new Array<Tensor | undefined>(T);
  let kept: Scalar[] = [];
  let weights: number[] | undefined;
  let gramian: number[][] | undefined;
  let lossValues: number[] = [];
  const failed: { error?: unknown } = {};
  const mixer = identityWithGradient((dy: Tensor) => {
    const J = jacobianOf(captured.map((g) => g ?? tf.zerosLike(dy)));
    const G = gramOf(J);
    const vals = readAll([...kept, G]);
    lossValues = Array.from(vals.subarray(0, T));
    gramian = toMatrix(vals, T, T);
    const gctx: GradientContext = { ...opts.context, losses: lossValues, mode: 'representation' };
    // A strategy error must not escape the backward pass (tfjs would leak the tape): record it, finish the
    // pass with the plain sum, then rethrow after disposing everything.
    try {
      if (strategy.family === 'gramian') {
        weights = checkWeights(strategy.name, strategy.weights(gramian, gctx), T);
        return tf.reshape(tf.matMul(tf.tensor2d(weights, [1, T]), J), dy.shape);
      }
      const direction = strategy.aggregate(J, gctx);
      const w = strategy.lastWeights?.();
      if (w) weights = [...w];
      return tf.reshape(direction, dy.shape);
    } catch (e) {
      failed.error = e;
      return dy;
    }
  });

  const vars = variablesFor(model, tasks);
  const flags = { unsupported: false };
  const { value, grads } = tf.variableGrads(() => {
    const losses = representationForward(opts, captured, mixer, () => (flags.unsupported = true));
    kept = losses.map((l) => tf.keep(l));
    return tf.addN<Scalar>(losses);
  }, vars);
  tf.dispose([value, ...kept, ...captured.filter((c) => c !== undefined)]);
  if (flags.unsupported) {
    tf.dispose(grads);
    throw unsupportedRepresentation(model.backbone.name);
  }
  if ('error' in failed) {
    tf.dispose(grads);
    throw failed.error;
  }
  if (gramian === undefined) {
    tf.dispose(grads);
    throw new MultitaskError(
      'INTERNAL',
      '[@multitask/core] The representation-mode backward pass did not reach the shared representation — ' +
        'does the backbone output depend on its variables?',
    );
  }
  scaleHeads(opts, grads, weights);
  return {
    grads,
    losses: lossValues,
    total: weightedTotal(lossValues, weights),
    ...(weights ? { weights } : {}),
    gramian,
  };
}

/** Gramian or Jacobian strategy with gradients w.r.t. every shared parameter (one backward per task). */
export function parametersStep(opts: GradientStepOptions): StepGradients {
  const { model, tasks, strategy, stepSeed } = opts;
  const T = tasks.length;
  const shared = model.sharedVariables;
  const perTask: NamedTensorMap[] = [];
  const lossTensors: Scalar[] = [];
  const firstPass = new Set<Batch>();
  for (const t of tasks) {
    const update = !firstPass.has(t.batch);
    firstPass.add(t.batch);
    const { value, grads } = tf.variableGrads(() => {
      const ctx: ForwardContext = { training: true, seeds: seedStream(stepSeed), updateStatistics: update };
      const task = model.task(t.name);
      const rep = model.backbone.apply(t.batch.inputs, ctx);
      const pred = task.head.apply(model.representationFor(rep, t.name), ctx);
      return task.loss(pred, t.batch.targets[t.name]!, t.batch.masks?.[t.name]);
    }, [...shared, ...model.headVariables(t.name)]);
    perTask.push(grads);
    lossTensors.push(value);
  }
  const J = tf.tidy(() =>
    tf.stack(
      perTask.map((g) => tf.concat(shared.map((v) => tf.reshape(g[v.name] ?? tf.zerosLike(v), [-1])))),
    ),
  );
  const G = tf.tidy(() => gramOf(J));
  const vals = readAll([...lossTensors, G]);
  tf.dispose([G, ...lossTensors]);
  const lossValues = Array.from(vals.subarray(0, T));
  const gramian = toMatrix(vals, T, T);
  const gctx: GradientContext = { ...opts.context, losses: lossValues, mode: 'parameters' };
  let weights: number[] | undefined;
  let direction: Tensor;
  try {
    if (strategy.family === 'gramian') {
      const w = checkWeights(strategy.name, strategy.weights(gramian, gctx), T);
      weights = w;
      direction = tf.tidy(() => tf.reshape(tf.matMul(tf.tensor2d(w, [1, T]), J), [-1]));
    } else {
      direction = tf.tidy(() => tf.reshape(strategy.aggregate(J, gctx), [-1]));
      const w = strategy.lastWeights?.();
      if (w) weights = [...w];
    }
  } catch (e) {
    tf.dispose([J, ...perTask.flatMap((g) => Object.values(g))]);
    throw e;
  }
  const grads: NamedTensorMap = {};
  let offset = 0;
  for (const v of shared) {
    const size = v.size;
    const d = direction;
    const o = offset;
    grads[v.name] = tf.tidy(() => tf.reshape(tf.slice(d, [o], [size]), v.shape));
    offset += size;
  }
  direction.dispose();
  J.dispose();
  for (const [i, t] of tasks.entries()) {
    const g = perTask[i]!;
    for (const v of model.headVariables(t.name)) {
      const gv = g[v.name];
      if (gv) grads[v.name] = tf.keep(gv);
    }
    for (const v of shared) g[v.name]?.dispose();
  }
  scaleHeads(opts, grads, weights);
  return {
    grads,
    losses: lossValues,
    total: weightedTotal(lossValues, weights),
    ...(weights ? { weights } : {}),
    gramian,
  };
}

function scaleHeads(opts: GradientStepOptions, grads: NamedTensorMap, weights: number[] | undefined): void {
  if (opts.headGradients !== 'weighted' || !weights) return;
  opts.tasks.forEach((t, i) => {
    const w = weights[i]!;
    for (const v of opts.model.headVariables(t.name)) {
      const g = grads[v.name];
      if (g) {
        grads[v.name] = tf.mul(g, w);
        g.dispose();
      }
    }
  });
}

function weightedTotal(losses: readonly number[], weights: readonly number[] | undefined): number {
  return losses.reduce((s, l, i) => s + l * (weights ? weights[i]! : 1), 0);
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
