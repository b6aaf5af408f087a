/**
 * MMoE vs hard sharing on the synthetic data of Ma et al. (KDD 2018, §3.2): two regression tasks whose weight
 * vectors have cosine ρ. d = 100, c = 0.3, m = 5 sinusoids, label noise N(0, 0.01) — see `mmoe-synthetic-data.ts`.
 *
 * Models with (nearly) equal parameter counts and the same towers (dense 8 → relu → dense 1) per task, as in the
 * paper's set-up (one-layer shared bottom vs 8 one-layer experts of 16 units with a softmax gate per task):
 *   hard sharing: shared dense(126) + relu (14 776 parameters);  MMoE: 8 experts × dense(16) + relu (14 834).
 * Every layer of both models starts from the same initializer INIT (`pytorch` — PyTorch's nn.Linear default,
 * U(±1/√fan-in) for kernel and bias — or `glorot-uniform`, the library default). Each (ρ, seed) cell trains both
 * models REPEATS times from different initial weights and batch orders on the same data, and reports the mean (the
 * paper averages many runs; a single run's test MSE varies by ±15 % with the initial weights).
 * Adam, batch 128, STEPS steps with the learning rate decayed by a cosine from LR to LR/100; every STEPS/EVALS
 * steps the validation and test MSE are measured. Reported: test MSE (sum over the two tasks) at the end, and at the
 * evaluation with the lowest validation MSE ("best-val"). 8 000 train / 2 000 validation / 2 000 test rows.
 *
 * Run (in packages/backbones):
 *   MULTITASK_TEST_BACKEND=wasm npx vitest run --config vitest.bench.config.ts bench/mmoe-synthetic.bench.ts
 * Knobs: MMOE_BENCH_STEPS (default 2500), MMOE_BENCH_LR (3e-3), MMOE_BENCH_RHOS (`1,0.5,0`), MMOE_BENCH_SEEDS
 * (`1,2,3`), MMOE_BENCH_C (0.3), MMOE_BENCH_SINUSOIDS (`normal`: αᵢ, βᵢ ~ N(0, 1); `fixed`: αᵢ = i,
 * βᵢ = (i − 1)²), MMOE_BENCH_INIT (`pytorch`), MMOE_BENCH_REPEATS (3), MMOE_BENCH_LOG=file appends each row as
 * JSON as soon as it is measured.
 */
import { appendFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { MultitaskModel, Rng, type Backbone } from '@multitask/core';
import { INITIALIZERS, type Initializer } from '@multitask/core/parts';
import { mlpBackbone, mmoeBackbone } from '../src/index.ts';
import { parameterCount, towerTask } from '../test/helpers.ts';
import {
  nonlinearShare,
  pearson,
  syntheticData,
  variance,
  type SyntheticSplit,
} from './mmoe-synthetic-data.ts';
import { registerGradients } from '@multitask/core';

registerGradients(); // tfjs-core registers no gradients by itself (explicit, once per process)

const D = 100;
const C = Number(process.env.MMOE_BENCH_C ?? 0.3);
const M = 5;
const NOISE_STD = 0.1; // ε ~ N(0, 0.01): variance 0.01
const N_TRAIN = 8000;
const N_TEST = 2000;
const N_VAL = 2000;
const STEPS = Number(process.env.MMOE_BENCH_STEPS ?? 2500);
const EVALS = 30;
const BATCH = 128;
const LR = Number(process.env.MMOE_BENCH_LR ?? 3e-3);
const RHOS = (process.env.MMOE_BENCH_RHOS ?? '1,0.5,0').split(',').map(Number);
const SINUSOIDS = process.env.MMOE_BENCH_SINUSOIDS === 'fixed' ? 'fixed' : 'normal';
const SEEDS = (process.env.MMOE_BENCH_SEEDS ?? '1,2,3').split(',').map(Number);
const INIT = (process.env.MMOE_BENCH_INIT ?? 'pytorch') as Initializer;
if (!INITIALIZERS.includes(INIT))
  throw new Error(`MMOE_BENCH_INIT must be one of ${INITIALIZERS.join(', ')}`);
const REPEATS = Number(process.env.MMOE_BENCH_REPEATS ?? 3);

interface Tensors {
  readonly x: tf.Tensor2D;
  readonly y1: tf.Tensor2D;
  readonly y2: tf.Tensor2D;
}

const toTensors = (s: SyntheticSplit): Tensors => ({
  x: tf.tensor2d(s.x, [s.n, D]),
  y1: tf.tensor2d(s.y1, [s.n, 1]),
  y2: tf.tensor2d(s.y2, [s.n, 1]),
});

interface RunResult {
  readonly finalTest: number;
  readonly bestValTest: number;
  readonly bestVal: number;
  readonly bestStep: number;
  readonly params: number;
  readonly ms: number;
}

function run(kind: 'hard' | 'mmoe', seed: number, train: Tensors, val: Tensors, test: Tensors): RunResult {
  const backbone: Backbone =
    kind === 'hard'
      ? mlpBackbone({ inputSize: D, units: [126], initializer: INIT, seed })
      : mmoeBackbone({
          inputSize: D,
          tasks: ['t1', 't2'],
          numExperts: 8,
          expertUnits: [16],
          initializer: INIT,
          seed,
        });
  const z = kind === 'hard' ? 126 : 16;
  const model = new MultitaskModel({
    backbone,
    tasks: [towerTask('t1', z, 8, seed + 1, INIT), towerTask('t2', z, 8, seed + 2, INIT)],
  });
  const opt: tf.Optimizer = tf.train.adam(LR);
  // tfjs's Adam reads `learningRate` on every step; it is a protected field in the typings.
  const setLr = (lr: number): void => {
    (opt as unknown as { learningRate: number }).learningRate = lr;
  };
  const mse = (t: Tensors): number => {
    const out = model.predict(t.x);
    const v = tf.tidy(
      () =>
        tf
          .add(tf.mean(tf.square(tf.sub(out.t1!, t.y1))), tf.mean(tf.square(tf.sub(out.t2!, t.y2))))
          .dataSync()[0]!,
    );
    tf.dispose(out);
    return v;
  };
  const rng = new Rng(seed + 99);
  const every = Math.max(1, Math.floor(STEPS / EVALS));
  let best = { val: Infinity, test: NaN, step: 0 };
  const t0 = performance.now();
  for (let s = 0; s < STEPS; s++) {
    setLr(LR * (0.01 + 0.99 * 0.5 * (1 + Math.cos((Math.PI * s) / STEPS))));
    const idx = tf.tensor1d(
      Array.from({ length: BATCH }, () => rng.int(N_TRAIN)),
      'int32',
    );
    const [xb, y1, y2] = [train.x, train.y1, train.y2].map((t) => tf.gather(t, idx));
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(xb!, { training: true });
      return tf.add(model.task('t1').loss(out.t1!, y1!), model.task('t2').loss(out.t2!, y2!));
    }, model.trainableVariables);
    opt.applyGradients(grads);
    tf.dispose([idx, xb, y1, y2, value, grads]);
    if ((s + 1) % every === 0 || s === STEPS - 1) {
      const v = mse(val);
      if (v < best.val) best = { val: v, test: mse(test), step: s + 1 };
    }
  }
  const ms = performance.now() - t0;
  const finalTest = mse(test);
  const params = parameterCount(model);
  opt.dispose();
  model.dispose();
  return { finalTest, bestValTest: best.test, bestVal: best.val, bestStep: best.step, params, ms };
}

const r4 = (v: number): number => +v.toFixed(4);
const log = (row: object): void => {
  console.log(JSON.stringify(row));
  if (process.env.MMOE_BENCH_LOG) appendFileSync(process.env.MMOE_BENCH_LOG, `${JSON.stringify(row)}\n`);
};

