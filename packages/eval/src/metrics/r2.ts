import { MultitaskError, type Metric } from '@multitask/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { readBatch } from './read-batch.ts';
import { regressionWidth, type RegressionMetricOptions } from './regression-common.ts';

/**
 * Coefficient of determination `R² = 1 − SS_res / SS_tot` with `SS_res = Σ (y − ŷ)²` and
 * `SS_tot = Σ (y − ȳ)²` (ȳ the mean of the labelled targets seen), computed per output column and averaged
 * uniformly over columns (scikit-learn's `uniform_average`). Streaming: per column it keeps the count, the
 * running mean and the sum of squared deviations, merged batch by batch with Chan et al.'s parallel update, so
 * the result does not depend on how rows were split into batches (up to rounding). NaN when a column's labelled
 * targets are all equal (`SS_tot = 0`) or nothing was seen. Higher is better (1 = perfect; may be negative).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { r2 } from '@multitask/eval';
 *
 * const prediction = tf.tensor2d([[1.1], [1.9], [3.2], [9]]); // [B, d]
 * const target = tf.tensor2d([[1], [2], [3], [4]]); // [B, d]
 * const mask = tf.tensor1d([1, 1, 1, 0]); // [B], 1 = labelled: the last row does not count
 * const m = r2();
 * m.update(prediction, target, mask);
 * console.log(m.result()); // ≈ 0.97
 * tf.dispose([prediction, target, mask]);
 * ```
 */
export function r2(options: RegressionMetricOptions = {}): Metric {
  const name = options.name ?? 'r2';
  let width = -1;
  let count = 0;
  let mean: number[] = [];
  let m2: number[] = [];
  let ssRes: number[] = [];
  return {
    name,
    higherIsBetter: true,
    update(prediction: Tensor, target: Tensor, mask?: Tensor): void {
      const b = readBatch(name, prediction, target, mask);
      const w = regressionWidth(name, b);
      if (width === -1) {
        width = w;
        mean = new Array<number>(w).fill(0);
        m2 = new Array<number>(w).fill(0);
        ssRes = new Array<number>(w).fill(0);
      } else if (w !== width) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/eval] Metric "${name}": this batch has ${w} values per row, earlier batches had ${width} — reset() between differently shaped tasks.`,
          { details: { metric: name, width: w, previousWidth: width } },
        );
      }
      const rows: number[] = [];
      for (let i = 0; i < b.rows; i++) if (b.labelled(i)) rows.push(i);
      const nb = rows.length;
      if (nb === 0) return;
      for (let c = 0; c < w; c++) {
        let s = 0;
        for (const i of rows) s += b.target[i * w + c]!;
        const mb = s / nb;
        let m2b = 0;
        let res = 0;
        for (const i of rows) {
          const y = b.target[i * w + c]!;
          m2b += (y - mb) * (y - mb);
          const d = y - b.prediction[i * w + c]!;
          res += d * d;
        }
        const n = count + nb;
        const delta = mb - mean[c]!;
        m2[c] = m2[c]! + m2b + (delta * delta * count * nb) / n;
        mean[c] = mean[c]! + (delta * nb) / n;
        ssRes[c] = ssRes[c]! + res;
      }
      count += nb;
    },
    result(): number {
      if (count === 0) return NaN;
      let total = 0;
      for (let c = 0; c < width; c++) total += m2[c] === 0 ? NaN : 1 - ssRes[c]! / m2[c]!;
      return total / width;
    },
    reset(): void {
      width = -1;
      count = 0;
      mean = [];
      m2 = [];
      ssRes = [];
    },
  };
}
