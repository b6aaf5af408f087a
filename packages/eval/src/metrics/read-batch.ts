import { MultitaskError, shapeString } from '@multitask/core';
import type { Tensor } from '@tensorflow/tfjs-core';

/** One batch read back from tensors into plain arrays (internal). */
export interface BatchValues {
  /** Row-major prediction values. */
  readonly prediction: ArrayLike<number>;
  /** Prediction shape. */
  readonly predictionShape: readonly number[];
  /** Row-major target values. */
  readonly target: ArrayLike<number>;
  /** Target shape. */
  readonly targetShape: readonly number[];
  /** Per-row flag: true when the row is labelled (mask > 0, or no mask). */
  readonly labelled: (row: number) => boolean;
  /** Number of rows. */
  readonly rows: number;
}

/**
 * Reads prediction, target and mask back to the CPU (synchronously; no tensor is created) and checks that they
 * agree on the number of rows and that the mask is `[batch]` (or `[batch, 1]`).
 */
export function readBatch(metric: string, prediction: Tensor, target: Tensor, mask?: Tensor): BatchValues {
  if (prediction.rank === 0) {
    throw new MultitaskError(
      'SHAPE_MISMATCH',
      `[@multitask/eval] Metric "${metric}": prediction must have a batch dimension, got shape ${shapeString(prediction.shape)} — pass [batch] or [batch, …].`,
      { details: { metric, predictionShape: prediction.shape } },
    );
  }
  const rows: number = prediction.shape[0];
  if (target.shape[0] !== rows) {
    throw new MultitaskError(
      'SHAPE_MISMATCH',
      `[@multitask/eval] Metric "${metric}": target shape ${shapeString(target.shape)} does not have the prediction's ${rows} rows (prediction ${shapeString(prediction.shape)}) — pass one target per row.`,
      { details: { metric, predictionShape: prediction.shape, targetShape: target.shape } },
    );
  }
  let m: ArrayLike<number> | undefined;
  if (mask !== undefined) {
    const ok = mask.shape[0] === rows && (mask.rank === 1 || (mask.rank === 2 && mask.shape[1] === 1));
    if (!ok) {
      throw new MultitaskError(
        'SHAPE_MISMATCH',
        `[@multitask/eval] Metric "${metric}": mask shape ${shapeString(mask.shape)} must be [${rows}] (one flag per row, 1 = labelled)` +
          (mask.rank === 2
            ? ' — for per-token masks [batch, length] use tokenAccuracy() or tokenLevel(metric).'
            : '.'),
        { details: { metric, maskShape: mask.shape, rows } },
      );
    }
    m = mask.dataSync();
  }
  const flags = m;
  return {
    prediction: prediction.dataSync(),
    predictionShape: prediction.shape,
    target: target.dataSync(),
    targetShape: target.shape,
    labelled: flags === undefined ? () => true : (row) => flags[row]! > 0,
    rows,
  };
}

/** Number of values per row of a shape (product of all but the first dimension). */
export function rowWidth(shape: readonly number[]): number {
  let w = 1;
  for (let i = 1; i < shape.length; i++) w *= shape[i]!;
  return w;
}

/**
 * Interprets a classification prediction: `[B]` / `[B, 1]` is binary (one score per row), `[B, C]` with C ≥ 2
 * is multi-class. Returns the number of classes (2 for binary) and whether it is binary.
 */
export function classificationLayout(
  metric: string,
  shape: readonly number[],
): { readonly binary: boolean; readonly classes: number } {
  if (shape.length === 1 || (shape.length === 2 && shape[1] === 1)) return { binary: true, classes: 2 };
  if (shape.length === 2 && shape[1]! >= 2) return { binary: false, classes: shape[1]! };
  throw new MultitaskError(
    'SHAPE_MISMATCH',
    `[@multitask/eval] Metric "${metric}": classification prediction must be [batch] or [batch, 1] (binary score) or [batch, classes] (scores per class), got ${shapeString(shape)}.`,
    { details: { metric, predictionShape: shape } },
  );
}

/**
 * Checks a classification target has one label per row (`[B]` or `[B, 1]`).
 */
