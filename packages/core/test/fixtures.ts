/** Tiny hand-written parts for the trainer tests (no sibling packages: core must not depend on them). */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import {
  Rng,
  fillMasked,
  maskedMean,
  type Backbone,
  type Batch,
  type DataSource,
  type ForwardContext,
  type GramianWeighting,
  type Head,
  type JacobianAggregator,
  type LossWeighting,
  type Task,
} from '../src/index.ts';

let uid = 0;
function v(values: number[], shape: number[], name: string): Variable {
  const init = tf.tensor(values, shape);
  const variable = tf.variable(init, true, `${name}_${++uid}`);
  init.dispose();
  return variable;
}
function randomValues(rng: Rng, n: number, scale = 0.5): number[] {
  return Array.from({ length: n }, () => rng.normal() * scale);
}

export interface DenseBackboneOptions {
  inputSize: number;
  units: number;
  seed: number;
  dropout?: number;
  /** Adds a "statistics" variable counting the passes that may update statistics (a batch-norm stand-in). */
  statistics?: boolean;
}

/** z = dropout(relu(x W + b)): a real shared layer. `forwardCount` counts apply() calls. */
export function denseBackbone(
  o: DenseBackboneOptions,
): Backbone & { forwardCount: number; stat: Variable; masks: number[][] } {
  const rng = new Rng(o.seed);
  const W = v(randomValues(rng, o.inputSize * o.units), [o.inputSize, o.units], 'W');
  const b = v(randomValues(rng, o.units, 0.1), [o.units], 'b');
  const stat = tf.tidy(() => tf.variable(tf.scalar(0), false, `stat_${++uid}`));
  const self = {
    name: 'dense-test',
    outputSize: o.units,
    forwardCount: 0,
    stat,
    masks: [] as number[][],
    apply(inputs: Tensor | Readonly<Record<string, Tensor>>, ctx: ForwardContext): Tensor {
      self.forwardCount++;
      const x = inputs as Tensor;
      let z = tf.relu(tf.add(tf.matMul(x, W), b));
      if (o.dropout && ctx.training) {
        const seed = ctx.seeds!.next();
        self.masks.push([seed]);
        z = tf.dropout(z, o.dropout, undefined, seed);
      }
      if (o.statistics && ctx.training && ctx.updateStatistics) stat.assign(tf.add(stat, 1));
      return z;
    },
    trainableVariables: [W, b],
    nonTrainableVariables: [stat],
    getConfig: () => ({ type: 'dense-test', options: { inputSize: o.inputSize, units: o.units } }),
    dispose: () => tf.dispose([W, b, stat]),
  };
  return self;
}

/** A linear head (logits or values). */
export function linearHead(inputSize: number, outputSize: number, seed: number): Head {
  const rng = new Rng(seed);
  const W = v(randomValues(rng, inputSize * outputSize), [inputSize, outputSize], 'hW');
  const b = v(randomValues(rng, outputSize, 0.1), [outputSize], 'hb');
  return {
    name: 'linear-test',
    inputSize,
    outputSize,
    apply: (z) => tf.add(tf.matMul(z, W), b),
    trainableVariables: [W, b],
    getConfig: () => ({ type: 'linear-test', options: { inputSize, outputSize } }),
    dispose: () => tf.dispose([W, b]),
  };
}

/** Softmax cross-entropy over int32 labels, masked mean. */
export function ceLoss(pred: Tensor, target: Tensor, mask?: Tensor): Scalar {
  return tf.tidy(() => {
    const C = pred.shape[1]!;
    const perRow = tf.neg(tf.sum(tf.mul(tf.oneHot(tf.cast(target, 'int32'), C), tf.logSoftmax(pred)), 1));
    return maskedMean(perRow, mask);
  });
}

/** Squared error averaged over features, masked mean over rows. */
export function mseLoss(pred: Tensor, target: Tensor, mask?: Tensor): Scalar {
  return tf.tidy(() =>
    maskedMean(tf.mean(tf.square(tf.sub(pred, tf.reshape(fillMasked(target, mask), pred.shape))), 1), mask),
  );
}

export function classificationTask(name: string, head: Head): Task {
  return {
    name,
    head,
    loss: ceLoss,
    validateTarget: (t, mask) => {
      const labels = t.dataSync();
      const m = mask?.dataSync();
      const row = labels.findIndex(
        (v, i) =>
          !(m !== undefined && !(m[i]! > 0)) && !(Number.isInteger(v) && v >= 0 && v < head.outputSize),
      );
      return row >= 0
        ? `label ${labels[row]} is out of range for ${head.outputSize} classes at row ${row}.`
        : undefined;
    },
    // Labelled rows whose label is not an integer in [0, outputSize) (NaN included), counted on the device.
    targetViolations: (t, mask) =>
      tf.tidy(() => {
        const x = tf.cast(t, 'float32');
        const bad = tf.notEqual(x, tf.clipByValue(tf.floor(x), 0, head.outputSize - 1));
        const counted = mask ? tf.logicalAnd(bad, tf.greater(mask, 0)) : bad;
        return tf.sum(tf.cast(counted, 'float32'));
      }),
  };
}
export function regressionTask(name: string, head: Head): Task {
  return { name, head, loss: mseLoss };
}

