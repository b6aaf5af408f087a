// Trains the app's Multi-LeNet + two heads (seed 1, dropout off) through core's Trainer for STEPS Adam steps on the
// first STEPS × 256 training rows of an export, in order, and writes the initial and final weights.
// check_trajectory.py replays the same steps in PyTorch from the same initial weights and compares, and compares
// two backends' runs with each other (the float32 noise floor).
//
//   node apps/example/bench/reference/check-trajectory.mjs EXPORT_DIR BACKEND STEPS OUT.json
import fs from 'node:fs';
import process from 'node:process';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@multitask/backend';
import { MultitaskModel, Trainer, registerGradients } from '@multitask/core';
import { multiLeNetBackbone } from '@multitask/backbones';
import { arraySource } from '@multitask/data';
import { classificationTask } from '@multitask/heads';
import { staticWeighting } from '@multitask/weighting';
import { readNpyRows } from './npy.mjs';

const [dir, backend, stepsArg, outFile] = process.argv.slice(2);
if (!dir || !backend || !stepsArg || !outFile) {
  process.stderr.write(
    'usage: check-trajectory.mjs EXPORT_DIR BACKEND(cpu|wasm|tensorflow) STEPS OUT.json\n',
  );
  process.exit(2);
}
registerGradients();
await selectBackend({ prefer: backend, strict: true });

const npy = (file, rows) => readNpyRows(dir, file, rows);

const steps = Number(stepsArg);
const rows = 256 * steps;
const x = npy('train-inputs.npy', rows);
const names = ['left', 'right'];
const targets = Object.fromEntries(
  names.map((n, i) => [
    n,
    { kind: 'class', numClasses: 10, values: Array.from(npy(`train-targets-${i}.npy`, rows).data) },
  ]),
);
const backbone = multiLeNetBackbone({ inputShape: [36, 36, 1], seed: 1, dropout: 0 });
const tasks = names.map((n, i) => classificationTask(n, { numClasses: 10, inputSize: 50, seed: 101 + i }));
const model = new MultitaskModel({ backbone, tasks });
const variables = [...backbone.trainableVariables, ...tasks.flatMap((t) => t.head.trainableVariables)];
const dump = () => variables.map((v) => Array.from(v.dataSync()));
const initial = dump();
const trainer = new Trainer({ model, strategy: staticWeighting(), optimizer: tf.train.adam(1e-3), seed: 1 });
const src = arraySource({ inputs: { shape: x.shape, data: x.data }, targets });
const result = await trainer.fit(src, { epochs: 1, batchSize: 256, shuffle: false, validateData: 'none' });
const out = {
  backend: tf.getBackend(),
  steps: result.steps,
  shapes: variables.map((v) => v.shape),
  initial,
  final: dump(),
};
fs.writeFileSync(outFile, JSON.stringify(out));
process.stderr.write(`${out.backend}: ${result.steps} steps; wrote ${outFile}\n`);
