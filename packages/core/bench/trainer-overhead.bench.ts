/**
 * `pnpm bench`: the trainer (static equal weighting) against a hand-written tfjs loop on the same model,
 * batch and backend. Both read the per-task losses once per step (what any training loop that logs does).
 * Goal: trainer / hand-written ≤ 1.05. Blocks of steps are interleaved so both see the same machine load.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import { selectBackend } from '@multitask/backend';
import { describe, it } from 'vitest';
import {
  MultitaskModel,
  Rng,
  Trainer,
  type Backbone,
  type Head,
  type LossWeighting,
  type Task,
} from '../src/index.ts';

function glorot(rng: Rng, rows: number, cols: number): Variable {
  const limit = Math.sqrt(6 / (rows + cols));
  const values = Float32Array.from({ length: rows * cols }, () => (rng.next() * 2 - 1) * limit);
  return tf.tidy(() => tf.variable(tf.tensor2d(values, [rows, cols])));
}
const zeros = (n: number): Variable => tf.tidy(() => tf.variable(tf.zeros([n])));

interface Params {
  W1: Variable;
  b1: Variable;
  W2: Variable;
  b2: Variable;
  H: [Variable, Variable][];
}
function params(seed: number, inSize: number, hidden: number, classes: number, T: number): Params {
  const rng = new Rng(seed);
  return {
    W1: glorot(rng, inSize, hidden),
    b1: zeros(hidden),
    W2: glorot(rng, hidden, hidden),
    b2: zeros(hidden),
    H: Array.from(
      { length: T },
      () => [glorot(rng, hidden, classes), zeros(classes)] as [Variable, Variable],
    ),
  };
}
const trunk = (p: Params, x: Tensor): Tensor =>
  tf.relu(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, p.W1), p.b1)), p.W2), p.b2));
const ce = (logits: Tensor, labels: Tensor): Scalar =>
  tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, logits.shape[1]!), tf.logSoftmax(logits)), 1)));

function asModel(p: Params): MultitaskModel {
  const backbone: Backbone = {
    name: 'mlp-bench',
    outputSize: p.W2.shape[1]!,
    apply: (x) => trunk(p, x as Tensor),
    trainableVariables: [p.W1, p.b1, p.W2, p.b2],
    getConfig: () => ({ type: 'mlp-bench', options: {} }),
    dispose: () => undefined,
  };
  const tasks: Task[] = p.H.map(([W, b], t) => {
    const head: Head = {
      name: 'linear',
      outputSize: W.shape[1]!,
      apply: (z) => tf.add(tf.matMul(z, W), b),
      trainableVariables: [W, b],
      getConfig: () => ({ type: 'linear', options: {} }),
      dispose: () => undefined,
    };
    return {
      name: `task${t}`,
      head,
      // The same loss function as the hand-written loop, so the ratio measures the trainer alone.
      loss: (pred, target) => ce(pred, target),
    };
  });
  return new MultitaskModel({ backbone, tasks });
}

const equal: LossWeighting = {
  name: 'static',
  family: 'loss',
  combine: (losses) => tf.addN<Scalar>([...losses]),
  getConfig: () => ({}),
  state: () => null,
  load: () => undefined,
  dispose: () => undefined,
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function compare(
  backend: 'wasm' | 'cpu',
  B: number,
  hidden: number,
  T: number,
  rounds: number,
  block: number,
): Promise<string> {
  await selectBackend({ prefer: backend });
  const rng = new Rng(3);
  const x = tf.tensor2d(
    Float32Array.from({ length: B * 784 }, () => rng.next()),
    [B, 784],
  );
  const labels = Array.from({ length: T }, () =>
    tf.tensor1d(
      Int32Array.from({ length: B }, () => rng.int(10)),
      'int32',
    ),
  );
  // hand-written loop: its own copy of the same initial parameters
  const ph = params(7, 784, hidden, 10, T);
  const hand = tf.train.adam(1e-3);
  const handVars = [ph.W1, ph.b1, ph.W2, ph.b2, ...ph.H.flat()];
  const handStep = (): void => {
    let losses: Scalar[] = [];
    const cost = hand.minimize(
      () => {
        const z = trunk(ph, x);
        losses = ph.H.map(([W, b], t) => tf.keep(ce(tf.add(tf.matMul(z, W), b), labels[t]!)));
        return tf.addN<Scalar>(losses);
      },
      true,
      handVars,
    )!;
    const read = tf.stack(losses);
    read.dataSync();
    tf.dispose([cost, read, ...losses]);
  };
  const pt = params(7, 784, hidden, 10, T);
  const model = asModel(pt);
  const opt = tf.train.adam(1e-3);
  const trainer = new Trainer({ model, strategy: equal, optimizer: opt, seed: 1 });
  const batch = { inputs: x, targets: Object.fromEntries(labels.map((l, t) => [`task${t}`, l])) };
  const trainerStep = (): void => void trainer.trainStep(batch);
  const timeBlock = (f: () => void): number => {
    const t0 = performance.now();
    for (let i = 0; i < block; i++) f();
    return (performance.now() - t0) / block;
  };
  timeBlock(handStep);
  timeBlock(trainerStep);
  const h: number[] = [];
  const r: number[] = [];
  const before = tf.memory().numTensors;
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      h.push(timeBlock(handStep));
      r.push(timeBlock(trainerStep));
    } else {
      r.push(timeBlock(trainerStep));
      h.push(timeBlock(handStep));
    }
  }
  const leaked = tf.memory().numTensors - before;
  const row = `| ${backend} | MLP 784-${hidden}-${hidden} + ${T}×softmax(10), B=${B} | ${median(h).toFixed(2)} | ${median(r).toFixed(2)} | **${(median(r) / median(h)).toFixed(3)}** | ${leaked} |`;
  tf.dispose([x, ...labels, ...handVars, pt.W1, pt.b1, pt.W2, pt.b2, ...pt.H.flat()]);
  hand.dispose();
  opt.dispose();
  return row;
}

describe('trainer overhead', () => {
  it('trainer (static) vs hand-written tfjs loop, same model/backend/batch', async () => {
    const rows = [
      await compare('wasm', 128, 256, 2, 20, 10),
      await compare('wasm', 128, 256, 8, 8, 10),
      await compare('cpu', 64, 64, 2, 8, 5),
    ];
    console.log(
      [
        '',
        '### Trainer vs hand-written loop (median ms/step over interleaved blocks; goal ratio ≤ 1.05)',
        '',
        '| backend | model | hand-written | trainer | ratio | tensors leaked |',
        '|---|---|---|---|---|---|',
        ...rows,
        '',
      ].join('\n'),
    );
  });
});
