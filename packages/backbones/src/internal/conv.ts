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
 * Whether the active backend's own `Conv2DBackpropFilter` beats the composition below: tensorflow's native kernel,
 * and on wasm the kernel `@multitask/backend` registers (the same composition, or a direct SIMD loop on the shapes
 * where that measured faster). Never on cpu, whose stock kernel runs at ~10 MFLOP/s.
 */
function fastFilterKernel(): boolean {
  const name = tf.getBackend();
  // tfjs types getKernel as always found; it returns undefined for a kernel the backend lacks (a map lookup).
  return (
    name !== 'cpu' &&
    (tf.getKernel('Conv2DBackpropFilter', name) as tf.KernelConfig | undefined) !== undefined
  );
}

/**
 * The gradient of `conv2d(x, w, s, 'valid')` w.r.t. `w`: `conv2d(xᵀ[Ci,H,W,N], dyᵀ[OH,OW,N,Co], dilation s)`
 * cropped to `[Ci,k,k,Co]` and transposed — a forward convolution, fast on every backend — unless the backend has
 * a faster kernel of its own ({@link fastFilterKernel}).
 */
function filterGradient(x: Tensor4D, dy: Tensor4D, k: number, s: number): Tensor4D {
  if (fastFilterKernel()) {
    return tf
      .engine()
      .runKernel<Tensor4D>(
        'Conv2DBackpropFilter',
        { x, dy },
        { strides: [s, s], pad: 'valid', dataFormat: 'NHWC', filterShape: [k, k, x.shape[3], dy.shape[3]] },
      );
  }
  const xt = tf.transpose(x, [3, 1, 2, 0]);
  const dyt = tf.transpose(dy, [1, 2, 0, 3]);
  let dwT = tf.conv2d(xt, dyt, 1, 'valid', 'NHWC', s);
  if (dwT.shape[1] !== k || dwT.shape[2] !== k) dwT = tf.slice(dwT, [0, 0, 0, 0], [-1, k, k, -1]);
  return tf.transpose(dwT, [1, 2, 0, 3]);
}

/**
 * `conv2d(x, w)` with 'valid' padding and square stride `s`, with the gradient w.r.t. `w` of
 * {@link filterGradient} and w.r.t. `x` the usual transposed convolution — or, when `inputGradient` is false
 * (a layer reading the model's inputs, which never need one), no gradient w.r.t. `x` at all: `x` is then not an
 * input of the op, so the backward pass skips that transposed convolution (on a Multi-LeNet's first layer at
 * batch 256 it is a sixth of the step on wasm), and a gradient taken w.r.t. `x` through this layer is refused by
 * tfjs rather than computed.
 */
function convValid(x: Tensor4D, w: Tensor4D, s: number, inputGradient: boolean): Tensor4D {
  const k = w.shape[0];
  if (!inputGradient) {
    const f = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
      const ww = args[0] as Tensor4D;
      (args[1] as tf.GradSaveFunc)([x]);
      return {
        value: tf.conv2d(x, ww, s, 'valid'),
        gradFunc: (dy: Tensor, saved: Tensor[]) => filterGradient(saved[0] as Tensor4D, dy as Tensor4D, k, s),
      };
    });
    return f(w);
  }
  const f = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const xx = args[0] as Tensor4D;
    const ww = args[1] as Tensor4D;
    (args[2] as tf.GradSaveFunc)([xx, ww]);
    return {
      value: tf.conv2d(xx, ww, s, 'valid'),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx, sw] = saved as [Tensor4D, Tensor4D];
        const d = dy as Tensor4D;
        return [tf.conv2dTranspose(d, sw, sx.shape, s, 'valid'), filterGradient(sx, d, k, s)];
      },
    };
  });
  return f(x, w);
}

/**
 * Applies a convolution layer to `[batch, h, w, c]`. `inputGradient: false` for a layer that reads the model's
 * inputs: no gradient flows to `x` (see {@link convValid}).
 */
export function applyConv(x: Tensor4D, conv: Conv, inputGradient = true): Tensor4D {
  const k = conv.kernel.shape[0];
  const input = conv.padding === 'same' ? samePad(x, k, conv.stride) : x;
  const y = convValid(input, conv.kernel as Tensor4D, conv.stride, inputGradient);
  return conv.bias ? tf.add(y, conv.bias) : y;
}