/** Equal-sum loss weighting with given constant weights. */
export function fixedLossWeighting(weights: number[]): LossWeighting {
  return {
    name: 'fixed',
    family: 'loss',
    combine: (losses) => tf.tidy(() => tf.addN<Scalar>(losses.map((l, i) => tf.mul(l, weights[i] ?? 1)))),
    currentWeights: (tasks) => tasks.map((_, i) => weights[i] ?? 1),
    getConfig: () => ({}),
    state: () => null,
    load: () => undefined,
    dispose: () => undefined,
  };
}

/** The weights wᵢ = 1/√Gᵢᵢ (a non-trivial function of the Gramian) — written here, independent of weighting. */
export function inverseNormWeights(G: readonly (readonly number[])[]): number[] {
  return G.map((row, i) => 1 / Math.sqrt(Math.max(row[i]!, 1e-20)));
}

export function inverseNormGramian(
  modes: ('representation' | 'parameters')[] = ['representation', 'parameters'],
): GramianWeighting & {
  calls: number[][][];
} {
  const calls: number[][][] = [];
  return {
    name: 'inverse-norm',
    family: 'gramian',
    modes,
    calls,
    weights: (G) => {
      calls.push(G.map((r) => [...r]));
      return inverseNormWeights(G);
    },
    getConfig: () => ({}),
    state: () => null,
    load: () => undefined,
    dispose: () => undefined,
  };
}

/** direction = Σₜ (t+1)·Jₜ (a non-trivial, row-order dependent aggregation). */
export function rankedSumAggregator(): JacobianAggregator {
  return {
    name: 'ranked-sum',
    family: 'jacobian',
    modes: ['representation', 'parameters'],
    aggregate: (J) =>
      tf.tidy(() =>
        tf.squeeze(
          tf.matMul(
            tf.tensor2d(
              Array.from({ length: J.shape[0] }, (_, i) => i + 1),
              [1, J.shape[0]],
            ),
            J,
          ),
          [0],
        ),
      ),
    getConfig: () => ({}),
    state: () => null,
    load: () => undefined,
    dispose: () => undefined,
  };
}

export interface ToyData {
  x: number[][];
  cls: number[];
  reg: number[];
}
export function toyData(n: number, inputSize: number, seed: number): ToyData {
  const rng = new Rng(seed);
  const x = Array.from({ length: n }, () => Array.from({ length: inputSize }, () => rng.normal()));
  const cls = x.map((r) => (r[0]! + 0.5 * r[1]! > 0 ? 1 : 0));
  const reg = x.map((r) => 2 * r[0]! - r[2]! + 0.1 * rng.normal());
  return { x, cls, reg };
}

export function batchOf(d: ToyData, rows?: number[], masks?: { cls?: number[]; reg?: number[] }): Batch {
  const idx = rows ?? d.x.map((_, i) => i);
  return {
    inputs: tf.tensor2d(idx.map((i) => d.x[i]!)),
    targets: {
      cls: tf.tensor1d(
        idx.map((i) => d.cls[i]!),
        'int32',
      ),
      reg: tf.tensor2d(idx.map((i) => [d.reg[i]!])),
    },
    ...(masks
      ? {
          masks: Object.fromEntries(
            Object.entries(masks).map(([k, m]) => [k, tf.tensor1d(idx.map((i) => m[i]!))]),
          ),
        }
      : {}),
  };
}

/** A minimal in-memory data source with seeded shuffling (independent of @multitask/data). */
export function toySource(d: ToyData, masks?: { cls?: number[]; reg?: number[] }): DataSource {
  return {
    name: 'toy',
    size: d.x.length,
    tasks: ['cls', 'reg'],
    async *batches(req) {
      const order = d.x.map((_, i) => i);
      if (req.shuffle) new Rng(req.seed).shuffle(order);
      for (let s = 0; s < order.length; s += req.batchSize) {
        await Promise.resolve();
        yield batchOf(d, order.slice(s, s + req.batchSize), masks);
      }
    },
  };
}

/** Current values of variables, as plain arrays. */
export function snapshot(vars: readonly Variable[]): number[][] {
  return vars.map((x) => Array.from(x.dataSync()));
}
