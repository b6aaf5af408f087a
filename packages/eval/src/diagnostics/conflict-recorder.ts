import {
  MultitaskError,
  type GradientMode,
  type GradientStatsEvent,
  type StepEvent,
  type TrainerCallback,
} from '@multitask/core';
import { thinnedSeries } from './thinned-series.ts';

/** Options of {@link conflictRecorder}. */
export interface ConflictRecorderOptions {
  /**
   * At most this many points are kept per history (steps, gradient statistics); beyond it the history is
   * thinned evenly (every second point dropped, then every 2nd/4th/… new point kept). Default 2000. The
   * summary statistics (means, conflict rates) always use every event.
   */
  readonly maxHistory?: number;
}

/** One recorded optimizer step (from `TrainerCallback.onStepEnd`). */
export interface StepRecord {
  /** Global step. */
  readonly step: number;
  /** Epoch. */
  readonly epoch: number;
  /** Per-task losses of the step. */
  readonly losses: Readonly<Record<string, number>>;
  /** Task weights of the step, when the strategy has weights. */
  readonly weights?: Readonly<Record<string, number>>;
  /** The minimised total loss. */
  readonly totalLoss: number;
}

/** One recorded gradient-statistics event, reduced to cosines and norms. */
export interface GradientRecord {
  /** Global step. */
  readonly step: number;
  /** Tasks of this event, the order of the rows below. */
  readonly tasks: readonly string[];
  /** Pairwise cosine similarities `Gᵢⱼ/√(GᵢᵢGⱼⱼ)` (NaN where a gradient is zero). */
  readonly cosine: readonly (readonly number[])[];
  /** Gradient norms `√Gᵢᵢ`. */
  readonly norms: readonly number[];
}

/**
 * What {@link ConflictRecorder.summary} returns. Matrices are indexed like `tasks`; entries of pairs never
 * observed together (or with a zero gradient) are NaN (`null` in JSON reports).
 */
export interface ConflictSummary {
  /** Tasks, in order of first appearance. */
  readonly tasks: readonly string[];
  /** Number of gradient-statistics events seen. */
  readonly events: number;
  /** Number of optimizer steps seen. */
  readonly steps: number;
  /** Gradient mode of the last event (where the gradients were taken). */
  readonly mode?: GradientMode;
  /** Mean pairwise cosine similarity over the events (diagonal 1). */
  readonly cosine: readonly (readonly number[])[];
  /** The angle of the mean cosine, in degrees: `acos(cosine)·180/π`. */
  readonly angleDegrees: readonly (readonly number[])[];
  /** Fraction of events in which the pair conflicted (cosine < 0). */
  readonly conflictRate: readonly (readonly number[])[];
  /** Mean gradient-norm ratio `√Gᵢᵢ/√Gⱼⱼ` (row task over column task). */
  readonly normRatio: readonly (readonly number[])[];
  /** Mean gradient norm `√Gᵢᵢ` per task. */
  readonly meanNorm: readonly number[];
  /** The (thinned) gradient-statistics history. */
  readonly gradientHistory: readonly GradientRecord[];
  /** The (thinned) step history: losses and task weights over time. */
  readonly stepHistory: readonly StepRecord[];
}

/** A `TrainerCallback` that records gradient conflicts, losses and task weights. */
export interface ConflictRecorder extends TrainerCallback {
  /** Records one step's losses and weights. */
  onStepEnd(event: StepEvent): void;
  /** Records one Gramian: cosines, conflicts, norms and norm ratios. */
  onGradientStats(event: GradientStatsEvent): void;
  /** The statistics so far (a snapshot; the recorder keeps recording). */
  summary(): ConflictSummary;
  /** Forgets everything recorded. */
  reset(): void;
}

interface PairStats {
  count: number;
  cosineSum: number;
  conflicts: number;
  ratioSum: number;
}

/**
 * Records gradient-conflict diagnostics during training. Pass it to the trainer's callbacks; the trainer calls
 * `onGradientStats` every `diagnosticsEvery` steps with the Gramian `G` of the per-task gradients, from which it
 * derives per pair the cosine `Gᵢⱼ/√(GᵢᵢGⱼⱼ)` (conflict when < 0) and the norm ratio `√Gᵢᵢ/√Gⱼⱼ`. Cost per
 * event: O(T²) arithmetic on numbers already on the CPU, no tensor work. Also records each step's losses and
 * task weights (`onStepEnd`) for the report's curves.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { MultitaskModel, Trainer, registerGradients } from '@multitask/core';
 * import { mlpBackbone } from '@multitask/backbones';
 * import { loadPenguins } from '@multitask/data';
 * import { conflictRecorder } from '@multitask/eval';
 * import { classificationTask, regressionTask } from '@multitask/heads';
 * import { mgdaWeighting } from '@multitask/weighting';
 *
 * registerGradients();
 * const { train, test } = loadPenguins({ seed: 1, test: 0.2 });
 * const tasks = [
 *   classificationTask('species', { inputSize: 16, numClasses: 3 }),
 *   classificationTask('sex', { inputSize: 16, numClasses: 2 }),
 *   regressionTask('body_mass', { inputSize: 16 }),
 * ];
 * const model = new MultitaskModel({ backbone: mlpBackbone({ inputSize: 6, units: [16] }), tasks });
 * const conflicts = conflictRecorder();
 * const trainer = new Trainer({ model, strategy: mgdaWeighting(), optimizer: tf.train.adam(0.01), seed: 1, diagnosticsEvery: 5, callbacks: [conflicts] });
 * await trainer.fit(train, { epochs: 2, batchSize: 32, validation: test });
 * console.log(conflicts.summary().conflictRate); // per task pair: share of recorded steps whose gradients conflicted
 * ```
 */
