import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import { createRegistry, MultitaskModel, type Backbone } from '@multitask/core';
import {
  builtinBackbones,
  cgcBackbone,
  crossStitchBackbone,
  embeddingBagBackbone,
  multiInputBackbone,
  resnetBackbone,
  tabularBackbone,
  freeze,
  loadModelFrom,
  mlpBackbone,
  mmoeBackbone,
  multiLeNetBackbone,
  saveModelTo,
  type ModelFactories,
} from '../src/index.ts';
import { loadModel, saveModel } from '../src/node/index.ts';
import { ceTask, mseTask, testTaskFactories } from './helpers.ts';

const factories: ModelFactories = { backbones: builtinBackbones, tasks: testTaskFactories };

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mt-backbones-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function modelWith(backbone: Backbone): MultitaskModel {
  const z = backbone.outputSize!;
  return new MultitaskModel({ backbone, tasks: [ceTask('cls', z, 3, 7), mseTask('reg', z, 2, 8)] });
}

const predictions = (m: MultitaskModel, x: tf.Tensor | Record<string, tf.Tensor>) => {
  const out = m.predict(x);
  const v = Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.dataSync())]));
  tf.dispose(out);
  return v;
};

describe('saveModel / loadModel (Node directory)', () => {
  it.each([
    { name: 'mlp', make: () => mlpBackbone({ inputSize: 6, units: [8, 5], seed: 3 }), shape: [4, 6] },
    {
      name: 'multi-lenet',
      make: () => multiLeNetBackbone({ inputShape: [28, 28, 1], seed: 3 }),
      shape: [2, 28, 28, 1],
    },
    {
      name: 'resnet',
      make: () => resnetBackbone({ inputShape: [6, 6, 2], widths: [3, 4], seed: 3 }),
      shape: [2, 6, 6, 2],
    },
    {
      name: 'mmoe',
      make: () => mmoeBackbone({ inputSize: 6, tasks: ['cls', 'reg'], seed: 3 }),
      shape: [4, 6],
    },
    { name: 'cgc', make: () => cgcBackbone({ inputSize: 6, tasks: ['cls', 'reg'], seed: 3 }), shape: [4, 6] },
    {
      name: 'cross-stitch',
      make: () => crossStitchBackbone({ inputSize: 6, tasks: ['cls', 'reg'], units: [4], seed: 3 }),
      shape: [4, 6],
    },
  ])('$name round-trips with identical predictions', async ({ name, make, shape }) => {
    const model = modelWith(make());
    // Move the weights away from their seeded initial values, so a load that rebuilt from config alone fails.
    for (const v of model.trainableVariables) {
      const moved = tf.tidy(() => tf.add(v, tf.randomNormal(v.shape, 0, 0.1, 'float32', 42)));
      v.assign(moved);
      moved.dispose();
    }
    const x = tf.randomNormal(shape, 0, 1, 'float32', 9);
    // Also move the batch-norm moving statistics (resnet) away from their initial values.
    tf.tidy(() => {
      model.forward(x, { training: true, updateStatistics: true });
    });
    const dir = join(root, name);
    await saveModel(model, dir);
    const loaded = await loadModel(dir, factories);
    expect((loaded.backbone.nonTrainableVariables ?? []).map((v) => Array.from(v.dataSync()))).toEqual(
      (model.backbone.nonTrainableVariables ?? []).map((v) => Array.from(v.dataSync())),
    );
    expect(predictions(loaded, x)).toEqual(predictions(model, x));
    expect(loaded.backbone.getConfig()).toEqual(model.backbone.getConfig());
    expect(loaded.taskNames).toEqual(['cls', 'reg']);
    x.dispose();
    model.dispose();
    loaded.dispose();
  });

  it('multi-input (mlp + embedding-bag) and tabular round-trip with identical predictions', async () => {
    const multi = modelWith(
      multiInputBackbone({
        branches: {
          num: mlpBackbone({ inputSize: 3, units: [4], seed: 2 }),
          text: embeddingBagBackbone({ vocabSize: 7, embeddingDim: 2, seed: 4 }),
        },
      }),
    );
    const table = modelWith(
      tabularBackbone({ numericSize: 1, categorical: [{ cardinality: 5, dim: 2 }], units: [3], seed: 3 }),
    );
    const text = tf.tensor2d(
      [
        [1, 6, 0],
        [2, 2, 3],
      ],
      [2, 3],
      'int32',
    );
    const num = tf.randomNormal([2, 3], 0, 1, 'float32', 1);
    const numeric = tf.randomNormal([2, 1], 0, 1, 'float32', 2);
    const categorical = tf.tensor2d([[4], [0]], [2, 1], 'int32');
    for (const [model, x] of [
      [multi, { num, text }],
      [table, { numeric, categorical }],
    ] as const) {
      const dir = join(root, model.backbone.name);
      await saveModel(model, dir);
      const loaded = await loadModel(dir, factories);
      expect(loaded.backbone.inputNames).toEqual(model.backbone.inputNames);
      expect(predictions(loaded, x as never)).toEqual(predictions(model, x as never));
      loaded.dispose();
    }
    tf.dispose([text, num, numeric, categorical]);
    multi.dispose();
    table.dispose();
  });

  it('overwrites an existing directory atomically and keeps frozen flags', async () => {
    const model = modelWith(mlpBackbone({ inputSize: 3, units: [4] }));
    const dir = join(root, 'overwrite');
    await saveModel(model, dir);
    freeze(model.backbone);
    await saveModel(model, dir);
    const loaded = await loadModel(dir, {
      backbones: createRegistry('backbone', builtinBackbones),
      tasks: factories.tasks,
    });
    expect(loaded.backbone.trainableVariables.every((v) => !v.trainable)).toBe(true);
    expect(loaded.trainableVariables).toHaveLength(4);
    model.dispose();
    loaded.dispose();
  });

  it('names the file when model.json or the weights are missing, truncated or corrupted', async () => {
    const model = modelWith(mlpBackbone({ inputSize: 3, units: [4] }));
    const dir = join(root, 'broken');
    await saveModel(model, dir);
    const bin = join(dir, 'weights.bin');
    const good = await readFile(bin);
    const flipped = Buffer.from(good);
    flipped[10] = flipped[10]! ^ 0xff;
    await writeFile(bin, flipped);
    await expectMultitaskError(() => loadModel(dir, factories), 'IO_ERROR', /weights\.bin is corrupted/);
    await writeFile(bin, good.subarray(0, 20));
    await expectMultitaskError(() => loadModel(dir, factories), 'IO_ERROR', /weights\.bin.*hold 20 bytes/);
    await rm(bin);
    await expectMultitaskError(
      () => loadModel(dir, factories),
      'IO_ERROR',
      /weights file .*weights\.bin .* is missing/,
    );
    await writeFile(join(dir, 'model.json'), '{ "format": ');
    await expectMultitaskError(() => loadModel(dir, factories), 'IO_ERROR', /model\.json is not valid JSON/);
    await expectMultitaskError(
      () => loadModel(join(root, 'nowhere'), factories),
      'IO_ERROR',
      /nowhere.*model\.json/,
    );
    model.dispose();
  });

  it('rejects an unknown part type and a weight of the wrong shape, naming the part', async () => {
    const model = modelWith(mlpBackbone({ inputSize: 3, units: [4] }));
    const dir = join(root, 'mismatch');
    await saveModel(model, dir);
    await expectMultitaskError(
      () => loadModel(dir, { backbones: {}, tasks: factories.tasks }),
      'UNKNOWN_NAME',
      /backbone type "mlp"/,
    );
    await expectMultitaskError(
      () => loadModel(dir, { backbones: factories.backbones, tasks: {} }),
      'UNKNOWN_NAME',
      /task "cls".*"classification"/,
    );
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    json.modelTopology.backbone.options.inputSize = 2;
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await expectMultitaskError(
      () => loadModel(dir, factories),
      'CHECKPOINT_ERROR',
      /"backbone\/0" of the backbone "mlp" has shape \[3, 4\].*expects \[2, 4\]/,
    );
    model.dispose();
  });
});

describe('saveModelTo / loadModelFrom (tfjs IO handlers)', () => {
  it('round-trips through an in-memory handler', async () => {
    const model = modelWith(mmoeBackbone({ inputSize: 4, tasks: ['cls', 'reg'], seed: 5 }));
    let saved: tf.io.ModelArtifacts | undefined;
    await saveModelTo(
      model,
      tf.io.withSaveHandler((a) => {
        saved = a;
        return Promise.resolve({
          modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' as const },
        });
      }),
    );
    expect(saved?.format).toBe('multitask-model');
    const loaded = await loadModelFrom(tf.io.fromMemory(saved!), factories);
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 2);
    expect(predictions(loaded, x)).toEqual(predictions(model, x));
    await expectMultitaskError(
      () => saveModelTo(model, 'nosuchscheme://x'),
      'IO_ERROR',
      /No tfjs IO handler can save "nosuchscheme:\/\/x"/,
    );
    x.dispose();
    model.dispose();
    loaded.dispose();
  });
});
