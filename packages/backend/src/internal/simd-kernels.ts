/**
 * The kernels that run (part of) their work in the SIMD module (simd.ts): each returns `undefined` when its case is
 * not covered, and the caller falls back to its composed version. Every output is allocated before any offset is
 * taken (an allocation may grow — and move the views of — the heap; offsets stay valid, views do not).
 */
import { type backend_util, type KernelFunc, util, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapOf } from './heap.ts';
import { type KernelContext } from './kernel-call.ts';
import { simdOf } from './simd.ts';

type Shape4 = [number, number, number, number];

/**
 * When the direct filter gradient runs instead of the XNNPACK composition — only where it measured faster
 * (bench/simd.bench.ts, kernels alone, B = 256 unless said): filters at least 5 wide (its 5-column × 2-channel
 * blocks), at most 256 taps per output channel (Ci·FH·FW), no left/right padding, outputs at least 4 wide. Measured:
 * Multi-LeNet 1 → 10 channels 0.33–0.38×, 10 → 20 0.74–0.88×; and slower where excluded: 16 → 32 channels 5×5
 * (B = 64, 400 taps) 1.14–1.18×, 3×3 filters 0.9–3.3×, 10 → 20 with 'same' padding 3.3×.
 */
export function directFilterGradFits(
  ci: number,
  fh: number,
  fw: number,
  ow: number,
  left: number,
  right: number,
): boolean {
  return fw >= 5 && ci * fh * fw <= 256 && left === 0 && right === 0 && ow >= 4;
}

/**
 * The largest column matrix (N·OH·OW × FH·FW·Ci floats, 128 MB) the input gradient builds; above it the composed
 * kernel runs, which needs no such intermediate (Multi-LeNet at B = 256 needs 9.2 M floats).
 */
export const SIMD_COL2IM_MAX_FLOATS: number = 2 ** 25;

/**
 * dx = col2im(dy · Wᵀ): dy as [N·OH·OW, Co] times the filter as [Co, FH·FW·Ci] (one XNNPACK product, no zero
 * padding), then every column added to its input positions. `dy` is NHWC; `inShape` the NHWC input shape.
 */
export function simdConv2DBackpropInput(
  ctx: KernelContext,
  dy: TensorInfo,
  filter: TensorInfo,
  inShape: Shape4,
  info: backend_util.Conv2DInfo,
): TensorInfo | undefined {
  const simd = simdOf(ctx.backend, 'Conv2DBackpropInput');
  const heap = heapOf(ctx.backend);
  if (simd === undefined || heap === undefined) return undefined;
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return undefined;
  if (util.sizeFromShape(dy.shape) === 0 || util.sizeFromShape(inShape) === 0) return undefined;
  const [n, h, w, ci] = inShape;
  const [, oh, ow, co] = dy.shape as Shape4;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const k = fh * fw * ci;
  if (n * oh * ow * k > SIMD_COL2IM_MAX_FLOATS) return undefined;
  const temps: TensorInfo[] = [];
  try {
    const a = ctx.run('Reshape', { x: dy }, { shape: [1, n * oh * ow, co] });
    temps.push(a);
    const f2 = ctx.run('Reshape', { x: filter }, { shape: [k, co] });
    temps.push(f2);
    const ft = ctx.run('Transpose', { x: f2 }, { perm: [1, 0] });
    temps.push(ft);
    const b = ctx.run('Reshape', { x: ft }, { shape: [1, co, k] });
    temps.push(b);
    const cols = ctx.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
    temps.push(cols);
    const dx = heap.alloc(inShape);
    simd.fn.col2im(
      simd.offset(cols),
      simd.offset(dx),
      n,
      h,
      w,
      ci,
      oh,
      ow,
      fh,
      fw,
      sh,
      sw,
      info.padInfo.top,
      info.padInfo.left,
    );
    return dx;
  } finally {
    for (const t of temps) ctx.free(t);
  }
}

