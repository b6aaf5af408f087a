import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { disposeBatch, type Batch, type DataSource } from '@multitask/core';
import { arraySource, perTaskSource, prefetch } from '../src/index.ts';

function source(task: string, n: number, offset: number): DataSource {
  return arraySource({
    name: task,
    inputs: { data: Float32Array.from({ length: n }, (_, i) => offset + i), shape: [n, 1] },
    targets: {
      [task]: { kind: 'class', values: Array.from({ length: n }, (_, i) => i % 2) },
      other: { kind: 'regression', values: new Array<number>(n).fill(1) },
    },
  });
}

describe('perTaskSource', () => {
  const sources = { a: source('a', 10, 0), b: source('b', 25, 100) };

  it("'all' yields one batch per task per step, tagged, keeping only the task's target", async () => {
    const src = perTaskSource({ sources });
    expect(src.tasks).toEqual(['a', 'b']);
    let steps = 0;
    const seenA: number[] = [];
    for await (const step of src.batches({ batchSize: 4, shuffle: true, seed: 3 })) {
      expect(Array.isArray(step)).toBe(true);
      const [a, b] = step as readonly Batch[];
      expect(a!.task).toBe('a');
      expect(b!.task).toBe('b');
      expect(Object.keys(a!.targets)).toEqual(['a']);
      expect(Object.keys(b!.masks!)).toEqual(['b']);
      seenA.push(...Array.from(await (a!.inputs as tf.Tensor).data()));
      disposeBatch(a!);
      disposeBatch(b!);
      steps++;
    }
    // the largest task has ceil(25 / 4) = 7 batches; task a (3 batches) cycles, reshuffled
    expect(steps).toBe(7);
    expect(new Set(seenA.slice(0, 10)).size).toBe(10);
  });

  it('sampling schedules yield single tagged batches; sequential runs task after task', async () => {
    const seq = perTaskSource({ sources, schedule: 'sequential' });
    const tags: string[] = [];
    for await (const step of seq.batches({ batchSize: 5, shuffle: false, seed: 1 })) {
      const b = step as Batch;
      tags.push(b.task!);
      disposeBatch(b);
    }
    // 2 batches of a, 5 of b
    expect(tags).toEqual(['a', 'a', 'b', 'b', 'b', 'b', 'b']);

    const prop = perTaskSource({ sources, schedule: 'proportional', stepsPerEpoch: 400 });
    let a = 0;
    for await (const step of prop.batches({ batchSize: 5, shuffle: true, seed: 1 })) {
      const b = step as Batch;
      if (b.task === 'a') a++;
      disposeBatch(b);
    }
    // P(a) = 10 / 35 = 0.2857; 400 draws: sd = √(400·0.2857·0.7143) ≈ 9; allow 4 sd
    expect(Math.abs(a - 400 * (10 / 35))).toBeLessThan(36);
  });

  it('is reproducible from the seed and disposes everything on early exit', async () => {
    const src = prefetch(perTaskSource({ sources, schedule: 'round-robin' }), 3);
    const run = async (): Promise<number[]> => {
      const firsts: number[] = [];
      for await (const step of src.batches({ batchSize: 3, shuffle: true, seed: 9 })) {
        const b = step as Batch;
        firsts.push((await (b.inputs as tf.Tensor).data())[0]!);
        disposeBatch(b);
        if (firsts.length === 5) break;
      }
      return firsts;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first.map((v) => (v >= 100 ? 'b' : 'a'))).toEqual(['a', 'b', 'a', 'b', 'a']);
  });

  it('rejects a source without targets for its task', async () => {
    const bad = perTaskSource({ sources: { c: source('a', 4, 0) } });
    await expect(async () => {
      for await (const step of bad.batches({ batchSize: 2, shuffle: false, seed: 1 }))
        (step as Batch[]).forEach(disposeBatch);
    }).rejects.toMatchObject({ code: 'INVALID_DATA' });
  });
});

describe('prefetch', () => {
  it('yields the same batches in the same order and stays ahead by at most bufferSize', async () => {
    let produced = 0;
    const slow: DataSource = {
      tasks: ['t'],
      size: 6,
      async *batches() {
        for (let i = 0; i < 6; i++) {
          produced++;
          yield { inputs: tf.scalar(i), targets: {} };
          await new Promise((r) => setTimeout(r, 1));
        }
      },
    };
    const out: number[] = [];
    let maxAhead = 0;
    for await (const step of prefetch(slow, 2).batches({ batchSize: 1, shuffle: false, seed: 1 })) {
      const b = step as Batch;
      out.push((await (b.inputs as tf.Tensor).data())[0]!);
      await new Promise((r) => setTimeout(r, 5));
      maxAhead = Math.max(maxAhead, produced - out.length);
      disposeBatch(b);
    }
    expect(out).toEqual([0, 1, 2, 3, 4, 5]);
    expect(maxAhead).toBeGreaterThanOrEqual(1); // it did run ahead
    expect(maxAhead).toBeLessThanOrEqual(3); // bufferSize 2 + the one in flight
    expect(() => prefetch(slow, 0)).toThrow(/bufferSize/);
  });
});
