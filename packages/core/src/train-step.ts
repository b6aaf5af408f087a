/**
 * One optimizer step of the trainer: which tasks take part, where gradients are taken, the step's gradients
 * (gradient-step.ts), the NaN/Inf check, the update and the strategy's hooks. Internal to the trainer.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Optimizer, Scalar, Variable } from '@tensorflow/tfjs-core';
import type { Batch, StepBatch } from './batch.ts';
import { batchesOf, batchSize as rowsOf, isTensorLike, tasksOf } from './batch.ts';
import type { GradientStatsEvent, StepEvent } from './callbacks.ts';
import { MultitaskError } from './errors.ts';
import { computeStep, forwardLosses, type ActiveTask, type StepKind } from './gradient-step.ts';
import type { MultitaskModel } from './model.ts';
import type { Rng } from './random.ts';
import type { GradientMode, HeadGradients, StepContext, WeightingStrategy } from './weighting.ts';

/** The trainer's options, resolved once in its constructor. */
export interface ResolvedOptions {
  readonly model: MultitaskModel;
  readonly strategy: WeightingStrategy;
  readonly optimizer: Optimizer;
  readonly gradientMode: 'auto' | GradientMode;
  readonly headGradients: HeadGradients;
  readonly diagnosticsEvery: number;
}

/**
 * How far {@link fitLoop} got into the current epoch: what fixes the epoch's batch order, the batches trained,
 * and the per-task loss sums its history entry needs. Kept in the trainer's state while an epoch is under way
 * (and after a stop inside it), so that a checkpoint can resume at the next batch.
 */
export interface EpochProgress {
  /** The seed of the epoch's batch order (drawn from the trainer's generator at the epoch's start). */
  readonly seed: number;
  /** Batches of the epoch trained so far. */
  batches: number;
  /** The batch size the epoch runs with. */
  readonly batchSize: number;
  /** Whether the epoch's rows are shuffled. */
  readonly shuffle: boolean;
  /** Per task: the sum of its step losses so far and the number of steps it took part in. */
  readonly losses: Map<string, { sum: number; count: number }>;
}

/** The trainer's mutable state that a step reads and advances. */
export interface StepState {
  step: number;
  epoch: number;
  rng: Rng;
  strategyRng: Rng;
  /** The epoch under way (or stopped inside), if any. */
  epochProgress?: EpochProgress;
  /** The gradient mode of the last Gramian/Jacobian step. */
  modeUsed?: GradientMode;
  /** Whether the model's representation is one tensor every task shares (decided once, lazily). */
  sharedTensor?: boolean;
}

/** What a step returns: the event for `onStepEnd`, and the gradient statistics when they were recorded. */
export interface StepOutcome {
  readonly event: StepEvent;
  readonly stats?: GradientStatsEvent;
}

