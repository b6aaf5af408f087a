import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import { MultitaskModel, Rng } from '@multitask/core';
import { type Initializer } from '@multitask/core/parts';
import {
  crossStitchBackbone,
  embeddingBagBackbone,
  mlpBackbone,
  multiInputBackbone,
  tabularBackbone,
  textCnnBackbone,
} from '../src/index.ts';
import { embed } from '../src/internal/embedding.ts';
import { accuracy, ceTask, trainModel } from './helpers.ts';

describe('embedding lookup (internal)', () => {
  it('has the same value and gradient as tf.gather (whose gradient is UnsortedSegmentSum)', () => {
    const table = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    const ids = tf.tensor2d(
      [
        [1, 3, 1],
        [0, 2, 2],
      ],
      [2, 3],
      'int32',
    );
    const w = tf.tensor3d([
      [
        [1, 0],
        [0, 1],
        [2, 2],
      ],
      [
        [1, 1],
        [3, 0],
        [0, 5],
      ],
    ]);
    const ours = tf.tidy(() => {
      const f = (t: tf.Tensor) => tf.sum(tf.mul(embed(t as tf.Tensor2D, ids), w));
      return tf.grad(f)(table).arraySync();
    });
    // Row 1 is used twice with weights [1,0] and [2,2] → [3, 2]; row 3 once → [0, 1]; row 0 → [1, 1]; row 2 → [3, 5].
    expect(ours).toEqual([
      [1, 1],
      [3, 2],
      [3, 5],
      [0, 1],
    ]);
    // tfjs's own gather gradient, where the backend has it (wasm lacks UnsortedSegmentSum — the reason for embed).
    if (tf.getBackend() !== 'wasm') {
      const ref = tf.tidy(() => {
        const g = (t: tf.Tensor) =>
          tf.sum(tf.mul(tf.reshape(tf.gather(t, tf.reshape(ids, [-1])), [2, 3, 2]), w));
        return tf.grad(g)(table).arraySync();
      });
      expect(ours).toEqual(ref);
    }
    tf.dispose([table, ids, w]);
  });
});

describe('embeddingBagBackbone', () => {
  it.each(['mean', 'sum', 'max'] as const)('%s-pools non-padding tokens to [batch, dim]', (pooling) => {
    const b = embeddingBagBackbone({ vocabSize: 5, embeddingDim: 3, pooling });
    const ids = tf.tensor2d(
      [
        [1, 2, 0, 0],
        [0, 0, 0, 0],
      ],
      [2, 4],
      'int32',
    );
    const z = b.apply(ids, { training: false }) as tf.Tensor;
    expect(z.shape).toEqual([2, 3]);
    const table = b.trainableVariables[0]!.arraySync() as number[][];
    const expected = [0, 1, 2].map((j) =>
      pooling === 'max'
        ? Math.max(table[1]![j]!, table[2]![j]!)
        : (table[1]![j]! + table[2]![j]!) / (pooling === 'mean' ? 2 : 1),
    );
    const got = z.arraySync() as number[][];
    got[0]!.forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 6));
    expect(got[1]).toEqual([0, 0, 0]); // an all-padding row pools to zeros
    tf.dispose([ids, z]);
    b.dispose();
  });

  it('learns which of 2 token groups dominates a sequence to ≥ 95 % accuracy', () => {
    // tokens 1–10 are "positive", 11–20 "negative"; the label is the majority group of 6 tokens (+ padding).
    const rng = new Rng(6);
    const make = (n: number) => {
      const rows: number[][] = [];
      const ys: number[] = [];
      for (let i = 0; i < n; i++) {
        const pos = rng.int(7);
        if (pos === 3) continue;
        const row = [
          ...Array.from({ length: pos }, () => 1 + rng.int(10)),
          ...Array.from({ length: 6 - pos }, () => 11 + rng.int(10)),
          0,
          0,
        ];
        rows.push(rng.shuffle(row));
        ys.push(pos > 3 ? 1 : 0);
      }
      return { x: tf.tensor2d(rows, undefined, 'int32'), y: tf.tensor1d(ys, 'int32') };
    };
    const train = make(200);
    const test = make(200);
    const model = new MultitaskModel({
      backbone: embeddingBagBackbone({ vocabSize: 21, embeddingDim: 8, units: [8] }),
      tasks: [ceTask('s', 8, 2)],
    });
    const opt = tf.train.adam(0.05);
    trainModel(model, train.x, { s: train.y }, 80, opt);
    const out = model.predict(test.x);
    expect(accuracy(out.s!, test.y)).toBeGreaterThanOrEqual(0.95);
    tf.dispose([train.x, train.y, test.x, test.y, out]);
    opt.dispose();
    model.dispose();
  });
});

