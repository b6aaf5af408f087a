import * as tf from '@tensorflow/tfjs-core';
import { disposeBatch, type Batch, type DataSource, type StepBatch } from '@multitask/core';
import { describe, expect, test } from 'vitest';
import { onlyTasks } from '../src/index.ts';

/** Three steps: a joint batch (a, b), a batch of task b alone, and a list of per-task batches. */
function source(): DataSource {
  const row = (): tf.Tensor => tf.ones([2, 3]);
  return {
    name: 'fake',
    size: 2,
    tasks: ['a', 'b'],
    async *batches(): AsyncIterable<StepBatch> {
      await Promise.resolve();
      yield {
        inputs: row(),
        targets: { a: tf.tensor1d([0, 1]), b: tf.tensor1d([1, 0]) },
        masks: { a: tf.ones([2]), b: tf.ones([2]) },
      };
      yield { inputs: row(), targets: { b: tf.tensor1d([1, 1]) }, task: 'b' };
      yield [
        { inputs: row(), targets: { a: tf.tensor1d([1, 1]) }, task: 'a' },
        { inputs: row(), targets: { b: tf.tensor1d([0, 0]) }, task: 'b' },
      ];
    },
  };
}

describe('onlyTasks', () => {
  test('keeps the named tasks, disposes the others and skips batches left without targets', async () => {
    const restricted = onlyTasks(source(), ['a']);
    expect(restricted.tasks).toEqual(['a']);
    expect(restricted.size).toBe(2);
    const before = tf.memory().numTensors;
    const seen: string[][] = [];
    for await (const step of restricted.batches({ batchSize: 2, shuffle: false, seed: 1 })) {
      const list: readonly Batch[] = Array.isArray(step) ? (step as readonly Batch[]) : [step as Batch];
      seen.push(
        list.map(
          (b) => Object.keys(b.targets).join('+') + (b.masks ? `|${Object.keys(b.masks).join('+')}` : ''),
        ),
      );
      for (const b of list) disposeBatch(b);
    }
    // Step 2 (task b only) is skipped; the list of step 3 keeps its task-a batch.
    expect(seen).toEqual([['a|a'], ['a']]);
    expect(tf.memory().numTensors).toBe(before); // the dropped targets, masks and inputs were disposed
  });

  test('a source with no other task is returned as is', () => {
    const s = source();
    expect(onlyTasks(s, ['a', 'b'])).toBe(s);
  });
});