export function checkLabelShape(
  metric: string,
  targetShape: readonly number[],
  predictionShape: readonly number[],
): void {
  const ok = targetShape.length === 1 || (targetShape.length === 2 && targetShape[1] === 1);
  if (!ok) {
    throw new MultitaskError(
      'SHAPE_MISMATCH',
      `[@multitask/eval] Metric "${metric}": target must hold one class label per row ([batch] or [batch, 1]), got ${shapeString(targetShape)} for prediction ${shapeString(predictionShape)} — convert one-hot targets with argMax.`,
      { details: { metric, targetShape, predictionShape } },
    );
  }
}

/**
 * Reads the class label of row `i`: an integer in `[0, classes)` (for binary, 0 or 1; values are rounded, so
 * float 0/1 targets work). Throws `LABEL_OUT_OF_RANGE` otherwise.
 */
export function labelAt(metric: string, target: ArrayLike<number>, i: number, classes: number): number {
  const v = target[i]!;
  const label = Math.round(v);
  if (!(label >= 0 && label < classes) || Math.abs(v - label) > 1e-6) {
    throw new MultitaskError(
      'LABEL_OUT_OF_RANGE',
      `[@multitask/eval] Metric "${metric}": label ${v} at row ${i} is not a class in [0, ${classes}) — check the targets or mask the row out (mask 0).`,
      { details: { metric, row: i, label: v, classes } },
    );
  }
  return label;
}

/** Index of the highest score of row `i` (first one on ties, like `tf.argMax`). */
export function argMaxRow(values: ArrayLike<number>, i: number, width: number): number {
  const base = i * width;
  let best = 0;
  let bestValue = values[base]!;
  for (let c = 1; c < width; c++) {
    const v = values[base + c]!;
    if (v > bestValue) {
      best = c;
      bestValue = v;
    }
  }
  return best;
}

/** How binary scores are read: `logits` threshold at 0, `probabilities` at 0.5. */
export type ScoreKind = 'logits' | 'probabilities';

/** Validates a {@link ScoreKind} option. */
export function checkScoreKind(metric: string, from: string): ScoreKind {
  if (from !== 'logits' && from !== 'probabilities') {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/eval] Metric "${metric}": option "from" must be "logits" or "probabilities", got "${from}".`,
      { details: { metric, option: 'from', value: from } },
    );
  }
  return from;
}

/**
 * Predicted class of row `i`: argmax for multi-class scores, `score > threshold` for binary scores (threshold
 * 0 for logits, 0.5 for probabilities unless given).
 */
export function predictedClass(
  values: ArrayLike<number>,
  i: number,
  classes: number,
  binary: boolean,
  threshold: number,
): number {
  if (binary) return values[i]! > threshold ? 1 : 0;
  return argMaxRow(values, i, classes);
}

/** A classification batch: the values of {@link readBatch} and the layout of {@link classificationLayout} (internal). */
export interface ClassificationBatch extends BatchValues {
  /** True for one score per row (`[B]` / `[B, 1]`). */
  readonly binary: boolean;
  /** Number of classes (2 for binary). */
  readonly classes: number;
}

/**
 * Reads a classification batch: {@link readBatch}, then {@link classificationLayout} of the prediction, then
 * {@link checkLabelShape} of the target (in that order, so the first problem found is the one reported).
 */
export function readClassificationBatch(
  metric: string,
  prediction: Tensor,
  target: Tensor,
  mask?: Tensor,
): ClassificationBatch {
  const b = readBatch(metric, prediction, target, mask);
  const layout = classificationLayout(metric, b.predictionShape);
  checkLabelShape(metric, b.targetShape, b.predictionShape);
  return { ...b, ...layout };
}

/**
 * Calls `visit(i, label)` for each labelled row `i` in order, with its label read by {@link labelAt}: a bad
 * label throws `LABEL_OUT_OF_RANGE` after the rows before it were visited.
 */
export function forEachLabelledRow(
  metric: string,
  b: BatchValues,
  classes: number,
  visit: (i: number, label: number) => void,
): void {
  for (let i = 0; i < b.rows; i++) {
    if (b.labelled(i)) visit(i, labelAt(metric, b.target, i, classes));
  }
}

/**
 * The binary threshold of a metric's options: `threshold` when given, else 0 for `from: 'logits'` (the default)
 * and 0.5 for `'probabilities'`. Throws `INVALID_OPTION` for another `from` (see {@link checkScoreKind}).
 */
export function binaryThreshold(
  metric: string,
  from: string | undefined,
  threshold: number | undefined,
): number {
  const kind = checkScoreKind(metric, from ?? 'logits');
  return threshold ?? (kind === 'logits' ? 0 : 0.5);
}
