/**
 * Reference gradients written with plain tfjs ops on copies of the parameter values. Never imports the trainer:
 * every formula is written out again here.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';

export interface Params {
  W: number[];
  b: number[];
  W1: number[];
  b1: number[];
  W2: number[];
  b2: number[];
  inputSize: number;
  units: number;
}
export interface Data {
  x: number[][];
  cls: number[];
  reg: number[];
  clsMask?: number[];
  regMask?: number[];
}

type P = [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
function tensors(p: Params): P {
  return [
    tf.tensor2d(p.W, [p.inputSize, p.units]),
    tf.tensor1d(p.b),
    tf.tensor2d(p.W1, [p.units, 2]),
    tf.tensor1d(p.b1),
    tf.tensor2d(p.W2, [p.units, 1]),
    tf.tensor1d(p.b2),
  ];
}
const trunk = (x: Tensor, W: Tensor, b: Tensor): Tensor => tf.relu(tf.add(tf.matMul(x, W), b));
function lossCls(z: Tensor, W1: Tensor, b1: Tensor, d: Data): Scalar {
  const logits = tf.add(tf.matMul(z, W1), b1);
  const logp = tf.logSoftmax(logits);
  const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(d.cls, 'int32'), 2)), 1);
  const m = tf.tensor1d(d.clsMask ?? d.cls.map(() => 1));
  return tf.div(tf.neg(tf.sum(tf.mul(picked, m))), tf.sum(m));
}
function lossReg(z: Tensor, W2: Tensor, b2: Tensor, d: Data): Scalar {
  const y = tf.reshape(tf.add(tf.matMul(z, W2), b2), [-1]);
  const m = d.regMask ?? d.reg.map(() => 1);
  const target = tf.tensor1d(d.reg.map((r, i) => (m[i] ? r : 0)));
  const sq = tf.mul(tf.square(tf.sub(y, target)), tf.tensor1d(m));
  return tf.div(tf.sum(sq), tf.sum(tf.tensor1d(m)));
}

/** Gradients (flat arrays, order W b W1 b1 W2 b2) of w₁·CE + w₂·MSE. */
export function refLossWeighting(p: Params, d: Data, w: [number, number]): number[][] {
  return tf.tidy(() => {
    const x = tf.tensor2d(d.x);
    const g = tf.grads((W: Tensor, b: Tensor, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor) => {
      const z = trunk(x, W, b);
      return tf.add(tf.mul(lossCls(z, W1, b1, d), w[0]), tf.mul(lossReg(z, W2, b2, d), w[1]));
    })(tensors(p));
    return g.map((t) => Array.from(t.dataSync()));
  });
}

/** Naive two-pass representation-mode computation; returns grads, the Gramian and per-task ∂L/∂z. */
export function refRepresentation(
  p: Params,
  d: Data,
  weightsOf: (G: number[][]) => number[],
  direction?: (g: number[][]) => number[],
): { grads: number[][]; G: number[][]; perTask: number[][] } {
  return tf.tidy(() => {
    const x = tf.tensor2d(d.x);
    const [W, b, W1, b1, W2, b2] = tensors(p);
    const z = trunk(x, W, b);
    const g1 = tf.grad((zz: Tensor) => lossCls(zz, W1, b1, d))(z);
    const g2 = tf.grad((zz: Tensor) => lossReg(zz, W2, b2, d))(z);
    const f1 = Array.from(g1.dataSync()),
      f2 = Array.from(g2.dataSync());
    const dot = (a: number[], c: number[]): number => a.reduce((s, v, i) => s + v * c[i]!, 0);
    const G = [
      [dot(f1, f1), dot(f1, f2)],
      [dot(f2, f1), dot(f2, f2)],
    ];
    let dz: number[];
    if (direction) dz = direction([f1, f2]);
    else {
      const w = weightsOf(G);
      dz = f1.map((v, i) => w[0]! * v + w[1]! * f2[i]!);
    }
    const dzT = tf.tensor(dz, z.shape);
    // second forward pass: the vector-Jacobian product of the trunk with the combined dz
    const [gW, gb] = tf.grads((WW: Tensor, bb: Tensor) => tf.sum(tf.mul(trunk(x, WW, bb), dzT)))([W, b]);
    const [gW1, gb1] = tf.grads((a: Tensor, c: Tensor) => lossCls(z, a, c, d))([W1, b1]);
    const [gW2, gb2] = tf.grads((a: Tensor, c: Tensor) => lossReg(z, a, c, d))([W2, b2]);
    return {
      grads: [gW!, gb!, gW1!, gb1!, gW2!, gb2!].map((t) => Array.from(t.dataSync())),
      G,
      perTask: [f1, f2],
    };
  });
}

/** Parameters mode: per-task gradients w.r.t. W, b; Gramian over their concatenation. */
export function refParameters(
  p: Params,
  d: Data,
  weightsOf: (G: number[][]) => number[],
  direction?: (g: number[][]) => number[],
): { grads: number[][]; G: number[][] } {
  return tf.tidy(() => {
    const x = tf.tensor2d(d.x);
    const [W, b, W1, b1, W2, b2] = tensors(p);
    const t1 = tf.grads((WW: Tensor, bb: Tensor, a: Tensor, c: Tensor) => lossCls(trunk(x, WW, bb), a, c, d))(
      [W, b, W1, b1],
    );
    const t2 = tf.grads((WW: Tensor, bb: Tensor, a: Tensor, c: Tensor) => lossReg(trunk(x, WW, bb), a, c, d))(
      [W, b, W2, b2],
    );
    const f1 = [...t1[0]!.dataSync(), ...t1[1]!.dataSync()];
    const f2 = [...t2[0]!.dataSync(), ...t2[1]!.dataSync()];
    const dot = (a: number[], c: number[]): number => a.reduce((s, v, i) => s + v * c[i]!, 0);
    const G = [
      [dot(f1, f1), dot(f1, f2)],
      [dot(f2, f1), dot(f2, f2)],
    ];
    let comb: number[];
    if (direction) comb = direction([f1, f2]);
    else {
      const w = weightsOf(G);
      comb = f1.map((v, i) => w[0]! * v + w[1]! * f2[i]!);
    }
    const nW = p.W.length;
    return {
      grads: [
        comb.slice(0, nW),
        comb.slice(nW),
        Array.from(t1[2]!.dataSync()),
        Array.from(t1[3]!.dataSync()),
        Array.from(t2[2]!.dataSync()),
        Array.from(t2[3]!.dataSync()),
      ],
      G,
    };
  });
}