/** Runs one optimizer step on a step batch (its tensors are not disposed). */
export function runStep(options: ResolvedOptions, state: StepState, stepBatch: StepBatch): StepOutcome {
  const { model, strategy } = options;
  const batches = batchesOf(stepBatch);
  const tasks = activeTasks(model, batches);
  const step = state.step;
  const epoch = state.epoch;
  const stepSeed = state.rng.opSeed();
  const names = tasks.map((t) => t.name);
  const rows = batches.reduce((s, b) => s + rowsOf(b), 0);
  if (tasks.length === 0) {
    state.step++;
    return { event: { step, epoch, losses: {}, totalLoss: 0, rows } };
  }
  const context: StepContext = { step, epoch, tasks: names, rng: state.strategyRng };
  const every = options.diagnosticsEvery;
  const record = every > 0 && step % every === 0;
  const kind = stepKind(options, state, tasks);
  if (kind !== 'loss') state.modeUsed = kind;
  // Invalid targets are counted on the device and read with the losses (no extra read per step).
  const checked = tasks.filter((t) => model.task(t.name).targetViolations !== undefined);
  const checks = targetChecks(model, checked);
  const pass = { model, tasks, stepSeed, ...(checks.length > 0 ? { checks } : {}) };
  let result: ReturnType<typeof computeStep>;
  try {
    result = computeStep(kind, pass, strategy, context, {
      headGradients: options.headGradients,
      recordGramian: record,
    });
  } finally {
    tf.dispose(checks);
  }
  const violation = (result.violations ?? []).findIndex((v) => v !== 0);
  if (violation >= 0) {
    tf.dispose(result.grads);
    throw invalidTargets(model, checked[violation]!, result.violations![violation]!, state);
  }
  const bad = result.losses.findIndex((l) => !Number.isFinite(l));
  if (bad >= 0 || !Number.isFinite(result.total)) {
    tf.dispose(result.grads);
    const task = bad >= 0 ? names[bad]! : '(total)';
    throw new MultitaskError(
      'NON_FINITE_LOSS',
      `[@multitask/core] The loss of task "${task}" is ${bad >= 0 ? result.losses[bad] : result.total} at step ` +
        `${step} (epoch ${epoch}); training stopped before the update. Lower the learning rate, check the ` +
        `task's targets for NaN/Inf, or normalise them.`,
      { details: { task, step, epoch } },
    );
  }
  applyGradients(options, result.grads);
  tf.dispose(result.grads);
  if (strategy.afterStep) {
    const lossesAfter = strategy.needsLossesAfterStep ? lossesAfterUpdate(model, tasks, stepSeed) : undefined;
    strategy.afterStep({ ...context, losses: result.losses, ...(lossesAfter ? { lossesAfter } : {}) });
  }
  state.step++;
  const byTask = (values: readonly number[]): Record<string, number> =>
    Object.fromEntries(names.map((n, i) => [n, values[i]!]));
  const event: StepEvent = {
    step,
    epoch,
    losses: byTask(result.losses),
    totalLoss: result.total,
    rows,
    ...(result.weights ? { weights: byTask(result.weights) } : {}),
  };
  if (!record || !result.gramian) return { event };
  const mode = state.modeUsed ?? 'representation';
  return { event, stats: { step, epoch, tasks: names, gramian: result.gramian, mode } };
}

/** Each checked task's invalid-target count, as float32 scalars (kept; the caller disposes them). */
function targetChecks(model: MultitaskModel, checked: readonly ActiveTask[]): Scalar[] {
  return checked.map((t) =>
    tf.tidy(() => {
      const count = model.task(t.name).targetViolations!(t.batch.targets[t.name]!, t.batch.masks?.[t.name]);
      if (count.rank === 0 && count.dtype === 'float32') return count;
      return tf.cast(tf.reshape<tf.Rank.R0>(count, []), 'float32');
    }),
  );
}

/**
 * The error for a step whose batch holds invalid targets for a task: `validateTarget` (which reads, but runs only
 * on this error path) names the row and the value.
 */
function invalidTargets(
  model: MultitaskModel,
  t: ActiveTask,
  count: number,
  state: StepState,
): MultitaskError {
  const task = model.task(t.name);
  const problem = task.validateTarget?.(t.batch.targets[t.name]!, t.batch.masks?.[t.name]);
  const batch = state.epochProgress?.batches;
  const where =
    `step ${state.step} (epoch ${state.epoch}` +
    (batch !== undefined ? `, batch ${batch} of the epoch)` : ')');
  return new MultitaskError(
    'LABEL_OUT_OF_RANGE',
    `[@multitask/core] Task "${t.name}", ${where}: ${count} labelled row(s) have an invalid target` +
      (problem !== undefined ? ` — ${problem.replace(/^task "[^"]*": /, '').replace(/\.?$/, '.')}` : '.') +
      ' Training stopped before the update (the weights and the optimizer are unchanged); fix the data or the ' +
      "task's options.",
    {
      details: {
        task: t.name,
        step: state.step,
        epoch: state.epoch,
        ...(batch !== undefined ? { batch } : {}),
      },
    },
  );
}

/**
 * tfjs optimizers keep their slots (Adam's moments…) by position in the gradient list, not by variable name.
 * Passing a fixed-order list of every variable, with `null` for those without a gradient this step (a task left
 * out, a frozen part), keeps each variable's slots its own and skips its update, as PyTorch does for `None`.
 */
function applyGradients(options: ResolvedOptions, grads: NamedTensorMap): void {
  const { model, strategy } = options;
  const order: Variable[] = [
    ...model.backbone.trainableVariables,
    ...model.tasks.flatMap((t) => t.head.trainableVariables),
    ...(strategy.family === 'loss' ? (strategy.variables ?? []) : []),
  ];
  const list = order.map((v) => ({ name: v.name, tensor: grads[v.name] ?? null }));
  options.optimizer.applyGradients(list as unknown as Parameters<Optimizer['applyGradients']>[0]);
}

