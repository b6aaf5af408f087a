// Writes the app's MultiLeNet + two classification heads (seed 1, as `train` builds them for multi-mnist.json):
// initial weights, and the gradients of L_left + L_right on the first 256 training rows of an export (dropout off),
// computed on one backend. check_gradients.py recomputes them in PyTorch from the same weights and compares.
//
//   node apps/example/bench/reference/check-gradients.mjs EXPORT_DIR BACKEND OUT.json
import fs from 'node:fs';
import process from 'node:process';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@multitask/backend';
import { registerGradients } from '@multitask/core';
import { multiLeNetBackbone } from '@multitask/backbones';
import { classificationTask } from '@multitask/heads';
import { readNpyRows } from './npy.mjs';

const [dir, backend, outFile] = process.argv.slice(2);
if (!dir || !backend || !outFile) {
  process.stderr.write('usage: check-gradients.mjs EXPORT_DIR BACKEND(cpu|wasm|tensorflow) OUT.json\n');
  process.exit(2);
}
registerGradients();
await selectBackend({ prefer: backend, strict: true });

/** The first `rows` rows of an exported array, as a tensor. */
function npy(file, rows) {
  const { data, shape } = readNpyRows(dir, file, rows);
  return tf.tensor(data, shape, data instanceof Float32Array ? 'float32' : 'int32');
}

const rows = 256;
const x = npy('train-inputs.npy', rows);
const targets = [npy('train-targets-0.npy', rows), npy('train-targets-1.npy', rows)];
const backbone = multiLeNetBackbone({ inputShape: [36, 36, 1], seed: 1 });
const tasks = ['left', 'right'].map((name, i) =>
  classificationTask(name, { numClasses: 10, inputSize: 50, seed: 101 + i }),
);
const names = [
  'conv1.k',
  'conv1.b',
  'conv2.k',
  'conv2.b',
  'fc.k',
  'fc.b',
  'left.k',
  'left.b',
  'right.k',
  'right.b',
];
const variables = [...backbone.trainableVariables, ...tasks.flatMap((t) => t.head.trainableVariables)];
const context = { training: false };
const { value, grads } = tf.variableGrads(() => {
  const z = backbone.apply(x, context);
  return tf.addN(tasks.map((t, i) => t.loss(t.head.apply(z, context), targets[i])));
}, variables);
const out = { backend: tf.getBackend(), loss: value.dataSync()[0], shapes: {}, weights: {}, grads: {} };
variables.forEach((v, i) => {
  out.shapes[names[i]] = v.shape;
  out.weights[names[i]] = Array.from(v.dataSync());
  out.grads[names[i]] = Array.from(grads[v.name].dataSync());
});
fs.writeFileSync(outFile, JSON.stringify(out));
process.stderr.write(`${out.backend}: loss ${out.loss}; wrote ${outFile}\n`);
