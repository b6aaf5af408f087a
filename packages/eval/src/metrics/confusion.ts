import { MultitaskError, type Metric } from '@multitask/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import {
  binaryThreshold,
  forEachLabelledRow,
  predictedClass,
  readClassificationBatch,
  type ScoreKind,
} from './read-batch.ts';

/**
 * How per-class scores are combined: `'binary'` reports the positive class (label 1) of a binary task,
 * `'macro'` the unweighted mean over classes, `'micro'` the score of the pooled counts.
 */
export type Averaging = 'binary' | 'macro' | 'micro';

/** Options of {@link precision}, {@link recall} and {@link f1}. */
export interface ClassificationMetricOptions {
  /**
   * Averaging (see {@link Averaging}). Default: `'binary'` for binary predictions (`[batch]` / `[batch, 1]`),
   * `'macro'` for `[batch, classes]`. `'binary'` with a multi-class prediction throws `SHAPE_MISMATCH`.
   */
  readonly average?: Averaging;
  /** How binary scores are read: `'logits'` (default, threshold 0) or `'probabilities'` (threshold 0.5). */
  readonly from?: ScoreKind;
  /** Overrides the binary threshold (predicted positive when the score is strictly above it). */
  readonly threshold?: number;
  /** Metric name (default e.g. `"f1"`, or `"f1-micro"` when `average` is given). */
  readonly name?: string;
}

type Kind = 'precision' | 'recall' | 'f1';

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

function score(kind: Kind, tp: number, fp: number, fn: number): number {
  const p = ratio(tp, tp + fp);
  const r = ratio(tp, tp + fn);
  if (kind === 'precision') return p;
  if (kind === 'recall') return r;
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

/** Precision, recall or F1 from a streaming per-class confusion count (internal). */
export function confusionMetric(kind: Kind, options: ClassificationMetricOptions): Metric {
  const name = options.name ?? (options.average === undefined ? kind : `${kind}-${options.average}`);
  const threshold = binaryThreshold(name, options.from, options.threshold);
  if (options.average !== undefined && !['binary', 'macro', 'micro'].includes(options.average)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/eval] Metric "${name}": option "average" must be "binary", "macro" or "micro", got "${options.average}".`,
      {
        details: { metric: name, option: 'average', value: options.average },
      },
    );
  }
  let tp: number[] = [];
  let fp: number[] = [];
  let fn: number[] = [];
  let average: Averaging | undefined;
  let seen = 0;
  return {
    name,
    higherIsBetter: true,
    update(prediction: Tensor, target: Tensor, mask?: Tensor): void {
      const b = readClassificationBatch(name, prediction, target, mask);
      const { binary, classes } = b;
      const avg = options.average ?? (binary ? 'binary' : 'macro');
      if (avg === 'binary' && !binary) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/eval] Metric "${name}": average "binary" needs one score per row ([batch] or [batch, 1]), got ${classes} classes — use average "macro" or "micro".`,
          { details: { metric: name, classes } },
        );
      }
      if (tp.length === 0) {
        tp = new Array<number>(classes).fill(0);
        fp = new Array<number>(classes).fill(0);
        fn = new Array<number>(classes).fill(0);
        average = avg;
      } else if (tp.length !== classes) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/eval] Metric "${name}": this batch has ${classes} classes, earlier batches had ${tp.length} — reset() between tasks.`,
          { details: { metric: name, classes, previousClasses: tp.length } },
        );
      }
      forEachLabelledRow(name, b, classes, (i, label) => {
        const guess = predictedClass(b.prediction, i, classes, binary, threshold);
        if (guess === label) tp[label]!++;
        else {
          fp[guess]!++;
          fn[label]!++;
        }
        seen++;
      });
    },
    result(): number {
      if (seen === 0) return NaN;
      if (average === 'binary') return score(kind, tp[1]!, fp[1]!, fn[1]!);
      if (average === 'micro') {
        const sum = (a: number[]): number => a.reduce((s, x) => s + x, 0);
        return score(kind, sum(tp), sum(fp), sum(fn));
      }
      // macro over the classes that occur as a label or as a prediction (scikit-learn's default label set)
      let total = 0;
      let n = 0;
      for (let c = 0; c < tp.length; c++) {
        if (tp[c]! + fp[c]! + fn[c]! <= 0) continue;
        total += score(kind, tp[c]!, fp[c]!, fn[c]!);
        n++;
      }
      return total / n;
    },
    reset(): void {
      tp = [];
      fp = [];
      fn = [];
      average = undefined;
      seen = 0;
    },
  };
}
