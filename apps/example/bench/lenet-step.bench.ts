/**
 * The product's own Multi-LeNet training step — `Trainer` + `multiLeNetBackbone` + two classification heads,
 * static weighting, Adam, as `configs/multi-mnist.json` (B = 256, 36×36×1) — against the same step in PyTorch
 * with one thread, in one run: CPU ms per step and the ratio. Unlike `packages/backend`'s engines bench (plain
 * tfjs ops), this is the step users run, with the trainer's bookkeeping and the backbone's own convolution.
 *
 * `MULTITASK_BENCH_PYTHON=/path/to/python-with-torch pnpm --filter @multitask/example bench lenet-step`
 * (`LENET_BENCH_BATCH` = 64 for the smaller batch). The PyTorch row is skipped when torch is not importable; the
 * tensorflow row when tfjs-node's addon is absent. Run with `TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1`
 * for one thread on tensorflow too.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { selectBackend, type BackendName } from '@multitask/backend';
import { multiLeNetBackbone } from '@multitask/backbones';
import { MultitaskModel, registerGradients, Rng, Trainer, type Batch } from '@multitask/core';
import { classificationTask } from '@multitask/heads';
import { staticWeighting } from '@multitask/weighting';

registerGradients(); // tfjs-core registers no gradients by itself (explicit, once per process)

const B = Number(process.env.LENET_BENCH_BATCH ?? 256);
const STEPS = 8;
const here = dirname(fileURLToPath(import.meta.url));
const torchStep = join(here, '../../../packages/backend/bench/reference/step.py');

function batch(seed: number): Batch {
  const rng = new Rng(seed);
  const labels = (): tf.Tensor =>
    tf.tensor1d(
      Array.from({ length: B }, () => rng.int(10)),
      'int32',
    );
  return {
    inputs: tf.tensor4d(
      Float32Array.from({ length: B * 36 * 36 }, () => rng.next()),
      [B, 36, 36, 1],
    ),
    targets: { left: labels(), right: labels() },
  };
}

/** CPU ms per step (process user + system, mean over STEPS after 3 warm-up steps), or why the row is skipped. */
async function measure(name: BackendName): Promise<number | string> {
  const selection = await selectBackend({ prefer: name });
  if (selection.name !== name) return `skipped (${name} unavailable: ${selection.name} was picked)`;
  const model = new MultitaskModel({
    backbone: multiLeNetBackbone({ filters: [10, 20], units: 50, dropout: 0.5, seed: 1 }),
    tasks: [
      classificationTask('left', { numClasses: 10, inputSize: 50, seed: 2 }),
      classificationTask('right', { numClasses: 10, inputSize: 50, seed: 3 }),
    ],
  });
  const optimizer = tf.train.adam(1e-3);
  const trainer = new Trainer({ model, strategy: staticWeighting(), optimizer, seed: 1 });
  const b = batch(7);
  for (let s = 0; s < 3; s++) trainer.trainStep(b);
  const t0 = process.cpuUsage();
  for (let s = 0; s < STEPS; s++) trainer.trainStep(b);
  const used = process.cpuUsage(t0);
  tf.dispose([b.inputs, ...Object.values(b.targets)]);
  optimizer.dispose();
  model.dispose();
  return (used.user + used.system) / 1000 / STEPS;
}

function pytorch(): number | string {
  const python = process.env.MULTITASK_BENCH_PYTHON ?? 'python3';
  const r = spawnSync(
    python,
    [torchStep, '--model', 'lenet', '--batch', String(B), '--threads', '1', '--steps', '20'],
    { encoding: 'utf8', timeout: 600_000 },
  );
  if (r.status !== 0) return `skipped: ${python} cannot import torch`;
  const o = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { cpu_ms: number };
  return o.cpu_ms;
}

describe('product Multi-LeNet step vs PyTorch', () => {
  it('prints CPU ms per step and the ratio to PyTorch with 1 thread, from one run', async () => {
    tf.enableProdMode();
    const load = loadavg()[0]!.toFixed(2);
    const rows: [string, number | string][] = [
      ['multitask on wasm + kernels', await measure('wasm')],
      ['multitask on tfjs-node', await measure('tensorflow')],
      ['PyTorch 1 thread (reference)', pytorch()],
    ];
    const ref = rows[2]![1];
    console.log(
      `\nProduct Multi-LeNet step, B = ${B}, Adam, static weighting (1-min load ${load} at start):`,
    );
    console.log('| engine | CPU ms per step | vs PyTorch |\n|---|---|---|');
    for (const [name, v] of rows) {
      if (typeof v === 'string') console.log(`| ${name} | ${v} | |`);
      else
        console.log(
          `| ${name} | ${v.toFixed(1)} | ${typeof ref === 'number' ? `${(v / ref).toFixed(2)}×` : ''} |`,
        );
    }
  });
});