/** The step's losses recomputed after the update, same batch and dropout seeds, statistics untouched (FAMO). */
function lossesAfterUpdate(model: MultitaskModel, tasks: readonly ActiveTask[], stepSeed: number): number[] {
  const t = tf.tidy(() => tf.stack(forwardLosses({ model, tasks, stepSeed }, undefined, false)));
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

/**
 * Where this step takes its gradients: `loss` for loss weighting, else the gradient mode. Whether the
 * representation is one tensor every task shares is decided here, before any tape, once per trainer.
 */
function stepKind(options: ResolvedOptions, state: StepState, tasks: readonly ActiveTask[]): StepKind {
  const s = options.strategy;
  if (s.family === 'loss') return 'loss';
  const requested = options.gradientMode;
  if (requested === 'parameters') return 'parameters';
  const single = tasks.every((t) => t.batch === tasks[0]!.batch);
  const possible = (): boolean => single && hasSharedTensor(options.model, state, tasks[0]!.batch);
  if (requested === 'representation') {
    // No probe here: a backbone without applyShared that returns per-task representations is refused by the
    // step itself (its one forward pass shows it), so this mode costs exactly one forward.
    if (!single) {
      throw new MultitaskError(
        'UNSUPPORTED_GRADIENT_MODE',
        `[@multitask/core] gradientMode "representation" needs one joint batch per step, but this step has one ` +
          `batch per task (per-task loaders give each task its own representation) — use "parameters".`,
        { details: { option: 'gradientMode', strategy: s.name } },
      );
    }
    return 'representation';
  }
  const preferred = s.modes[0] ?? 'parameters';
  if (preferred === 'representation' && possible()) return 'representation';
  if (s.modes.includes('parameters')) return 'parameters';
  if (possible()) return 'representation';
  throw new MultitaskError(
    'UNSUPPORTED_GRADIENT_MODE',
    `[@multitask/core] Strategy "${s.name}" supports only ${s.modes.join(', ')} mode, which this step cannot use ` +
      '(per-task batches or per-task representations without a shared tensor).',
    { details: { strategy: s.name, option: 'gradientMode' } },
  );
}

/**
 * For `auto` mode: whether per-task gradients can be taken at one shared tensor — from the backbone's structure
 * when it has `applyShared`, else from the kind of its output (one inference pass, once per trainer).
 */
function hasSharedTensor(model: MultitaskModel, state: StepState, batch: Batch): boolean {
  if (model.backbone.applyShared) return true;
  if (state.sharedTensor === undefined) {
    let shared = false;
    tf.tidy(() => {
      shared = isTensorLike(model.backbone.apply(batch.inputs, { training: false }));
    });
    state.sharedTensor = shared;
  }
  return state.sharedTensor;
}

/** The tasks of a step with at least one labelled row, in model order; one read for all masks, if any. */
function activeTasks(model: MultitaskModel, batches: readonly Batch[]): ActiveTask[] {
  const found = new Map<string, Batch>();
  for (const batch of batches) {
    for (const name of tasksOf(batch)) {
      model.task(name);
      if (!(name in batch.targets)) {
        throw new MultitaskError(
          'INVALID_DATA',
          `[@multitask/core] A batch tagged with task "${name}" has no targets for it.`,
          { details: { task: name } },
        );
      }
      if (found.has(name)) {
        throw new MultitaskError(
          'INVALID_DATA',
          `[@multitask/core] Task "${name}" appears in two batches of one step — a step takes at most one batch per task.`,
          { details: { task: name } },
        );
      }
      found.set(name, batch);
    }
  }
  const masked = [...found].filter(([name, b]) => b.masks?.[name] !== undefined);
  let empty = new Set<string>();
  if (masked.length > 0) {
    const sums = tf.tidy(() =>
      tf.stack(masked.map(([name, b]) => tf.sum(tf.cast(tf.greater(b.masks![name]!, 0), 'float32')))),
    );
    const values = sums.dataSync();
    sums.dispose();
    empty = new Set(masked.filter((_, i) => values[i] === 0).map(([name]) => name));
  }
  return model.taskNames
    .filter((n) => found.has(n) && !empty.has(n))
    .map((name) => ({ name, batch: found.get(name)! }));
}
