import { MultitaskError } from '@multitask/core';
import type { TaskMetrics } from './metric-values.ts';

/** One fold: row indices to train on and to validate on. */
export interface Fold {
  /** Training row indices. */
  readonly train: readonly number[];
  /** Validation row indices. */
  readonly validation: readonly number[];
}

/** Options of {@link crossValidate}. */
export interface CrossValidateOptions<F extends Fold = Fold> {
  /** The folds (e.g. made by `@multitask/data`), any iterable. */
  readonly folds: Iterable<F>;
  /** Trains on `fold.train`, evaluates on `fold.validation`, resolves to `{ task: { metric: value } }`. */
  readonly run: (fold: F, index: number) => Promise<TaskMetrics>;
  /** Called after each fold (for progress output). */
  readonly onFoldDone?: (index: number, metrics: TaskMetrics) => void;
}

/** Mean and spread of one metric over the folds. */
export interface FoldStatistic {
  /** Mean over the folds. */
  readonly mean: number;
  /** Sample standard deviation over the folds (`n − 1` in the denominator; 0 for one fold). */
  readonly std: number;
  /** The per-fold values, in fold order. */
  readonly values: readonly number[];
}

/** What {@link crossValidate} returns. */
export interface CrossValidationResult {
  /** Each fold's metrics, in fold order. */
  readonly folds: readonly TaskMetrics[];
  /** Per task and metric: mean ± std over the folds. */
  readonly summary: Readonly<Record<string, Readonly<Record<string, FoldStatistic>>>>;
  /** Per task and metric: the mean (handy as the input of {@link deltaM}). */
  readonly mean: TaskMetrics;
}

/**
 * k-fold cross-validation over the given folds: runs `run(fold)` for each fold in turn (sequentially) and
 * reports every metric's mean and sample standard deviation. Every fold must report the same tasks and metrics
 * as the first (else `INVALID_DATA`).
 *
 * @example
 * ```ts
 * import { kFold } from '@multitask/data';
 * import { crossValidate } from '@multitask/eval';
 *
 * // run(fold) trains on fold.train and returns the metrics on fold.validation (a stand-in here)
 * const trainAndEvaluate = async (fold: { train: readonly number[] }) => ({ digit: { accuracy: 0.9 + fold.train.length / 10000 } });
 * const cv = await crossValidate({ folds: kFold({ size: 100, k: 5, seed: 1 }), run: (fold) => trainAndEvaluate(fold) });
 * console.log(cv.summary.digit?.accuracy); // { mean: 0.908, std: 0, values: [...] }
 * ```
 */
export async function crossValidate<F extends Fold>(
  options: CrossValidateOptions<F>,
): Promise<CrossValidationResult> {
  const results: TaskMetrics[] = [];
  let index = 0;
  for (const fold of options.folds) {
    const r = await options.run(fold, index);
    if (results.length > 0) {
      const first = results[0]!;
      const keys = (m: TaskMetrics): string =>
        Object.keys(m)
          .sort()
          .map((t) => `${t}:${Object.keys(m[t]!).sort().join(',')}`)
          .join(';');
      if (keys(first) !== keys(r)) {
        throw new MultitaskError(
          'INVALID_DATA',
          `[@multitask/eval] crossValidate: fold ${index} reported {${keys(r)}}, fold 0 reported {${keys(first)}} — every fold must report the same tasks and metrics.`,
          { details: { fold: index } },
        );
      }
    }
    results.push(r);
    options.onFoldDone?.(index, r);
    index++;
  }
  if (results.length === 0) {
    throw new MultitaskError(
      'NO_DATA',
      '[@multitask/eval] crossValidate: no folds were given — pass at least one { train, validation } fold.',
    );
  }
  const summary: Record<string, Record<string, FoldStatistic>> = {};
  const mean: Record<string, Record<string, number>> = {};
  for (const [task, metrics] of Object.entries(results[0]!)) {
    summary[task] = {};
    mean[task] = {};
    for (const metric of Object.keys(metrics)) {
      const values = results.map((r) => r[task]![metric]!);
      const mu = values.reduce((s, x) => s + x, 0) / values.length;
      const variance =
        values.length < 2 ? 0 : values.reduce((s, x) => s + (x - mu) ** 2, 0) / (values.length - 1);
      summary[task][metric] = { mean: mu, std: Math.sqrt(variance), values };
      mean[task][metric] = mu;
    }
  }
  return { folds: results, summary, mean };
}
