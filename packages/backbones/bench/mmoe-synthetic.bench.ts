/**
 * MMoE vs hard sharing on the synthetic data of Ma et al. (KDD 2018, §3): two regression tasks whose
 * correlation ρ is controlled. d = 100, c = 0.3, m = 5 sinusoids; noise N(0, 0.01).
 *
 *   u₁ ⟂ u₂ unit vectors; w₁ = c·u₁; w₂ = c·(ρ·u₁ + √(1−ρ²)·u₂); x ~ N(0, I_d)
 *   yₜ = wₜᵀx + Σᵢ sin(αᵢ·wₜᵀx + βᵢ) + εₜ      (αᵢ, βᵢ ~ N(0, 1), shared by the tasks)
 *
 * Models with (nearly) equal parameter counts, the same towers (dense 8 → relu → dense 1) per task:
 *   hard sharing: shared dense(126) + relu;  MMoE: 8 experts of dense(16) + relu, one softmax gate per task.
 * Adam (lr 3e-3), batch 128, STEPS (default 1000) steps, test MSE (sum over the two tasks) on 2 000 held-out rows.
 *
 * Run: `pnpm --filter @multitask/backbones bench` (MULTITASK_TEST_BACKEND=wasm for speed; MMOE_BENCH_LOG=file appends
 * each row as JSON as soon as it is measured; MMOE_BENCH_RHOS=0 runs only ρ = 0).
 */
import { appendFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { MultitaskModel, Rng, type Backbone } from '@multitask/core';
import { mlpBackbone, mmoeBackbone } from '../src/index.ts';
import { parameterCount, towerTask } from '../test/helpers.ts';

const D = 100;
const C = 0.3;
const M = 5;
const N_TRAIN = 8000;
const N_TEST = 2000;
const STEPS = Number(process.env.MMOE_BENCH_STEPS ?? 1000);
const BATCH = 128;
const LR = Number(process.env.MMOE_BENCH_LR ?? 3e-3);

function synthetic(rho: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor2D[]; xt: tf.Tensor2D; yt: tf.Tensor2D[] } {
  const rng = new Rng(seed);
  // Two orthonormal vectors by Gram–Schmidt on Gaussian draws.
  const g1 = Array.from({ length: D }, () => rng.normal());
  const g2 = Array.from({ length: D }, () => rng.normal());
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, a) => s + a * a, 0));
  const u1 = g1.map((v) => v / norm(g1));
  const dot = g2.reduce((s, v, i) => s + v * u1[i]!, 0);
  const r2 = g2.map((v, i) => v - dot * u1[i]!);
  const u2 = r2.map((v) => v / norm(r2));
  const w1 = u1.map((v) => C * v);
  const w2 = u1.map((v, i) => C * (rho * v + Math.sqrt(1 - rho * rho) * u2[i]!));
  const alpha = Array.from({ length: M }, () => rng.normal());
  const beta = Array.from({ length: M }, () => rng.normal());
  const label = (w: number[], x: number[]) => {
    const s = w.reduce((acc, v, i) => acc + v * x[i]!, 0);
    return s + alpha.reduce((acc, a, i) => acc + Math.sin(a * s + beta[i]!), 0) + 0.1 * rng.normal();
  };
  const make = (n: number) => {
    const xs = new Float32Array(n * D);
    const y1 = new Float32Array(n);
    const y2 = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      const x = Array.from({ length: D }, () => rng.normal());
      xs.set(x, r * D);
      y1[r] = label(w1, x);
      y2[r] = label(w2, x);
    }
    return { x: tf.tensor2d(xs, [n, D]), y: [tf.tensor2d(y1, [n, 1]), tf.tensor2d(y2, [n, 1])] };
  };
  const train = make(N_TRAIN);
  const test = make(N_TEST);
  return { x: train.x, y: train.y, xt: test.x, yt: test.y };
}

function run(kind: 'hard' | 'mmoe', rho: number, seed: number): { loss: number; params: number; ms: number } {
  const data = synthetic(rho, seed);
  const backbone: Backbone =
    kind === 'hard'
      ? mlpBackbone({ inputSize: D, units: [126], seed })
      : mmoeBackbone({ inputSize: D, tasks: ['t1', 't2'], numExperts: 8, expertUnits: [16], seed });
  const z = kind === 'hard' ? 126 : 16;
  const model = new MultitaskModel({ backbone, tasks: [towerTask('t1', z, 8, seed + 1), towerTask('t2', z, 8, seed + 2)] });
  const opt: tf.Optimizer = tf.train.adam(LR);
  const rng = new Rng(seed + 99);
  const t0 = performance.now();
  for (let s = 0; s < STEPS; s++) {
    const idx = tf.tensor1d(Array.from({ length: BATCH }, () => rng.int(N_TRAIN)), 'int32');
    const [xb, y1, y2] = [data.x, ...data.y].map((t) => tf.gather(t, idx));
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(xb!, { training: true });
      return tf.add(model.task('t1').loss(out.t1!, y1!), model.task('t2').loss(out.t2!, y2!));
    }, model.trainableVariables);
    opt.applyGradients(grads);
    tf.dispose([idx, xb, y1, y2, value, grads]);
  }
  const ms = performance.now() - t0;
  const out = model.predict(data.xt);
  const loss = tf.tidy(
    () =>
      tf.add(tf.mean(tf.square(tf.sub(out.t1!, data.yt[0]!))), tf.mean(tf.square(tf.sub(out.t2!, data.yt[1]!)))).dataSync()[0]!,
  );
  const params = parameterCount(model);
  tf.dispose([data.x, data.xt, ...data.y, ...data.yt, out]);
  opt.dispose();
  model.dispose();
  return { loss, params, ms };
}

it('MMoE vs hard sharing on Ma et al.’s synthetic data, ρ ∈ {1, 0.5, 0}, 3 seeds', () => {
  const rows: Record<string, string | number>[] = [];
  const rhos = (process.env.MMOE_BENCH_RHOS ?? '1,0.5,0').split(',').map(Number);
  for (const rho of rhos) {
    for (const seed of [1, 2, 3]) {
      const hard = run('hard', rho, seed);
      const mmoe = run('mmoe', rho, seed);
      rows.push({
        rho,
        seed,
        hardTestMse: +hard.loss.toFixed(4),
        mmoeTestMse: +mmoe.loss.toFixed(4),
        'mmoe/hard': +(mmoe.loss / hard.loss).toFixed(3),
        hardParams: hard.params,
        mmoeParams: mmoe.params,
        hardMsPerStep: +(hard.ms / STEPS).toFixed(2),
        mmoeMsPerStep: +(mmoe.ms / STEPS).toFixed(2),
      });
      console.log(JSON.stringify(rows.at(-1)));
      if (process.env.MMOE_BENCH_LOG) appendFileSync(process.env.MMOE_BENCH_LOG, `${JSON.stringify(rows.at(-1))}\n`);
    }
  }
  console.log(`backend ${tf.getBackend()}, ${STEPS} steps of batch ${BATCH}`);
  console.table(rows);
});
