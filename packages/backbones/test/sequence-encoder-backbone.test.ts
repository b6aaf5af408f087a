import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  isMultitaskError,
  maskedMean,
  MultitaskModel,
  representationSize,
  Rng,
  type Head,
  type Task,
} from '@multitask/core';
import {
  sequenceEncoderBackbone,
  type SequenceEncoderBackbone,
  type SequenceEncoderBackboneOptions,
} from '../src/index.ts';
import { linearHead, trainModel } from './helpers.ts';

const base: SequenceEncoderBackboneOptions = {
  features: [
    { name: 'words', vocabSize: 12, dim: 6 },
    { name: 'shapes', vocabSize: 4, dim: 2 },
  ],
  tasks: ['tag', 'kind'],
  sequenceTasks: ['kind'],
  convLayers: 2,
  filters: 8,
  seed: 3,
};

function expectError(f: () => unknown, code: string, text: RegExp): void {
  try {
    f();
    expect.unreachable();
  } catch (e) {
    expect(isMultitaskError(e) ? e.code : e).toBe(code);
    expect(String(e)).toMatch(text);
  }
}

/** Seeded random values in every variable (biases too, so a masking bug cannot hide behind zeros). */
function randomise(vars: readonly tf.Variable[], seed: number): void {
  vars.forEach((v, i) => {
    const t = tf.randomUniform(v.shape, -0.5, 0.5, 'float32', seed + i);
    v.assign(t);
    t.dispose();
  });
}

/** Rows of ids padded with 0 to `length`. */
function ids(rows: number[][], length: number): tf.Tensor2D {
  return tf.tensor2d(
    rows.flatMap((r) => [...r, ...new Array<number>(length - r.length).fill(0)]),
    [rows.length, length],
    'int32',
  );
}

function inputsOf(rows: number[][], length: number): Record<string, tf.Tensor2D> {
  return {
    words: ids(rows, length),
    shapes: ids(
      rows.map((r) => r.map((w) => 1 + (w % 3))),
      length,
    ),
  };
}

/** Each task's representation through `apply` and through `applyShared`: kind, kind, tag, tag. */
function bothWays(b: SequenceEncoderBackbone, x: Record<string, tf.Tensor2D>): tf.Tensor[] {
  const rep = b.apply(x, { training: false }) as Record<string, tf.Tensor>;
  const shared = b.applyShared(x, { training: false });
  return [rep.kind!, shared.forTask(shared.shared, 'kind'), rep.tag!, shared.forTask(shared.shared, 'tag')];
}

