import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { Backbone } from '@multitask/core';
import { testBackendName } from '@multitask/test-utils';
import { embeddingBagBackbone, mlpBackbone, tabularBackbone, textCnnBackbone } from '../src/index.ts';

/**
 * The trunks that end in dense layers draw their weights and dropout masks in a fixed order. Recorded at
 * 5f3de70, before they shared one dense-tail helper: the initial weights, two training forwards (dropout 0.3,
 * no seed stream, so the trunk's own dropout stream) and one inference forward must stay bit-identical (on cpu).
 */
const sha = (arrays: readonly ArrayLike<number>[]): string => {
  const h = createHash('sha256');
  for (const a of arrays) h.update(new Uint8Array(Float32Array.from(a).buffer));
  return h.digest('hex').slice(0, 16);
};

function fingerprint(backbone: Backbone, inputs: Parameters<Backbone['apply']>[0]): string[] {
  const weights = sha(backbone.trainableVariables.map((v) => v.dataSync()));
  const forward = (training: boolean): string => {
    const z = backbone.apply(inputs, { training }) as tf.Tensor;
    const out = sha([z.dataSync()]);
    z.dispose();
    return out;
  };
  return [weights, forward(true), forward(true), forward(false)];
}

describe('dense-ending trunks: weights and dropout draws (pinned)', () => {
  const common = { units: [5, 4], dropout: 0.3, seed: 3 } as const;
  const tokenIds = (): tf.Tensor => tf.tensor2d([1, 4, 8, 0, 2, 2, 0, 0, 7, 5, 3, 6], [3, 4], 'int32');
  const cases: [string, () => Backbone, () => Parameters<Backbone['apply']>[0], string[]][] = [
    [
      'mlp',
      () => mlpBackbone({ inputSize: 6, ...common }),
      () =>
        tf.tensor2d(
          Array.from({ length: 18 }, (_, i) => Math.sin(i)),
          [3, 6],
        ),
      ['f1b464a42cff9063', '7e65a7f8d5a12174', 'c482b4b4ed01c650', 'df6bd30084f933f5'],
    ],
    [
      'embedding-bag',
      () => embeddingBagBackbone({ vocabSize: 9, embeddingDim: 3, ...common }),
      tokenIds,
      ['9a10f96bb7a13e4b', '973ec473292a821c', '98e3f199474bb0d8', '13ea050bb6ec6b67'],
    ],
    [
      'text-cnn',
      () => textCnnBackbone({ vocabSize: 9, embeddingDim: 3, kernelSizes: [2, 3], filters: 2, ...common }),
      tokenIds,
      ['7620c4ae04114a22', 'e14ce9895b440c6d', 'cbdaed019b0be68e', 'e8d29664b5f7651d'],
    ],
    [
      'tabular',
      () => tabularBackbone({ numericSize: 2, categorical: [{ cardinality: 4, dim: 2 }], ...common }),
      () => ({
        numeric: tf.tensor2d([0.5, -1, 2, 0.25, -0.75, 1.5], [3, 2]),
        categorical: tf.tensor2d([[0], [3], [1]], [3, 1], 'int32'),
      }),
      ['e33194c4729a8e9f', 'c4d16391ad81293d', 'b4f1ac1457dc9f6d', 'ae19fb6fea197bca'],
    ],
  ];
  it.each(cases)('%s', (_name, make, input, expected) => {
    const before = tf.memory().numTensors;
    const backbone = make();
    const inputs = input();
    const got = fingerprint(backbone, inputs);
    tf.dispose(inputs instanceof tf.Tensor ? inputs : Object.values(inputs as Record<string, tf.Tensor>));
    backbone.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // The forward passes are pinned on cpu; wasm and tensorflow round differently in the last bits, so there
    // only the initial weights (drawn in JavaScript) are compared.
    expect(testBackendName() === 'cpu' ? got : got.slice(0, 1)).toEqual(
      testBackendName() === 'cpu' ? expected : expected.slice(0, 1),
    );
  });
});