describe('tabularBackbone and multiInputBackbone', () => {
  it('tabular embeds categorical columns next to numeric features', () => {
    const b = tabularBackbone({
      numericSize: 2,
      categorical: [{ cardinality: 4, dim: 3 }, { cardinality: 10 }],
      units: [5],
    });
    expect(b.inputNames).toEqual(['numeric', 'categorical']);
    expect(b.trainableVariables.map((v) => v.shape)).toEqual([[4, 3], [10, 6], [2 + 3 + 6, 5], [5]]);
    const numeric = tf.ones([3, 2]);
    const categorical = tf.tensor2d(
      [
        [0, 9],
        [3, 1],
        [2, 2],
      ],
      [3, 2],
      'int32',
    );
    const z = b.apply({ numeric, categorical }, { training: false }) as tf.Tensor;
    expect(z.shape).toEqual([3, 5]);
    expect(() => b.apply({ numeric }, { training: false })).toThrow(
      /input "categorical" must have shape \[batch, 2\], got nothing/,
    );
    tf.dispose([numeric, categorical, z]);
    b.dispose();
  });

  it('tabular learns a label that depends on a category and a number to ≥ 95 % accuracy', () => {
    // label = (category ∈ {1, 4, 6}) XOR (x > 0): needs the embedding and the numeric feature together.
    const rng = new Rng(2);
    const make = (n: number) => {
      const num: number[][] = [];
      const cat: number[][] = [];
      const ys: number[] = [];
      for (let i = 0; i < n; i++) {
        const c = rng.int(8);
        const x = rng.normal();
        num.push([x]);
        cat.push([c]);
        ys.push(Number([1, 4, 6].includes(c)) ^ Number(x > 0));
      }
      return {
        numeric: tf.tensor2d(num),
        categorical: tf.tensor2d(cat, undefined, 'int32'),
        y: tf.tensor1d(ys, 'int32'),
      };
    };
    const train = make(300);
    const test = make(300);
    const model = new MultitaskModel({
      backbone: tabularBackbone({ numericSize: 1, categorical: [{ cardinality: 8, dim: 4 }], units: [16] }),
      tasks: [ceTask('y', 16, 2)],
    });
    const opt = tf.train.adam(0.03);
    trainModel(model, { numeric: train.numeric, categorical: train.categorical }, { y: train.y }, 150, opt);
    const out = model.predict({ numeric: test.numeric, categorical: test.categorical });
    expect(accuracy(out.y!, test.y)).toBeGreaterThanOrEqual(0.95);
    tf.dispose([train.numeric, train.categorical, train.y, test.numeric, test.categorical, test.y, out]);
    opt.dispose();
    model.dispose();
  });

  it('multi-input (numbers + tokens) learns a label that needs both inputs to ≥ 95 % accuracy', () => {
    // label = (x > 0) AND (token 1 occurs): either input alone can reach at most 75 % (both halves are 50/50).
    const rng = new Rng(9);
    const make = (n: number) => {
      const xs: number[][] = [];
      const tokens: number[][] = [];
      const ys: number[] = [];
      for (let i = 0; i < n; i++) {
        const x = rng.normal();
        const has = rng.next() < 0.5;
        const row = Array.from({ length: 5 }, () => 2 + rng.int(6));
        if (has) row[rng.int(5)] = 1;
        xs.push([x, rng.normal()]);
        tokens.push([...row, 0]);
        ys.push(Number(x > 0 && has));
      }
      return {
        a: tf.tensor2d(xs),
        text: tf.tensor2d(tokens, undefined, 'int32'),
        y: tf.tensor1d(ys, 'int32'),
      };
    };
    const train = make(400);
    const test = make(400);
    const backbone = multiInputBackbone({
      branches: {
        a: mlpBackbone({ inputSize: 2, units: [8] }),
        text: embeddingBagBackbone({ vocabSize: 8, embeddingDim: 8, pooling: 'max', units: [8] }),
      },
    });
    const model = new MultitaskModel({ backbone, tasks: [ceTask('y', 16, 2)] });
    const opt = tf.train.adam(0.05);
    trainModel(model, { a: train.a, text: train.text }, { y: train.y }, 150, opt);
    const out = model.predict({ a: test.a, text: test.text });
    expect(accuracy(out.y!, test.y)).toBeGreaterThanOrEqual(0.95);
    tf.dispose([train.a, train.text, train.y, test.a, test.text, test.y, out]);
    opt.dispose();
    model.dispose();
  });

  it('multi-input concatenates branches and names wrong inputs', async () => {
    const b = multiInputBackbone({
      branches: {
        a: mlpBackbone({ inputSize: 2, units: [3] }),
        text: embeddingBagBackbone({ vocabSize: 4, embeddingDim: 2 }),
      },
    });
    expect(b.inputNames).toEqual(['a', 'text']);
    expect(b.outputSize).toBe(5);
    const a = tf.ones([2, 2]);
    const text = tf.tensor2d(
      [
        [1, 2],
        [3, 0],
      ],
      [2, 2],
      'int32',
    );
    const z = b.apply({ a, text }, { training: false }) as tf.Tensor;
    expect(z.shape).toEqual([2, 5]);
    await expectMultitaskError(
      () => b.apply({ a, txt: text }, { training: false }),
      'INVALID_DATA',
      /missing: text; unknown: txt/,
    );
    expect(() => b.apply(a, { training: false })).toThrow(/takes named inputs \(a, text\)/);
    const model = new MultitaskModel({ backbone: b, tasks: [ceTask('t', 5, 2)] });
    expect(() => model.predict({ a })).toThrow(/missing: text/);
    tf.dispose([a, text, z]);
    model.dispose();
  });
});

