import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { MultitaskModel } from '@multitask/core';
import { crossStitchBackbone, mlpBackbone, multiLeNetBackbone } from '../src/index.ts';
import { exportLayersModel } from '../src/layers/index.ts';
import { fileSystemHandler } from '../src/node/index.ts';
import { ceTask, mseTask, towerTask } from './helpers.ts';

const values = (t: tf.Tensor | tf.Tensor[]) => (Array.isArray(t) ? t : [t]).map((x) => Array.from(x.dataSync()));

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

  it('refuses backbones it cannot express', () => {
    const model = new MultitaskModel({ backbone: crossStitchBackbone({ inputSize: 2, tasks: ['a'], units: [2] }), tasks: [ceTask('a', 2, 2)] });
    expect(() => exportLayersModel(model)).toThrow(/supports the mlp and multi-lenet backbones, not "cross-stitch"/);
    model.dispose();
  });
});
