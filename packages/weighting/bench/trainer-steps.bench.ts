/**
 * `pnpm bench`: the step time of every built-in strategy relative to `static`, through the core Trainer, on the
 * same model and batch (MLP 784-256-256 trunk, T linear 10-class heads, B = 128, Adam, wasm + multitask's
 * training kernels), for T = 2, 4, 8, in each gradient mode the strategy supports.
 * Goals: loss weighting ≤ 1.05×; Gramian methods in `representation` mode ≤ 1.3× at T = 2; `parameters` mode
 * ≤ (T + 0.5)×. Each strategy's blocks are interleaved with blocks of static so both see the same load.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { selectBackend } from '@multitask/backend';
import {
  MultitaskModel,
  Rng,
  Trainer,
  maskedMean,
  type Backbone,
  type Batch,
  type GradientMode,
  type Head,
  type Task,
  type WeightingStrategy,
} from '@multitask/core';
import { describe, it } from 'vitest';
import { builtinWeightings } from '../src/index.ts';
import { registerGradients } from '@multitask/core';

registerGradients(); // tfjs-core registers no gradients by itself (explicit, once per process)

const B = 128;
const HIDDEN = 256;

function glorot(rng: Rng, rows: number, cols: number): Variable {
  const limit = Math.sqrt(6 / (rows + cols));
  const values = Float32Array.from({ length: rows * cols }, () => (rng.next() * 2 - 1) * limit);
  return tf.tidy(() => tf.variable(tf.tensor2d(values, [rows, cols])));
}
const zeros = (n: number): Variable => tf.tidy(() => tf.variable(tf.zeros([n])));

function buildModel(T: number): MultitaskModel {
  const rng = new Rng(5);
  const [W1, b1, W2, b2] = [
    glorot(rng, 784, HIDDEN),
    zeros(HIDDEN),
    glorot(rng, HIDDEN, HIDDEN),
    zeros(HIDDEN),
  ];
  const backbone: Backbone = {
    name: 'mlp-bench',
    outputSize: HIDDEN,
    apply: (x) => tf.relu(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x as Tensor, W1), b1)), W2), b2)),
    trainableVariables: [W1, b1, W2, b2],
    getConfig: () => ({ type: 'mlp-bench', options: {} }),
    dispose: () => tf.dispose([W1, b1, W2, b2]),
  };
  const tasks: Task[] = Array.from({ length: T }, (_, t) => {
    const [W, b] = [glorot(rng, HIDDEN, 10), zeros(10)];
    const head: Head = {
      name: 'linear',
      outputSize: 10,
      apply: (z) => tf.add(tf.matMul(z, W), b),
      trainableVariables: [W, b],
      getConfig: () => ({ type: 'linear', options: {} }),
      dispose: () => tf.dispose([W, b]),
    };
    return {
      name: `task${t}`,
      head,
      loss: (p, y, m) =>
        tf.tidy(() =>
          maskedMean(tf.neg(tf.sum(tf.mul(tf.oneHot(tf.cast(y, 'int32'), 10), tf.logSoftmax(p)), 1)), m),
        ),
    };
  });
  return new MultitaskModel({ backbone, tasks });
}

interface Runner {
  step(): void;
  dispose(): void;
}

function runner(T: number, batch: Batch, name: string, mode: GradientMode | 'auto'): Runner {
  const model = buildModel(T);
  const strategy = (builtinWeightings[name] as (o?: object) => WeightingStrategy)();
  const optimizer = tf.train.adam(1e-3);
  const trainer = new Trainer({ model, strategy, optimizer, seed: 3, gradientMode: mode });
  return {
    step: () => void trainer.trainStep(batch),
    dispose: () => {
      model.dispose();
      strategy.dispose();
      optimizer.dispose();
    },
  };
}

function timeBlock(r: Runner, n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) r.step();
  return (performance.now() - t0) / n;
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

describe('strategy step cost through the trainer', () => {
  it('each strategy vs static, T = 2, 4, 8, both gradient modes (wasm + kernels)', async () => {
    await selectBackend({ prefer: 'wasm' });
    const rows: string[] = [];
    for (const T of [2, 4, 8]) {
      const rng = new Rng(9);
      const batch: Batch = {
        inputs: tf.tensor2d(
          Float32Array.from({ length: B * 784 }, () => rng.next()),
          [B, 784],
        ),
        targets: Object.fromEntries(
          Array.from({ length: T }, (_, t) => [
            `task${t}`,
            tf.tensor1d(
              Int32Array.from({ length: B }, () => rng.int(10)),
              'int32',
            ),
          ]),
        ),
      };
      const base = runner(T, batch, 'static', 'auto');
      timeBlock(base, 3);
      for (const name of Object.keys(builtinWeightings).filter((n) => n !== 'static')) {
        const probe = (builtinWeightings[name] as () => WeightingStrategy)();
        const modes: (GradientMode | 'auto')[] = probe.family === 'loss' ? ['auto'] : [...probe.modes];
        probe.dispose();
        for (const mode of modes) {
          const r = runner(T, batch, name, mode);
          try {
            timeBlock(r, 2);
            const ours: number[] = [];
            const stat: number[] = [];
            for (let round = 0; round < 5; round++) {
              stat.push(timeBlock(base, 4));
              ours.push(timeBlock(r, 4));
            }
            const ratio = median(ours) / median(stat);
            const goal =
              mode === 'auto' ? 1.05 : mode === 'representation' ? (T === 2 ? 1.3 : undefined) : T + 0.5;
            const verdict = goal === undefined ? '' : ratio <= goal ? `≤ ${goal} ✓` : `> ${goal} ✗`;
            rows.push(
              `| ${T} | ${name} | ${probe.family} | ${mode === 'auto' ? '—' : mode} | ${median(stat).toFixed(1)} | ${median(ours).toFixed(1)} | **${ratio.toFixed(2)}×** | ${verdict} |`,
            );
          } catch (e) {
            rows.push(
              `| ${T} | ${name} | ${probe.family} | ${mode} | | | failed: ${(e as Error).message.slice(0, 80)} | |`,
            );
          } finally {
            r.dispose();
          }
        }
      }
      base.dispose();
      tf.dispose([batch.inputs, ...Object.values(batch.targets)]);
    }
    console.log(
      [
        '',
        `### Strategy step time vs static through the trainer (backend ${tf.getBackend()}, MLP 784-256-256, B=${B}; median ms/step of interleaved blocks)`,
        '',
        '| T | strategy | family | mode | static ms | strategy ms | ratio | goal |',
        '|---|---|---|---|---|---|---|---|',
        ...rows,
        '',
      ].join('\n'),
    );
  });
});
