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
import {
  gramianMatrix,
  jacobianMatrix,
  perTaskGradients,
  readValues,
  splitDirection,
  toMatrix,
  updateDirection,
} from './gradients.ts';
import type {
  GradientContext,
  GradientMode,
  GramianWeighting,
  HeadGradients,
  JacobianAggregator,
  LossWeighting,
  StepContext,
  WeightingStrategy,
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
  /** The values of the step's target checks (read with the losses), in the order they were given. */
  readonly violations?: number[];
}

export interface PassOptions {
  readonly model: MultitaskModel;
  readonly tasks: readonly ActiveTask[];
  readonly stepSeed: number;
  /**
   * Scalars computed before the step (the tasks' invalid-target counts) that join the step's one read. When one
   * is non-zero, Gramian and Jacobian strategies are not asked for a direction (the trainer throws before the
   * update). Not disposed here.
   */
  readonly checks?: readonly Scalar[];
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

/** Loss weighting: one backward pass of `strategy.combine(losses)`; losses, total, weights and Gramian in one read. */
function lossWeightingStep(
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
      ? tf.tidy(() => gramianMatrix(jacobianMatrix(captured)))
      : undefined;
  // Weights that live on the device (uncertainty's log-variances) join the step's one read.
  const weightsTensor = strategy.currentWeightsTensor?.(context.tasks);
  const extra = [...(weightsTensor ? [weightsTensor] : []), ...(gramianTensor ? [gramianTensor] : [])];
  const checks = opts.checks ?? [];
  const values = readValues([...kept, value, ...extra, ...checks]);
  tf.dispose([...kept, value, ...extra, ...captured.filter((c) => c !== undefined)]);
  const losses = Array.from(values.subarray(0, T));
  const weights = weightsTensor
    ? Array.from(values.subarray(T + 1, 2 * T + 1))
    : strategy.currentWeights
      ? [...strategy.currentWeights(context.tasks)]
      : undefined;
  return {
    grads,
    losses,
    total: values[T]!,
    ...(weights ? { weights } : {}),
    ...(gramianTensor ? { gramian: toMatrix(values, T + 1 + (weightsTensor ? T : 0), T) } : {}),
    ...(checks.length > 0 ? { violations: Array.from(values.subarray(values.length - checks.length)) } : {}),
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

/** Options shared by the gradient-based strategy steps. */
export interface GradientStepOptions extends PassOptions {
  readonly strategy: GramianWeighting | JacobianAggregator;
  readonly headGradients: HeadGradients;
  readonly context: StepContext;
}

/**
 * A forward pass through the backbone with a tap per task on the shared tensor (split at it when the backbone
 * has `applyShared`). `perTask` is set when a backbone without `applyShared` returned per-task
 * representations: the pass then runs untapped (no throw inside the tape), the backward pass never reaches the
 * mixer, and the caller refuses the mode.
 */
function representationForward(
  opts: GradientStepOptions,
  captured: (Tensor | undefined)[],
  mixer: (x: Tensor) => Tensor,
): { losses: Scalar[]; perTask: boolean } {
  const { model, tasks, stepSeed } = opts;
  const batch = tasks[0]!.batch;
  const ctx: ForwardContext = { training: true, seeds: seedStream(stepSeed), updateStatistics: true };
  const index = new Map(tasks.map((t, i) => [t.name, i]));
  const taps = tasks.map((_, i) => tapOp(captured, i));
  let repFor: (task: string) => Tensor;
  let perTask = false;
  if (model.backbone.applyShared) {
    const { shared, forTask } = model.backbone.applyShared(batch.inputs, ctx);
    const z = mixer(shared);
    repFor = (task) => forTask(taps[index.get(task)!]!(z), task);
  } else {
    const rep = model.backbone.apply(batch.inputs, ctx);
    if (isTensorLike(rep)) {
      const z = mixer(rep);
      repFor = (task) => taps[index.get(task)!]!(z);
    } else {
      perTask = true;
      repFor = (task) => model.representationFor(rep, task);
    }
  }
  const losses = tasks.map((t) => {
    const task = model.task(t.name);
    const pred = task.head.apply(repFor(t.name), ctx);
    return task.loss(pred, t.batch.targets[t.name]!, t.batch.masks?.[t.name]);
  });
  return { losses, perTask };
}

/** What the step's one read gives: losses and Gramian as numbers, and the strategy's direction. */
interface Combined {
  losses: number[];
  gramian: number[][];
  weights?: number[];
  violations?: number[];
}

/**
 * The shared middle of both gradient modes: one read (losses + Gramian of `J`), then the strategy's direction.
 * Returns the direction (flat) and the numbers; `J` is not disposed.
 */
function combine(
  opts: GradientStepOptions,
  J: Tensor,
  losses: readonly Scalar[],
  mode: GradientMode,
  out: Combined,
): Tensor {
  const T = opts.tasks.length;
  const G = gramianMatrix(J);
  const checks = opts.checks ?? [];
  const vals = readValues([...losses, G, ...checks]);
  G.dispose();
  out.losses = Array.from(vals.subarray(0, T));
  out.gramian = toMatrix(vals, T, T);
  if (checks.length > 0) out.violations = Array.from(vals.subarray(T + T * T));
  // A non-finite loss or an invalid target never reaches the strategy (its solver would fail on a NaN Gramian,
  // naming no task): the direction is zero and the step stops with NON_FINITE_LOSS or LABEL_OUT_OF_RANGE naming
  // the task and the step, before the update.
  if (!out.losses.every(Number.isFinite) || (out.violations ?? []).some((v) => v !== 0))
    return tf.zeros([J.shape[1]!]);
  const gctx: GradientContext = { ...opts.context, losses: out.losses, mode };
  const { direction, weights } = updateDirection(opts.strategy, J, out.gramian, gctx);
  if (weights) out.weights = weights;
  return direction;
}

/** Gramian or Jacobian strategy with gradients w.r.t. the shared representation (one forward, one backward). */
function representationStep(opts: GradientStepOptions): StepGradients {
  const { model, tasks } = opts;
  const T = tasks.length;
  const captured: (Tensor | undefined)[] = new Array<Tensor | undefined>(T);
  let kept: Scalar[] = [];
  const out: Combined = { losses: [], gramian: [] };
  const failed: { error?: unknown; reached?: boolean } = {};
  const mixer = identityWithGradient((dy: Tensor) => {
    failed.reached = true;
    // A strategy error must not escape the backward pass (tfjs would leak the tape): record it, finish the
    // pass with the plain sum, then rethrow after disposing everything.
    try {
      return tf.tidy(() => {
        const J = jacobianMatrix(captured.map((g) => g ?? tf.zerosLike(dy)));
        return tf.reshape(combine(opts, J, kept, 'representation', out), dy.shape);
      });
    } catch (e) {
      failed.error = e;
      return dy;
    }
  });
  const seen = { perTask: false };
  const { value, grads } = tf.variableGrads(
    () => {
      const forward = representationForward(opts, captured, mixer);
      seen.perTask = forward.perTask;
      kept = forward.losses.map((l) => tf.keep(l));
      return tf.addN<Scalar>(forward.losses);
    },
    variablesFor(model, tasks),
  );
  tf.dispose([value, ...kept, ...captured.filter((c) => c !== undefined)]);
  if ('error' in failed || failed.reached !== true) {
    tf.dispose(grads);
    if ('error' in failed) throw failed.error;
    if (seen.perTask) throw noSharedTensor(model.backbone.name);
    throw new MultitaskError(
      'INTERNAL',
      '[@multitask/core] The representation-mode backward pass did not reach the shared representation — ' +
        'does the backbone output depend on its variables?',
    );
  }
  return finish(opts, grads, out);
}

/** Gramian or Jacobian strategy with gradients w.r.t. every shared parameter (one backward per task). */
function parametersStep(opts: GradientStepOptions): StepGradients {
  const { model, tasks, stepSeed } = opts;
  const shared = model.sharedVariables;
  const firstPass = new Set<Batch>();
  const { grads: perTask, losses } = perTaskGradients(
    tasks.length,
    (i) => {
      const t = tasks[i]!;
      const update = !firstPass.has(t.batch);
      firstPass.add(t.batch);
      const ctx: ForwardContext = { training: true, seeds: seedStream(stepSeed), updateStatistics: update };
      const task = model.task(t.name);
      const rep = model.backbone.apply(t.batch.inputs, ctx);
      const pred = task.head.apply(model.representationFor(rep, t.name), ctx);
      return task.loss(pred, t.batch.targets[t.name]!, t.batch.masks?.[t.name]);
    },
    (i) => [...shared, ...model.headVariables(tasks[i]!.name)],
  );
  const out: Combined = { losses: [], gramian: [] };
  const J = jacobianMatrix(perTask, shared);
  let direction: Tensor;
  try {
    direction = combine(opts, J, losses, 'parameters', out);
  } catch (e) {
    tf.dispose([J, ...losses, ...perTask.flatMap((g) => Object.values(g))]);
    throw e;
  }
  tf.dispose([J, ...losses]);
  const grads = splitDirection(direction, shared);
  direction.dispose();
  for (const [i, t] of tasks.entries()) {
    const g = perTask[i]!;
    for (const v of model.headVariables(t.name)) {
      const gv = g[v.name];
      if (gv) grads[v.name] = gv;
    }
    for (const v of shared) g[v.name]?.dispose();
  }
  return finish(opts, grads, out);
}

/** The common tail of both gradient modes: head scaling and the step's numbers. */
function finish(opts: GradientStepOptions, grads: NamedTensorMap, out: Combined): StepGradients {
  const { weights, losses, gramian } = out;
  if (opts.headGradients === 'weighted' && weights) {
    opts.tasks.forEach((t, i) => {
      for (const v of opts.model.headVariables(t.name)) {
        const g = grads[v.name];
        if (g) {
          grads[v.name] = tf.mul(g, weights[i]!);
          g.dispose();
        }
      }
    });
  }
  return {
    grads,
    losses,
    total: losses.reduce((s, l, i) => s + l * (weights ? weights[i]! : 1), 0),
    ...(weights ? { weights } : {}),
    gramian,
    ...(out.violations ? { violations: out.violations } : {}),
  };
}

/** The refusal of `representation` mode for a backbone with per-task representations and no `applyShared`. */
export function noSharedTensor(backbone: string): MultitaskError {
  return new MultitaskError(
    'UNSUPPORTED_GRADIENT_MODE',
    `[@multitask/core] Backbone "${backbone}" returns per-task representations and has no applyShared(), so ` +
      `there is no shared tensor to take per-task gradients at — use gradientMode "parameters".`,
    { details: { backbone, option: 'gradientMode' } },
  );
}

/** How a step computes its update: the strategy's family, and for Gramian/Jacobian strategies the mode. */
export type StepKind = 'loss' | GradientMode;

/**
 * The one dispatch from (family, mode) to the step's gradients: loss weighting backpropagates the combined loss;
 * Gramian and Jacobian strategies take per-task gradients where `kind` says and follow the strategy's direction.
 */
export function computeStep(
  kind: StepKind,
  pass: PassOptions,
  strategy: WeightingStrategy,
  context: StepContext,
  options: { readonly headGradients: HeadGradients; readonly recordGramian: boolean },
): StepGradients {
  if (strategy.family === 'loss') return lossWeightingStep(pass, strategy, context, options.recordGramian);
  const opts: GradientStepOptions = { ...pass, strategy, headGradients: options.headGradients, context };
  return kind === 'representation' ? representationStep(opts) : parametersStep(opts);
}