describe('sequenceEncoderBackbone', () => {
  it('gives token tasks [batch, length, d] and sequence tasks [batch, d], one trunk', () => {
    const b = sequenceEncoderBackbone(base);
    expect(b.outputSize).toBe(8);
    expect(b.inputNames).toEqual(['words', 'shapes']);
    expect(b.tokenTasks).toEqual(['tag']);
    const x = inputsOf([[1, 2, 3], [4]], 5);
    const rep = b.apply(x, { training: false }) as Record<string, tf.Tensor>;
    expect(rep.tag!.shape).toEqual([2, 5, 8]);
    expect(rep.kind!.shape).toEqual([2, 8]);
    const gru = sequenceEncoderBackbone({ ...base, gruUnits: 5 });
    expect(gru.outputSize).toBe(10);
    const rg = gru.apply(x, { training: false }) as Record<string, tf.Tensor>;
    expect(rg.tag!.shape).toEqual([2, 5, 10]);
    // Padding positions are exactly 0.
    expect(
      (rep.tag!.arraySync() as number[][][])[1]!
        .slice(1)
        .flat()
        .every((v) => v === 0),
    ).toBe(true);
    tf.dispose([...Object.values(x), ...Object.values(rep), ...Object.values(rg)]);
    b.dispose();
    gru.dispose();
  });

  it.each([
    ['conv + mean', {}],
    ['conv + max', { pooling: 'max' as const }],
    ['conv + BiGRU', { gruUnits: 4 }],
    ['embeddings + BiGRU', { convLayers: 0, gruUnits: 3 }],
    ['conv + pooled embeddings', { poolSource: 'both' as const }],
    ['pooled embeddings only, max', { poolSource: 'embeddings' as const, pooling: 'max' as const }],
  ])('does not depend on how much padding the batch has (%s)', (_, extra) => {
    const b = sequenceEncoderBackbone({ ...base, ...extra });
    randomise(b.trainableVariables, 11);
    const rows = [[3, 1, 4, 1, 5], [9, 2], [6]];
    const tight = inputsOf(rows, 5);
    const loose = inputsOf(rows, 9);
    const a = b.apply(tight, { training: false }) as Record<string, tf.Tensor>;
    const c = b.apply(loose, { training: false }) as Record<string, tf.Tensor>;
    const at = a.tag!.arraySync() as number[][][];
    const ct = c.tag!.arraySync() as number[][][];
    rows.forEach((r, i) => {
      for (let j = 0; j < r.length; j++)
        for (let k = 0; k < b.outputSize; k++) expect(ct[i]![j]![k]).toBeCloseTo(at[i]![j]![k]!, 5);
      for (let j = r.length; j < 9; j++) expect(ct[i]![j]!.every((v) => v === 0)).toBe(true);
    });
    const ak = a.kind!.arraySync() as number[][];
    const ck = c.kind!.arraySync() as number[][];
    ak.forEach((row, i) => row.forEach((v, k) => expect(ck[i]![k]).toBeCloseTo(v, 5)));
    tf.dispose([...Object.values(tight), ...Object.values(loose), ...Object.values(a), ...Object.values(c)]);
    b.dispose();
  });

  it('pools the mean of the real tokens; applyShared splits the same tensor per task', () => {
    const b = sequenceEncoderBackbone(base);
    randomise(b.trainableVariables, 5);
    const x = inputsOf(
      [
        [1, 2, 3],
        [7, 8],
      ],
      4,
    );
    const out = tf.tidy(() => {
      const { tokens, mask } = b.encode(x, { training: false });
      const manual = tf.div(tf.sum(tokens, 1), tf.reshape(tf.sum(mask, 1), [2, 1]));
      return [manual, ...bothWays(b, x)].map((t) => t.arraySync());
    });
    expect(out[1]).toEqual(out[2]);
    expect(out[3]).toEqual(out[4]);
    (out[0] as number[][]).forEach((row, i) =>
      row.forEach((v, k) => expect((out[1] as number[][])[i]![k]).toBeCloseTo(v, 5)),
    );
    tf.dispose(Object.values(x));
    b.dispose();
  });

  it.each([
    ['both', 8 + 8],
    ['embeddings', 8],
  ] as const)(
    'poolSource %s: sentence tasks pool the input embeddings (sizes through representationSize)',
    (source, size) => {
      const before = tf.memory().numTensors;
      const b = sequenceEncoderBackbone({ ...base, poolSource: source, dropout: 0.5 });
      randomise(b.trainableVariables, 7);
      expect(b.outputSize).toBe(8);
      expect(b.outputSizes).toEqual({ kind: size });
      expect([representationSize(b, 'tag'), representationSize(b, 'kind')]).toEqual([8, size]);
      expect(b.getConfig().options).toMatchObject({ poolSource: source });
      const rows = [[1, 2, 3], [7, 8], [11]];
      const x = inputsOf(rows, 4);
      const [words, shapes] = b.trainableVariables as [tf.Variable, tf.Variable];
      const out = tf.tidy(() => {
        // By hand: the mean over each row's real tokens of [word embedding, shape embedding].
        const perRow = rows.map((r) => {
          const w = tf.gather(words, tf.tensor1d(r, 'int32'));
          const sh = tf.gather(
            shapes,
            tf.tensor1d(
              r.map((v) => 1 + (v % 3)),
              'int32',
            ),
          );
          return tf.mean(tf.concat([w, sh], 1), 0);
        });
        const manualEmb = tf.stack(perRow) as tf.Tensor2D;
        const { tokens, mask } = b.encode(x, { training: false });
        const manualTok = tf.div(tf.sum(tokens, 1), tf.reshape(tf.sum(mask, 1), [3, 1]));
        const manual = source === 'both' ? tf.concat([manualTok, manualEmb], 1) : manualEmb;
        expect(b.applyShared(x, { training: false }).shared.shape).toEqual([3, 4, 16]);
        return [manual, ...bothWays(b, x), tokens].map((t) => t.arraySync());
      });
      expect((out[1] as number[][])[0]).toHaveLength(size);
      expect(out[1]).toEqual(out[2]);
      expect(out[3]).toEqual(out[4]);
      expect(out[3]).toEqual(out[5]); // token tasks still get the encoder's output alone
      (out[0] as number[][]).forEach((row, i) =>
        row.forEach((v, k) => expect((out[1] as number[][])[i]![k]).toBeCloseTo(v, 5)),
      );
      // A head left without inputSize is built for the sentence representation's size.
      const model = new MultitaskModel({
        backbone: b,
        tasks: [
          { name: 'tag', head: tokenHead(8, 3, 1), loss: (p) => tf.mean(p) },
          { name: 'kind', head: lazyHead(2), loss: (p) => tf.mean(p) },
        ],
      });
      expect(model.task('kind').head.inputSize).toBe(size);
      // Training mode: the sentence vector sees the same dropout as the trunk, and the genre loss reaches the
      // embedding tables through the pooled path.
      const g = tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const rep = b.apply(x, { training: true }) as Record<string, tf.Tensor>;
          return tf.sum<tf.Scalar>(tf.square(tf.slice(rep.kind!, [0, size - 8], [3, 8])));
        }, [words]);
        return tf.sum(tf.abs(grads[words.name]!)).dataSync()[0]!;
      });
      expect(g).toBeGreaterThan(0);
      tf.dispose(Object.values(x));
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('has the gradients of a one-hot embedding (repeated ids summed) and tf.conv1d', () => {
    const b = sequenceEncoderBackbone({ ...base, convLayers: 1 });
    randomise(b.trainableVariables, 2);
    const x = inputsOf(
      [
        [1, 1, 5, 1],
        [5, 11],
      ],
      4,
    );
    const table = b.trainableVariables[0]!;
    const w = tf.tidy(() => tf.randomNormal([2, 4, 8], 0, 1, 'float32', 9));
    const [k, bias] = [b.trainableVariables[2]!, b.trainableVariables[3]!];
    const ours = tf.variableGrads(
      () => tf.sum(tf.mul(b.encode(x, { training: false }).tokens, w)),
      [table, k, bias],
    );
    // The reference: one-hot embeddings and tf.conv1d, with their own gradients.
    const ref = tf.variableGrads(() => {
      // A one-hot matmul is an embedding lookup whose gradient every backend has (wasm lacks tf.gather's).
      const lookupRef = (t: tf.Variable, i: tf.Tensor): tf.Tensor =>
        tf.matMul(tf.cast(tf.oneHot(tf.reshape(i, [-1]), t.shape[0]), 'float32'), t);
      const e = tf.reshape(
        tf.concat([lookupRef(table, x.words!), lookupRef(b.trainableVariables[1]!, x.shapes!)], 1),
        [2, 4, 8],
      );
      const mask = tf.reshape(tf.cast(tf.greater(x.words!, 0), 'float32'), [2, 4, 1]);
      const em = tf.mul<tf.Tensor3D>(e, mask);
      // 8 embedding features in, 8 filters out: the layer is residual.
      const y = tf.mul(tf.add(tf.relu(tf.add(tf.conv1d(em, k as tf.Tensor3D, 1, 'same'), bias)), em), mask);
      return tf.sum(tf.mul(y, w));
    }, [table, k, bias]);
    for (const v of [table, k, bias]) {
      const g1 = ours.grads[v.name]!.dataSync();
      const g2 = ref.grads[v.name]!.dataSync();
      expect(Array.from(g1).some((x) => x !== 0)).toBe(true);
      g1.forEach((x, i) => expect(x).toBeCloseTo(g2[i]!, 4));
    }
    tf.dispose([
      ours.value,
      ref.value,
      w,
      ...Object.values(ours.grads),
      ...Object.values(ref.grads),
      ...Object.values(x),
    ]);
    b.dispose();
  });

  it('rejects bad options and inputs, naming them', () => {
    expectError(
      () => sequenceEncoderBackbone({ ...base, kernelSize: 4 }),
      'INVALID_OPTION',
      /kernelSize.*odd/,
    );
    expectError(
      () => sequenceEncoderBackbone({ ...base, sequenceTasks: ['genre'] }),
      'INVALID_OPTION',
      /genre, which are not in tasks/,
    );
    expectError(() => sequenceEncoderBackbone({ ...base, features: [] }), 'INVALID_OPTION', /features/);
    const b = sequenceEncoderBackbone(base);
    const w = ids([[1, 2]], 2);
    expectError(() => b.apply({ words: w }, { training: false }), 'INVALID_DATA', /missing: shapes/);
    const bad = tf.zeros([1, 3], 'int32');
    expectError(
      () => b.apply({ words: w, shapes: bad }, { training: false }),
      'SHAPE_MISMATCH',
      /input "shapes"/,
    );
    expect(b.getConfig()).toMatchObject({
      type: 'sequence-encoder',
      options: { filters: 8, sequenceTasks: ['kind'], pooling: 'mean' },
    });
    tf.dispose([w, bad]);
    b.dispose();
  });
});

