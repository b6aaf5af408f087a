/**
 * `targetViolations`: the on-device count of invalid labelled targets that the trainer reads with every step's
 * losses. Checked against a plain-JS count (property tests) for every task kind that has it.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  binaryTask,
  classificationTask,
  multiLabelTask,
  regressionTask,
  sequenceLabellingTask,
} from '../src/index.ts';

/** Labels drawn around the valid range: in range, ≥ k, negative, fractional, NaN. */
const label = (k: number): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: k - 1 }) },
    fc.integer({ min: k, max: k + 3 }),
    fc.integer({ min: -3, max: -1 }),
    fc.constantFrom(0.5, k - 0.5, Number.NaN),
  );

const isClass = (v: number, k: number): boolean => Number.isInteger(v) && v >= 0 && v < k;

function count(task: ReturnType<typeof classificationTask>, target: tf.Tensor, mask?: tf.Tensor): number {
  const c = task.targetViolations!(target, mask);
  const n = c.dataSync()[0]!;
  c.dispose();
  return n;
}

describe('targetViolations', () => {
  it('classification: counts labelled rows whose label is not an integer in [0, k) (int32 and float32 labels)', () => {
    const k = 4;
    const task = classificationTask('digit', { inputSize: 2, numClasses: k });
    let cases = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(label(k), fc.boolean()), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        (rows, masked) => {
          const values = rows.map(([v]) => v);
          const mask = rows.map(([, m]) => (m ? 1 : 0));
          const expected = rows.filter(([v, m]) => (!masked || m) && !isClass(v, k)).length;
          const f = tf.tensor1d(values, 'float32');
          const m = masked ? tf.tensor1d(mask) : undefined;
          expect(count(task, f, m)).toBe(expected);
          // Out-of-range integers arrive as int32 too (NaN and fractions cannot be int32).
          if (values.every((v) => Number.isInteger(v))) {
            const i = tf.tensor1d(values, 'int32');
            expect(count(task, i, m)).toBe(expected);
            i.dispose();
          }
          // validateTarget (the error path's description) agrees on whether anything is wrong.
          expect(task.validateTarget!(f, m) !== undefined).toBe(expected > 0);
          tf.dispose([f, ...(m ? [m] : [])]);
          cases++;
        },
      ),
      { seed: 13, numRuns: 200 },
    );
    expect(cases).toBe(200);
    task.head.dispose();
  });

  it('binary and multi-label: counts labelled rows with any target outside [0, 1]', () => {
    const binary = binaryTask('smiling', { inputSize: 2 });
    const multi = multiLabelTask('tags', { inputSize: 2, numLabels: 3 });
    const value = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(0, 1, 0.25) },
      fc.constantFrom(-1, 2, 1.5, Number.NaN),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(value, { minLength: 3, maxLength: 3 }), fc.boolean()), {
          minLength: 1,
          maxLength: 10,
        }),
        (rows) => {
          const ok = (v: number): boolean => v >= 0 && v <= 1;
          const mask = tf.tensor1d(rows.map(([, m]) => (m ? 1 : 0)));
          const wide = tf.tensor2d(rows.map(([v]) => v));
          const expectedWide = rows.filter(([v, m]) => m && !v.every(ok)).length;
          expect(count(multi, wide, mask)).toBe(expectedWide);
          const narrow = tf.tensor1d(rows.map(([v]) => v[0]!));
          const expectedNarrow = rows.filter(([v, m]) => m && !ok(v[0]!)).length;
          expect(count(binary, narrow, mask)).toBe(expectedNarrow);
          expect(count(binary, narrow)).toBe(rows.filter(([v]) => !ok(v[0]!)).length);
          tf.dispose([mask, wide, narrow]);
        },
      ),
      { seed: 14, numRuns: 150 },
    );
    binary.head.dispose();
    multi.head.dispose();
  });

  it('sequence labelling: counts labelled tokens with a label outside [0, k) (padding masked out)', () => {
    const k = 3;
    const task = sequenceLabellingTask('pos', { inputSize: 2, numClasses: k });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.infiniteStream(fc.tuple(label(k), fc.boolean())),
        (b, l, stream) => {
          const cells = Array.from({ length: b * l }, () => stream.next().value);
          const target = tf.tensor2d(
            cells.map(([v]) => v),
            [b, l],
          );
          const mask = tf.tensor2d(
            cells.map(([, m]) => (m ? 1 : 0)),
            [b, l],
          );
          const expected = cells.filter(([v, m]) => m && !isClass(v, k)).length;
          expect(count(task, target, mask)).toBe(expected);
          tf.dispose([target, mask]);
        },
      ),
      { seed: 15, numRuns: 100 },
    );
    task.head.dispose();
  });

  it('regression has no hook (its non-finite targets give a NaN loss, which the trainer names)', () => {
    const task = regressionTask('mass', { inputSize: 2 });
    expect(task.targetViolations).toBeUndefined();
    task.head.dispose();
  });
});
