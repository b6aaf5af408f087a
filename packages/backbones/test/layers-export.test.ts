import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { MultitaskModel } from '@multitask/core';
import {
  cgcBackbone,
  crossStitchBackbone,
  embeddingBagBackbone,
  mlpBackbone,
  mmoeBackbone,
  multiInputBackbone,
  multiLeNetBackbone,
  resnetBackbone,
} from '../src/index.ts';
import { exportLayersModel } from '../src/layers/index.ts';
import { fileSystemHandler } from '../src/node/index.ts';
import { ceTask, mseTask, towerTask } from './helpers.ts';

const values = (t: tf.Tensor | tf.Tensor[]) =>
  (Array.isArray(t) ? t : [t]).map((x) => Array.from(x.dataSync()));

/** Saves through an in-memory save handler and loads back with tfjs-layers alone (no multitask code on that path). */
async function roundTrip(layers: tfl.LayersModel): Promise<tfl.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await layers.save(
    tf.io.withSaveHandler((a) => {
      artifacts = a;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
  expect((artifacts!.modelTopology as { class_name: string }).class_name).toBe('Model');
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
}

/**
 * Exports `model` (all tasks, then `subset` alone), round-trips both through save/load, and checks that the
 * reloaded models predict what `model.predict` does on `inputs`, to 1e-5 per element, for every task.
 */
async function expectSamePredictions(
  model: MultitaskModel,
  inputs: tf.Tensor | Record<string, tf.Tensor>,
  subset: string,
): Promise<void> {
  const feed = inputs instanceof tf.Tensor ? inputs : Object.values(inputs);
  for (const tasks of [model.taskNames, [subset]]) {
    const expected = model.predict(inputs, tasks);
    const exported = exportLayersModel(model, { tasks });
    const reloaded = await roundTrip(exported);
    expect(reloaded.outputNames).toEqual(tasks);
    const got = reloaded.predict(feed);
    const gotList = Array.isArray(got) ? got : [got];
    expect(gotList).toHaveLength(tasks.length);
    tasks.forEach((t, i) => {
      expect(gotList[i]!.shape).toEqual(expected[t]!.shape);
      const want = values(expected[t]!)[0]!;
      const have = values(gotList[i]!)[0]!;
      const worst = Math.max(...have.map((v, j) => Math.abs(v - want[j]!)));
      expect(worst, `task ${t} (exporting ${tasks.join(', ')})`).toBeLessThan(1e-5);
    });
    tf.dispose([Object.values(expected), gotList]);
    exported.dispose();
    reloaded.dispose();
  }
}

/** Overwrites the rank-1 trainable variables (batch-norm γ, β) and every moving statistic with seeded values. */
function perturbBatchNorms(model: MultitaskModel, seed: number): void {
  const trainable = model.backbone.trainableVariables.filter((v) => v.rank === 1);
  const stats = model.backbone.nonTrainableVariables ?? [];
  tf.tidy(() => {
    trainable.forEach((v, i) => v.assign(tf.randomUniform(v.shape, 0.5, 1.5, 'float32', seed + i)));
    stats.forEach((v, i) =>
      // Even entries are moving means (any sign), odd ones moving variances (positive).
      v.assign(
        i % 2 === 0
          ? tf.randomNormal(v.shape, 0, 0.5, 'float32', seed + 100 + i)
          : tf.randomUniform(v.shape, 0.3, 2, 'float32', seed + 100 + i),
      ),
    );
  });
}

describe('exportLayersModel', () => {
  it('mlp + heads: the tfjs-layers model saved to disk and reloaded with tf.loadLayersModel predicts the same', async () => {
    const model = new MultitaskModel({
      backbone: mlpBackbone({ inputSize: 4, units: [6, 5], activation: 'tanh', seed: 2 }),
      tasks: [ceTask('cls', 5, 3), mseTask('reg', 5, 2), towerTask('tower', 5, 4, 3)],
    });
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 1);
    const expected = model.predict(x);
    const layers = exportLayersModel(model);
    const dir = await mkdtemp(join(tmpdir(), 'mt-export-'));
    await layers.save(fileSystemHandler(dir));
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    const reloaded = await tfl.loadLayersModel(fileSystemHandler(dir));
    const got = reloaded.predict(x) as tf.Tensor[];
    const want = ['cls', 'reg', 'tower'].map((t) => values(expected[t]!)[0]!);
    values(got).forEach((v, i) => v.forEach((a, j) => expect(a).toBeCloseTo(want[i]![j]!, 5)));
    tf.dispose([x, expected, got]);
    layers.dispose();
    reloaded.dispose();
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('multi-lenet + one task path, with softmax on the classification output', () => {
    const model = new MultitaskModel({
      backbone: multiLeNetBackbone({ inputShape: [28, 28, 1], seed: 3 }),
      tasks: [ceTask('a', 50, 10), mseTask('b', 50)],
    });
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 4);
    const logits = model.predict(x, ['a']);
    const layers = exportLayersModel(model, { tasks: ['a'], softmax: true });
    expect(layers.outputs).toHaveLength(1);
    const probs = layers.predict(x) as tf.Tensor;
    const want = tf.softmax(logits.a!);
    values(probs)[0]!.forEach((v, i) => expect(v).toBeCloseTo(values(want)[0]![i]!, 5));
    tf.dispose([x, logits, probs, want]);
    layers.dispose();
    model.dispose();
  });

  it('mmoe (two-layer experts) + heads round-trip through save/load and predict the same, also for one task', async () => {
    const model = new MultitaskModel({
      backbone: mmoeBackbone({
        inputSize: 5,
        tasks: ['a', 'b'],
        numExperts: 3,
        expertUnits: [6, 4],
        activation: 'tanh',
        seed: 5,
      }),
      tasks: [ceTask('a', 4, 3, 2), towerTask('b', 4, 3, 7)],
    });
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 11);
    await expectSamePredictions(model, x, 'b');
    tf.dispose(x);
    model.dispose();
  });

  it('leaky-relu (a LeakyReLU layer after a linear dense, α = 0.2) exports for mlp and mmoe', async () => {
    for (const backbone of [
      mlpBackbone({ inputSize: 5, units: [6, 4], activation: 'leaky-relu', seed: 8 }),
      mmoeBackbone({
        inputSize: 5,
        tasks: ['a', 'b'],
        numExperts: 2,
        expertUnits: [4],
        activation: 'leaky-relu',
        seed: 8,
      }),
    ]) {
      const model = new MultitaskModel({ backbone, tasks: [ceTask('a', 4, 3, 2), towerTask('b', 4, 3, 7)] });
      // Push every bias negative so that many pre-activations are < 0 and the leak matters.
      tf.tidy(() => {
        for (const v of backbone.trainableVariables.filter((w) => w.rank === 1))
          v.assign(tf.fill(v.shape, -0.5));
      });
      const x = tf.randomNormal([6, 5], 0, 1, 'float32', 12);
      await expectSamePredictions(model, x, 'a');
      const exported = exportLayersModel(model);
      // mlp: one per layer (2); mmoe: one per expert layer (2 experts × 1 layer).
      expect(exported.layers.filter((l) => l.getClassName() === 'LeakyReLU')).toHaveLength(2);
      exported.dispose();
      tf.dispose(x);
      model.dispose();
    }
  });

  it('mmoe with a single expert (no stacking) predicts the same', async () => {
    const model = new MultitaskModel({
      backbone: mmoeBackbone({ inputSize: 3, tasks: ['a', 'b'], numExperts: 1, expertUnits: [4], seed: 6 }),
      tasks: [mseTask('a', 4, 2, 3), mseTask('b', 4, 1, 4)],
    });
    const x = tf.randomNormal([3, 3], 0, 1, 'float32', 12);
    await expectSamePredictions(model, x, 'a');
    tf.dispose(x);
    model.dispose();
  });

  it('cgc: shared and task-owned experts round-trip and predict the same; a one-task export holds only its experts', async () => {
    const model = new MultitaskModel({
      backbone: cgcBackbone({
        inputSize: 5,
        tasks: ['a', 'b', 'c'],
        numSharedExperts: 2,
        numTaskExperts: 2,
        expertUnits: [6, 4],
        seed: 8,
      }),
      tasks: [ceTask('a', 4, 3, 2), mseTask('b', 4, 2, 3), towerTask('c', 4, 3, 9)],
    });
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 13);
    await expectSamePredictions(model, x, 'b');
    const one = exportLayersModel(model, { tasks: ['b'] });
    // (2 shared + 2 own experts) × 2 layers × (kernel, bias) + gate (kernel, bias) + head (kernel, bias) = 20.
    expect(one.getWeights()).toHaveLength(20);
    one.dispose();
    tf.dispose(x);
    model.dispose();
  });

  it('resnet in inference mode (moving statistics, stride-2 same padding on odd and even sizes, projections) predicts the same', async () => {
    const model = new MultitaskModel({
      backbone: resnetBackbone({
        inputShape: [9, 8, 2],
        widths: [3, 4, 5],
        blocksPerStage: 2,
        momentum: 0.8,
        seed: 4,
      }),
      tasks: [ceTask('a', 5, 3, 2), towerTask('b', 5, 3, 6)],
    });
    perturbBatchNorms(model, 40);
    const x = tf.randomNormal([2, 9, 8, 2], 0, 1, 'float32', 14);
    await expectSamePredictions(model, x, 'a');
    const exported = exportLayersModel(model);
    const bn = exported.layers.find((l) => l.getClassName() === 'BatchNormalization')!;
    expect((bn.getConfig() as { epsilon: number }).epsilon).toBe(1e-3);
    exported.dispose();
    tf.dispose(x);
    model.dispose();
  });

  it('multi-input (mlp, resnet and mlp branches): one input per name, in branch order, predicts the same', async () => {
    const model = new MultitaskModel({
      backbone: multiInputBackbone({
        branches: {
          meta: mlpBackbone({ inputSize: 3, units: [4], seed: 2 }),
          image: resnetBackbone({ inputShape: [6, 6, 1], widths: [2, 3], seed: 3 }),
          extra: mlpBackbone({ inputSize: 2, units: [5, 2], activation: 'elu', seed: 4 }),
        },
      }),
      tasks: [ceTask('a', 9, 3, 2), mseTask('b', 9, 1, 5)],
    });
    perturbBatchNorms(model, 50);
    const inputs = {
      meta: tf.randomNormal([3, 3], 0, 1, 'float32', 15),
      image: tf.randomNormal([3, 6, 6, 1], 0, 1, 'float32', 16),
      extra: tf.randomNormal([3, 2], 0, 1, 'float32', 17),
    };
    await expectSamePredictions(model, inputs, 'b');
    const exported = exportLayersModel(model);
    expect(exported.inputNames).toEqual(['meta', 'image', 'extra']);
    exported.dispose();
    tf.dispose(Object.values(inputs));
    model.dispose();
  });

  it('refuses backbones it cannot express, listing exactly the supported ones', () => {
    const model = new MultitaskModel({
      backbone: crossStitchBackbone({ inputSize: 2, tasks: ['a'], units: [2] }),
      tasks: [ceTask('a', 2, 2)],
    });
    expect(() => exportLayersModel(model)).toThrow(
      'exportLayersModel supports the mlp, multi-lenet, resnet, mmoe, cgc, multi-input backbones (multi-input with ' +
        'mlp, multi-lenet, resnet branches), not "cross-stitch"',
    );
    model.dispose();
  });

  it('refuses a multi-input branch it cannot express, without leaking the layers built before it', () => {
    const model = new MultitaskModel({
      backbone: multiInputBackbone({
        branches: {
          meta: mlpBackbone({ inputSize: 3, units: [4] }),
          words: embeddingBagBackbone({ vocabSize: 10, embeddingDim: 3 }),
        },
      }),
      tasks: [ceTask('a', 7, 2)],
    });
    const before = tf.memory().numTensors;
    expect(() => exportLayersModel(model)).toThrow(
      /branch "words" of the multi-input backbone is a "embedding-bag" backbone/,
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