it(
  'MMoE vs hard sharing on Ma et al.’s synthetic data, ρ ∈ {1, 0.5, 0}, 3 seeds',
  { timeout: 4 * 3_600_000 },
  () => {
    const dataRows: Record<string, number>[] = [];
    const rows: Record<string, number>[] = [];
    for (const rho of RHOS) {
      for (const seed of SEEDS) {
        // Train and test rows come first, in the same draw order as before the validation split was added.
        const data = syntheticData({
          d: D,
          c: C,
          m: M,
          noiseStd: NOISE_STD,
          rho,
          seed,
          sinusoids: SINUSOIDS,
          sizes: [N_TRAIN, N_TEST, N_VAL],
        });
        const [trainS, testS, valS] = data.splits as [SyntheticSplit, SyntheticSplit, SyntheticSplit];
        const dataRow = {
          rho,
          seed,
          cosW: r4(data.cosine),
          pearsonY: r4(pearson(trainS.y1, trainS.y2)),
          varY1: r4(variance(trainS.y1)),
          varY2: r4(variance(trainS.y2)),
          nonlinShareY1: r4(nonlinearShare(trainS.y1, trainS, data.w[0])),
          nonlinShareY2: r4(nonlinearShare(trainS.y2, trainS, data.w[1])),
        };
        dataRows.push(dataRow);
        log({ data: dataRow, alpha: data.alpha.map(r4), beta: data.beta.map(r4) });
        const [train, test, val] = [trainS, testS, valS].map(toTensors) as [Tensors, Tensors, Tensors];
        // Repeat r starts both models from initial-weight seed 100·seed + r (batch order from the same seed).
        const repeat = (kind: 'hard' | 'mmoe'): RunResult & { finals: number[]; bestVals: number[] } => {
          const runs = Array.from({ length: REPEATS }, (_, r) => run(kind, 100 * seed + r, train, val, test));
          const avg = (f: (x: RunResult) => number): number =>
            runs.reduce((acc, x) => acc + f(x), 0) / runs.length;
          return {
            finalTest: avg((x) => x.finalTest),
            bestValTest: avg((x) => x.bestValTest),
            bestVal: avg((x) => x.bestVal),
            bestStep: Math.round(avg((x) => x.bestStep)),
            params: runs[0]!.params,
            ms: avg((x) => x.ms),
            finals: runs.map((x) => r4(x.finalTest)),
            bestVals: runs.map((x) => r4(x.bestValTest)),
          };
        };
        const hard = repeat('hard');
        const mmoe = repeat('mmoe');
        log({
          rho,
          seed,
          hardBestValRuns: hard.bestVals,
          mmoeBestValRuns: mmoe.bestVals,
          hardFinalRuns: hard.finals,
          mmoeFinalRuns: mmoe.finals,
        });
        tf.dispose([train, test, val].flatMap((t) => [t.x, t.y1, t.y2]));
        rows.push({
          rho,
          seed,
          hardFinal: r4(hard.finalTest),
          mmoeFinal: r4(mmoe.finalTest),
          hardBestVal: r4(hard.bestValTest),
          mmoeBestVal: r4(mmoe.bestValTest),
          'mmoe/hard (best-val)': +(mmoe.bestValTest / hard.bestValTest).toFixed(3),
          hardBestStep: hard.bestStep,
          mmoeBestStep: mmoe.bestStep,
          hardParams: hard.params,
          mmoeParams: mmoe.params,
          hardMsPerStep: +(hard.ms / STEPS).toFixed(2),
          mmoeMsPerStep: +(mmoe.ms / STEPS).toFixed(2),
        });
        log(rows.at(-1)!);
      }
    }
    const mean = (xs: number[]): number => r4(xs.reduce((s, v) => s + v, 0) / xs.length);
    const summary = RHOS.map((rho) => {
      const rs = rows.filter((r) => r.rho === rho);
      return {
        rho,
        hardFinal: mean(rs.map((r) => r.hardFinal!)),
        mmoeFinal: mean(rs.map((r) => r.mmoeFinal!)),
        hardBestVal: mean(rs.map((r) => r.hardBestVal!)),
        mmoeBestVal: mean(rs.map((r) => r.mmoeBestVal!)),
        mmoeWinsFinal: rs.filter((r) => r.mmoeFinal! < r.hardFinal!).length,
        mmoeWinsBestVal: rs.filter((r) => r.mmoeBestVal! < r.hardBestVal!).length,
        seeds: rs.length,
      };
    });
    console.log(
      `backend ${tf.getBackend()}, init ${INIT}, ${REPEATS} repeats, c ${C}, sinusoids ${SINUSOIDS}, ${STEPS} steps of batch ${BATCH}, lr ${LR} cosine-decayed to ${LR / 100}`,
    );
    console.table(dataRows);
    console.table(rows);
    console.table(summary);
    for (const s of summary) log({ summary: s });
  },
);
