/**
 * A 2-D convolution whose filter gradient is computed with a forward convolution, so it trains fast on the cpu
 * backend (whose Conv2DBackpropFilter kernel runs at ~10 MFLOP/s) and works on stock wasm (which lacks that
 * kernel). Internal.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor4D, Variable } from '@tensorflow/tfjs-core';
import type { Rng } from '@multitask/core';
import { glorotUniform, makeVariable } from '@multitask/core/parts';

/** A convolution layer's variables and geometry. */
export interface Conv {
  /** `[k, k, inChannels, filters]` */
  readonly kernel: Variable;
  /** `[filters]` */
  readonly bias: Variable | undefined;
  readonly stride: number;
  readonly padding: 'valid' | 'same';
}

/** Creates a convolution layer (Glorot-uniform kernel, zero bias). */
export function makeConv(
  rng: Rng,
  kernelSize: number,
  inChannels: number,
  filters: number,
  stride = 1,
  padding: 'valid' | 'same' = 'valid',
  useBias = true,
): Conv {
  const k = kernelSize;
  return {
    kernel: makeVariable(
      glorotUniform(rng, k * k * inChannels * filters, k * k * inChannels, k * k * filters),
      [k, k, inChannels, filters],
    ),
    bias: useBias ? makeVariable(new Float32Array(filters), [filters]) : undefined,
    stride,
    padding,
  };
}

/** Explicit 'same' padding (TensorFlow's convention: the extra row/column goes after). */
function samePad(x: Tensor4D, k: number, stride: number): Tensor4D {
  const pads = [1, 2].map((axis) => {
    const n = x.shape[axis]!;
    const out = Math.ceil(n / stride);
    const total = Math.max((out - 1) * stride + k - n, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)] as [number, number];
  });
  if (pads.every(([a, b]) => a === 0 && b === 0)) return x;
  return tf.pad(x, [[0, 0], pads[0]!, pads[1]!, [0, 0]]);
}

/**
 * `conv2d(x, w)` with 'valid' padding and square stride `s`, whose gradient w.r.t. `w` is
 * `conv2d(xᵀ[Ci,H,W,N], dyᵀ[OH,OW,N,Co], dilation s)` cropped to `[Ci,k,k,Co]` and transposed, and w.r.t. `x`
 * the usual transposed convolution.
 */
function convValid(x: Tensor4D, w: Tensor4D, s: number): Tensor4D {
  const f = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const xx = args[0] as Tensor4D;
    const ww = args[1] as Tensor4D;
    (args[2] as tf.GradSaveFunc)([xx, ww]);
    return {
      value: tf.conv2d(xx, ww, s, 'valid'),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx, sw] = saved as [Tensor4D, Tensor4D];
        const d = dy as Tensor4D;
        const k = sw.shape[0];
        const dx = tf.conv2dTranspose(d, sw, sx.shape, s, 'valid');
        const xt = tf.transpose(sx, [3, 1, 2, 0]);
        const dyt = tf.transpose(d, [1, 2, 0, 3]);
        let dwT = tf.conv2d(xt, dyt, 1, 'valid', 'NHWC', s);
        if (dwT.shape[1] !== k || dwT.shape[2] !== k) dwT = tf.slice(dwT, [0, 0, 0, 0], [-1, k, k, -1]);
        return [dx, tf.transpose(dwT, [1, 2, 0, 3])];
      },
    };
  });
  return f(x, w);
}

/** Applies a convolution layer to `[batch, h, w, c]`. */
export function applyConv(x: Tensor4D, conv: Conv): Tensor4D {
  const k = conv.kernel.shape[0];
  const input = conv.padding === 'same' ? samePad(x, k, conv.stride) : x;
  const y = convValid(input, conv.kernel as Tensor4D, conv.stride);
  return conv.bias ? tf.add(y, conv.bias) : y;
}