/**
 * The filter gradient as a direct SIMD loop over channels-first copies of each image of x and dy, for stride width 1 and the
 * shapes of {@link directFilterGradFits} (narrow layers with wide filters, where XNNPACK's convolution with dy as the
 * filter is slow). `x` and `dy` are NHWC.
 */
export function simdConv2DBackpropFilter(
  ctx: KernelContext,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: Shape4,
  info: backend_util.Conv2DInfo,
): TensorInfo | undefined {
  const simd = simdOf(ctx.backend, 'Conv2DBackpropFilter');
  const heap = heapOf(ctx.backend);
  if (simd === undefined || heap === undefined) return undefined;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') return undefined;
  if (info.strideWidth !== 1 || info.dilationHeight !== 1 || info.dilationWidth !== 1) return undefined;
  const [n, h, w, ci] = x.shape as Shape4;
  const [, oh, ow, co] = dy.shape as Shape4;
  const { filterHeight: fh, filterWidth: fw, padInfo } = info;
  if (!directFilterGradFits(ci, fh, fw, ow, padInfo.left, padInfo.right)) return undefined;
  if (util.sizeFromShape(x.shape) === 0 || util.sizeFromShape(dy.shape) === 0) return undefined;
  // room for one image of dy, and of x when it has more than one channel, channels first
  const scratch = heap.alloc([co * oh * ow + (ci > 1 ? ci * h * w : 0)]);
  try {
    const dw = heap.alloc(filterShape);
    simd.fn.convFilterGrad(
      simd.offset(x),
      simd.offset(dy),
      simd.offset(dw),
      simd.offset(scratch),
      n,
      ci,
      h,
      w,
      co,
      oh,
      ow,
      fh,
      fw,
      info.strideHeight,
      padInfo.top,
      padInfo.left,
    );
    return dw;
  } finally {
    ctx.free(scratch);
  }
}

/** MaxPoolGrad in SIMD, given the forward output `y` (float32, NHWC). */
export function simdMaxPoolGrad(
  backend: object,
  x: TensorInfo,
  y: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo | undefined {
  const simd = simdOf(backend, 'MaxPoolGrad');
  const heap = heapOf(backend);
  if (simd === undefined || heap === undefined) return undefined;
  if (util.sizeFromShape(x.shape) === 0 || util.sizeFromShape(dy.shape) === 0) return undefined;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return undefined;
  const dx = heap.alloc(x.shape);
  simd.fn.maxPoolGrad(
    simd.offset(x),
    simd.offset(y),
    simd.offset(dy),
    simd.offset(dx),
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
  return dx;
}

/**
 * Sum over the leading axes of a float32 tensor (e.g. N, H, W of [N, H, W, C]: the bias gradient) as one pass of
 * column sums, where the stock wasm kernel transposes the tensor first; every other reduction goes to `stock`.
 */
export function simdSumKernel(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x!;
    const simd = simdOf(backend, 'Sum');
    const heap = heapOf(backend);
    const rank = x.shape.length;
    if (simd === undefined || heap === undefined || x.dtype !== 'float32' || rank < 2) return stock(args);
    const axisAttr = attrs?.axis as number | number[] | null | undefined;
    const axes = (axisAttr == null ? x.shape.map((_, d) => d) : util.parseAxisParam(axisAttr, x.shape)).sort(
      (a, b) => a - b,
    );
    const k = axes.length;
    if (k === 0 || k >= rank || axes.some((a, i) => a !== i)) return stock(args);
    const rows = util.sizeFromShape(x.shape.slice(0, k));
    const rest = x.shape.slice(k);
    const cols = util.sizeFromShape(rest);
    if (rows === 0 || cols === 0) return stock(args);
    const outShape = attrs?.keepDims === true ? [...x.shape.slice(0, k).map(() => 1), ...rest] : rest;
    const out = heap.alloc(outShape);
    simd.fn.colSum(simd.offset(x), simd.offset(out), rows, cols);
    return out;
  };
}