/** A linear head made without an input size: `MultitaskModel` builds it for the backbone's size. */
function lazyHead(classes: number): Head {
  let inner: Head | undefined;
  let size: number | undefined;
  return {
    name: 'lazy-linear',
    outputSize: classes,
    // Undefined until built (same as absent), as the heads package's heads do.
    get inputSize(): number {
      return size!;
    },
    get trainableVariables() {
      return inner?.trainableVariables ?? [];
    },
    build(inputSize: number) {
      size = inputSize;
      inner = linearHead(inputSize, classes, 4);
    },
    apply: (z, ctx) => inner!.apply(z, ctx),
    getConfig: () => ({ type: 'lazy-linear', options: { classes } }),
    dispose: () => inner?.dispose(),
  };
}

/** A per-token linear head for [batch, length, d] representations. */
function tokenHead(inputSize: number, classes: number, seed: number): Head {
  const inner = linearHead(inputSize, classes, seed, 'token-linear');
  return {
    ...inner,
    apply: (z, ctx) =>
      tf.tidy(() => {
        const [b, l, d] = z.shape as [number, number, number];
        return tf.reshape(inner.apply(tf.reshape(z, [b * l, d]), ctx), [b, l, classes]);
      }),
  };
}

describe('training on a synthetic token task', () => {
  it('learns a label that needs the previous token (≥ 95% token accuracy) and a sentence label (≥ 90%)', () => {
    // Token label = (word[t] + word[t−1]) mod 3 (word[−1] = 0): only a window of two tokens can tell it.
    // Sentence label = whether word 7 occurs.
    const rng = new Rng(5);
    const make = (
      n: number,
    ): { x: Record<string, tf.Tensor2D>; tag: tf.Tensor2D; mask: tf.Tensor2D; kind: tf.Tensor1D } => {
      const rows = Array.from({ length: n }, () =>
        Array.from({ length: 3 + rng.int(6) }, () => 1 + rng.int(8)),
      );
      const L = 8;
      const tags = rows.flatMap((r) =>
        Array.from({ length: L }, (_, t) => (t < r.length ? (r[t]! + (t > 0 ? r[t - 1]! : 0)) % 3 : 0)),
      );
      const mask = rows.flatMap((r) => Array.from({ length: L }, (_, t) => (t < r.length ? 1 : 0)));
      return {
        x: {
          words: ids(rows, L),
          shapes: ids(
            rows.map((r) => r.map(() => 1)),
            L,
          ),
        },
        tag: tf.tensor2d(tags, [n, L], 'int32'),
        mask: tf.tensor2d(mask, [n, L]),
        kind: tf.tensor1d(
          rows.map((r) => (r.includes(7) ? 1 : 0)),
          'int32',
        ),
      };
    };
    const train = make(128);
    const test = make(128);
    const backbone = sequenceEncoderBackbone({ ...base, filters: 16, seed: 1 });
    const tag: Task = {
      name: 'tag',
      head: tokenHead(16, 3, 2),
      loss: (p, t, m) =>
        tf.tidy(() =>
          maskedMean(tf.neg(tf.sum(tf.mul(tf.oneHot(tf.cast(t, 'int32'), 3), tf.logSoftmax(p)), -1)), m),
        ),
    };
    const kind: Task = {
      name: 'kind',
      head: linearHead(16, 2, 3),
      loss: (p, t) =>
        tf.tidy(() =>
          tf.mean(tf.neg(tf.sum(tf.mul(tf.oneHot(tf.cast(t, 'int32'), 2), tf.logSoftmax(p)), -1))),
        ),
    };
    const model = new MultitaskModel({ backbone, tasks: [tag, kind] });
    const opt = tf.train.adam(0.02);
    // The helper loop passes no masks: wrap the token loss so padding is excluded.
    const masked: Task = { ...tag, loss: (p, t) => tag.loss(p, t, train.mask) };
    const trainable = new MultitaskModel({ backbone, tasks: [masked, kind] });
    trainModel(trainable, train.x, { tag: train.tag, kind: train.kind }, 150, opt);
    const [tokenAcc, kindAcc] = tf.tidy(() => {
      const out = model.predict(test.x);
      const right = tf.mul(tf.cast(tf.equal(tf.argMax(out.tag!, -1), test.tag), 'float32'), test.mask);
      const ta = tf.div(tf.sum(right), tf.sum(test.mask)).dataSync()[0]!;
      const ka = tf.mean(tf.cast(tf.equal(tf.argMax(out.kind!, -1), test.kind), 'float32')).dataSync()[0]!;
      return [ta, ka];
    });
    expect(tokenAcc).toBeGreaterThanOrEqual(0.95);
    expect(kindAcc).toBeGreaterThanOrEqual(0.9);
    opt.dispose();
    model.dispose();
    tf.dispose([
      ...Object.values(train.x),
      train.tag,
      train.mask,
      train.kind,
      ...Object.values(test.x),
      test.tag,
      test.mask,
      test.kind,
    ]);
  });
});
