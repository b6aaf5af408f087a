/** Target checks shared by the task factories. Internal. */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { shapeString } from '@multitask/core';

/** Reads the mask (1 = labelled) or undefined. */
function readMask(mask: Tensor | undefined): ArrayLike<number> | undefined {
  return mask === undefined ? undefined : mask.dataSync<'float32'>();
}

/** Checks that `target` has `rows` rows of `width` values each (`[rows]` allowed when width is 1 or `flatOk`). */
export function checkTargetShape(
  task: string,
  target: Tensor,
  width: number,
  what: string,
): string | undefined {
  const s = target.shape;
  const ok = (s.length === 1 && width === 1) || (s.length === 2 && s[1] === width);
  if (ok) return undefined;
  const expected = width === 1 ? `[batch] or [batch, 1]` : `[batch, ${width}]`;
  return `task "${task}": targets must have shape ${expected} (${what}), got ${shapeString(s)}.`;
}

/** Checks each labelled value with `bad` (returns a description of the first offending value). */
export function checkValues(
  task: string,
  target: Tensor,
  mask: Tensor | undefined,
  bad: (v: number) => string | undefined,
): string | undefined {
  const values = target.dataSync();
  const m = readMask(mask);
  const width = target.rank === 2 ? target.shape[1]! : 1;
  for (let i = 0; i < values.length; i++) {
    const row = Math.floor(i / width);
    if (m !== undefined && !(m[row]! > 0)) continue;
    const problem = bad(values[i]!);
    if (problem !== undefined) {
      const where = width === 1 ? `row ${row}` : `row ${row}, column ${i % width}`;
      return `task "${task}": ${problem} at ${where}.`;
    }
  }
  return undefined;
}

/**
 * Elementwise: `x` is not an integer class index in `[0, k)` — it differs from itself rounded down and clipped to
 * the range (NaN differs from everything). Three ops: the check runs in every training step.
 */
export function notClassIndex(x: Tensor, k: number): Tensor {
  return tf.notEqual(x, tf.clipByValue(tf.floor(x), 0, k - 1));
}

/** Elementwise: `x` is not in `[0, 1]` (NaN included). */
export function notProbability(x: Tensor): Tensor {
  return tf.notEqual(x, tf.clipByValue(x, 0, 1));
}

/**
 * Counts, on the device and without reading, the labelled units whose target `invalid` flags: rows for row
 * tasks (a row counts once whatever the number of its bad values), tokens when the mask has the target's shape
 * (token tasks). Masked-out rows and tokens never count, whatever they hold (NaN placeholders included).
 */
export function countInvalid(
  target: Tensor,
  mask: Tensor | undefined,
  invalid: (x: Tensor) => Tensor,
): Scalar {
  return tf.tidy(() => {
    let bad = invalid(target.dtype === 'float32' ? target : tf.cast(target, 'float32'));
    const perToken = (mask?.rank ?? 0) > 1 && mask?.rank === target.rank;
    if (!perToken && bad.rank > 1) bad = tf.any(tf.reshape(bad, [target.shape[0], -1]), 1);
    if (mask !== undefined) bad = tf.logicalAnd(bad, tf.reshape(tf.greater(mask, 0), bad.shape));
    return tf.sum(tf.cast(bad, 'float32'));
  });
}