describe('initializer option of the MLP layers', () => {
  it.each([
    {
      kind: 'embedding-bag',
      make: (o: { initializer?: Initializer }) =>
        embeddingBagBackbone({ vocabSize: 5, embeddingDim: 3, units: [4], ...o }),
    },
    {
      kind: 'tabular',
      make: (o: { initializer?: Initializer }) =>
        tabularBackbone({ numericSize: 2, categorical: [{ cardinality: 3, dim: 2 }], units: [4], ...o }),
    },
    {
      kind: 'text-cnn',
      make: (o: { initializer?: Initializer }) =>
        textCnnBackbone({ vocabSize: 5, embeddingDim: 3, kernelSizes: [2], filters: 2, units: [4], ...o }),
    },
    {
      kind: 'cross-stitch',
      make: (o: { initializer?: Initializer }) =>
        crossStitchBackbone({ inputSize: 3, tasks: ['a', 'b'], units: [4], ...o }),
    },
  ])(
    '$kind: pytorch gives the dense layers non-zero biases, the default zero ones; the config keeps it',
    ({ make }) => {
      const dense = (b: { trainableVariables: readonly tf.Variable[] }) =>
        b.trainableVariables
          .filter((v) => v.shape.length === 1 && v.shape[0] === 4)
          .map((v) => Array.from(v.dataSync()));
      const dflt = make({});
      const torch = make({ initializer: 'pytorch' });
      expect(dense(dflt).length).toBeGreaterThan(0);
      dense(dflt).forEach((b) => expect(b.every((v) => v === 0)).toBe(true));
      dense(torch).forEach((b) => expect(b.some((v) => v !== 0)).toBe(true));
      expect(torch.getConfig().options).toMatchObject({ initializer: 'pytorch' });
      expect(dflt.getConfig().options).toMatchObject({ initializer: 'glorot-uniform' });
      [dflt, torch].forEach((b) => b.dispose());
    },
  );
});