export function conflictRecorder(options: ConflictRecorderOptions = {}): ConflictRecorder {
  const maxHistory = options.maxHistory ?? 2000;
  if (!Number.isInteger(maxHistory) || maxHistory < 2) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/eval] conflictRecorder: option "maxHistory" must be an integer ≥ 2, got ${maxHistory}.`,
      {
        details: { option: 'maxHistory', value: maxHistory },
      },
    );
  }
  let tasks: string[] = [];
  let pairs = new Map<string, PairStats>();
  let normSum = new Map<string, { sum: number; count: number }>();
  let events = 0;
  let steps = 0;
  let mode: GradientMode | undefined;
  const gradients = thinnedSeries<GradientRecord>(maxHistory);
  const stepSeries = thinnedSeries<StepRecord>(maxHistory);

  const see = (task: string): void => {
    if (!tasks.includes(task)) tasks.push(task);
  };

  return {
    onStepEnd(event: StepEvent): void {
      steps++;
      for (const t of Object.keys(event.losses)) see(t);
      stepSeries.push({
        step: event.step,
        epoch: event.epoch,
        losses: { ...event.losses },
        ...(event.weights === undefined ? {} : { weights: { ...event.weights } }),
        totalLoss: event.totalLoss,
      });
    },
    onGradientStats(event: GradientStatsEvent): void {
      const g = event.gramian;
      const n = event.tasks.length;
      if (g.length !== n || g.some((row) => row.length !== n)) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/eval] conflictRecorder: the Gramian at step ${event.step} is not ${n}×${n} for tasks ${event.tasks.join(', ')}.`,
          { details: { step: event.step, tasks: n } },
        );
      }
      events++;
      mode = event.mode;
      const norms = event.tasks.map((_, i) => Math.sqrt(Math.max(0, g[i]![i]!)));
      const cosine = event.tasks.map((_, i) =>
        event.tasks.map((_, j) =>
          norms[i]! > 0 && norms[j]! > 0
            ? Math.max(-1, Math.min(1, g[i]![j]! / (norms[i]! * norms[j]!)))
            : NaN,
        ),
      );
      event.tasks.forEach((task, i) => {
        see(task);
        const s = normSum.get(task) ?? { sum: 0, count: 0 };
        s.sum += norms[i]!;
        s.count++;
        normSum.set(task, s);
        event.tasks.forEach((other, j) => {
          if (i === j || Number.isNaN(cosine[i]![j]!)) return;
          const key = `${task}\u0000${other}`;
          const p = pairs.get(key) ?? { count: 0, cosineSum: 0, conflicts: 0, ratioSum: 0 };
          p.count++;
          p.cosineSum += cosine[i]![j]!;
          if (cosine[i]![j]! < 0) p.conflicts++;
          p.ratioSum += norms[i]! / norms[j]!;
          pairs.set(key, p);
        });
      });
      gradients.push({ step: event.step, tasks: [...event.tasks], cosine, norms });
    },
    summary(): ConflictSummary {
      const matrix = (f: (p: PairStats) => number, diagonal: number): number[][] =>
        tasks.map((a) =>
          tasks.map((b) => {
            if (a === b) return diagonal;
            const p = pairs.get(`${a}\u0000${b}`);
            return p === undefined ? NaN : f(p);
          }),
        );
      const cosine = matrix((p) => p.cosineSum / p.count, 1);
      return {
        tasks: [...tasks],
        events,
        steps,
        ...(mode === undefined ? {} : { mode }),
        cosine,
        angleDegrees: cosine.map((row) =>
          row.map((c) => (Math.acos(Math.max(-1, Math.min(1, c))) * 180) / Math.PI),
        ),
        conflictRate: matrix((p) => p.conflicts / p.count, 0),
        normRatio: matrix((p) => p.ratioSum / p.count, 1),
        meanNorm: tasks.map((t) => {
          const s = normSum.get(t);
          return s === undefined ? NaN : s.sum / s.count;
        }),
        gradientHistory: [...gradients.points],
        stepHistory: [...stepSeries.points],
      };
    },
    reset(): void {
      tasks = [];
      pairs = new Map();
      normSum = new Map();
      events = 0;
      steps = 0;
      mode = undefined;
      gradients.clear();
      stepSeries.clear();
    },
  };
}
