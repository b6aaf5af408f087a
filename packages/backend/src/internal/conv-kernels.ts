/**
 * Conv2D back-propagation composed from the backend's own forward Conv2D (XNNPACK on wasm), Transpose, PadV2,
 * Reverse, Reshape and Slice kernels. Everything stays on the backend the kernel runs on.
 *
 * Notation (NHWC): x [N,H,W,Ci], filter [FH,FW,Ci,Co], dy [N,OH,OW,Co], stride s, padding (top pt, left pl).
 * The forward convolution is y[n,oh,ow,co] = Σ x[n, oh·s + fh − pt, ow·s + fw − pl, ci] · f[fh,fw,ci,co]
 * (tfjs has no dilation in the backprop kernels: the conv2d gradient rejects dilation > 1).
 */
import { backend_util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { BackendError } from './backend-error.ts';
import { type KernelContext } from './kernel-call.ts';
import { simdConv2DBackpropFilter, simdConv2DBackpropInput } from './simd-kernels.ts';

type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Shape4 = [number, number, number, number];

const NHWC_FROM_NCHW = [0, 2, 3, 1];
const NCHW_FROM_NHWC = [0, 3, 1, 2];

function readAttrs(attrs: Readonly<Record<string, unknown>> | undefined): {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode: Rounding;
} {
  const a = attrs ?? {};
  return {
    strides: a.strides as [number, number] | number,
    pad: a.pad as Pad,
    dataFormat: (a.dataFormat as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC',
    dimRoundingMode: a.dimRoundingMode as Rounding,
  };
}

/**
 * Crops (when `before`/`after` are negative) the spatial axes 1 and 2 of a NHWC tensor and returns the padding
 * that remains to be applied (all ≥ 0).
 */
function cropForPadding(
  ctx: KernelContext,
  x: TensorInfo,
  top: number,
  bottom: number,
  left: number,
  right: number,
  temps: TensorInfo[],
): { x: TensorInfo; pad: backend_util.ExplicitPadding } {
  const [n, h, w, c] = x.shape as Shape4;
  const cropTop = Math.max(0, -top);
  const cropBottom = Math.max(0, -bottom);
  const cropLeft = Math.max(0, -left);
  const cropRight = Math.max(0, -right);
  let out = x;
  if (cropTop + cropBottom + cropLeft + cropRight > 0) {
    out = ctx.run(
      'Slice',
      { x },
      { begin: [0, cropTop, cropLeft, 0], size: [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c] },
    );
    temps.push(out);
  }
  return {
    x: out,
    pad: [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ],
  };
}

function toNhwc(ctx: KernelContext, t: TensorInfo, format: 'NHWC' | 'NCHW', temps: TensorInfo[]): TensorInfo {
  if (format === 'NHWC') return t;
  const out = ctx.run('Transpose', { x: t }, { perm: NHWC_FROM_NCHW });
  temps.push(out);
  return out;
}

/**
 * dW = Σₙ,ₒₕ,ₒw x[n, oh·s + fh − pt, …, ci] · dy[n, oh, ow, co], i.e. a forward convolution of
 * xᵀ [Ci, H, W, N] (channels ↔ batch) with the "filter" dyᵀ [OH, OW, N, Co] at dilation s and stride 1, giving
 * [Ci, FH, FW, Co], transposed to [FH, FW, Ci, Co]. Padding: pt on top; the bottom padding makes the output
 * exactly FH rows (rows of x no output reads are cropped when it comes out negative).
 */
export function conv2DBackpropFilterKernel(makeCtx: (backend: object) => KernelContext): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const ctx = makeCtx(backend);
    const { strides, pad, dataFormat, dimRoundingMode } = readAttrs(attrs);
    const filterShape = (attrs?.filterShape as Shape4 | undefined) ?? [0, 0, 0, 0];
    const temps: TensorInfo[] = [];
    try {
      const x = toNhwc(ctx, inputs.x!, dataFormat, temps);
      const dy = toNhwc(ctx, inputs.dy!, dataFormat, temps);
      const info = backend_util.computeConv2DInfo(
        x.shape as Shape4,
        filterShape,
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      const direct = simdConv2DBackpropFilter(ctx, x, dy, filterShape, info);
      if (direct !== undefined) return direct;
      const [, h, w] = x.shape as Shape4;
      const [, oh, ow] = dy.shape as Shape4;
      const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
      const top = info.padInfo.top;
      const left = info.padInfo.left;
      const bottom = (oh - 1) * sh + fh - top - h;
      const right = (ow - 1) * sw + fw - left - w;
      const cropped = cropForPadding(ctx, x, top, bottom, left, right, temps);
      const xt = ctx.run('Transpose', { x: cropped.x }, { perm: [3, 1, 2, 0] });
      temps.push(xt);
      const dyt = ctx.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
      temps.push(dyt);
      const conv = ctx.run(
        'Conv2D',
        { x: xt, filter: dyt },
        { strides: [1, 1], pad: cropped.pad, dataFormat: 'NHWC', dilations: [sh, sw] },
      );
      temps.push(conv);
      return ctx.run('Transpose', { x: conv }, { perm: [1, 2, 0, 3] });
    } finally {
      for (const t of temps) ctx.free(t);
    }
  };
}

/**
 * dx[n,h,w,ci] = Σ dy[n,oh,ow,co] · f[fh,fw,ci,co] over h = oh·s + fh − pt. With dy dilated by s (zeros between
 * rows/columns, built with Reshape + PadV2), this is a stride-1 forward convolution of the dilated dy with the
 * filter flipped in space and with in/out channels swapped, padded by FH − 1 − pt on top (cropping when negative)
 * and enough at the bottom to give exactly H rows.
 */
export function conv2DBackpropInputKernel(makeCtx: (backend: object) => KernelContext): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const ctx = makeCtx(backend);
    const { strides, pad, dataFormat, dimRoundingMode } = readAttrs(attrs);
    const inputShape = attrs?.inputShape as Shape4 | undefined;
    if (inputShape === undefined) {
      throw new BackendError(
        '[@multitask/backend] Conv2DBackpropInput called without inputShape — pass attrs.inputShape',
        {
          kernel: 'Conv2DBackpropInput',
        },
      );
    }
    const temps: TensorInfo[] = [];
    try {
      const nhwcShape: Shape4 =
        dataFormat === 'NHWC' ? inputShape : [inputShape[0], inputShape[2], inputShape[3], inputShape[1]];
      const dy = toNhwc(ctx, inputs.dy!, dataFormat, temps);
      const filter = inputs.filter!;
      const info = backend_util.computeConv2DInfo(
        nhwcShape,
        filter.shape as Shape4,
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      const direct = simdConv2DBackpropInput(ctx, dy, filter, nhwcShape, info);
      if (direct !== undefined) {
        if (dataFormat === 'NHWC') return direct;
        temps.push(direct);
        return ctx.run('Transpose', { x: direct }, { perm: NCHW_FROM_NHWC });
      }
      const [n, h, w] = nhwcShape;
      const [, oh, ow, co] = dy.shape as Shape4;
      const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
      let dilated = dy;
      if (sh > 1 || sw > 1) {
        const six = ctx.run('Reshape', { x: dy }, { shape: [n, oh, 1, ow, 1, co] });
        temps.push(six);
        const padded = ctx.run(
          'PadV2',
          { x: six },
          {
            paddings: [
              [0, 0],
              [0, 0],
              [0, sh - 1],
              [0, 0],
              [0, sw - 1],
              [0, 0],
            ],
            constantValue: 0,
          },
        );
        temps.push(padded);
        dilated = ctx.run('Reshape', { x: padded }, { shape: [n, oh * sh, ow * sw, co] });
        temps.push(dilated);
      }
      const [, dh, dw] = dilated.shape as Shape4;
      const top = fh - 1 - info.padInfo.top;
      const left = fw - 1 - info.padInfo.left;
      const bottom = h + fh - 1 - top - dh;
      const right = w + fw - 1 - left - dw;
      const cropped = cropForPadding(ctx, dilated, top, bottom, left, right, temps);
      const flipped = ctx.run('Reverse', { x: filter }, { dims: [0, 1] });
      temps.push(flipped);
      const swapped = ctx.run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
      temps.push(swapped);
      const dx = ctx.run(
        'Conv2D',
        { x: cropped.x, filter: swapped },
        { strides: [1, 1], pad: cropped.pad, dataFormat: 'NHWC', dilations: [1, 1] },
      );
      if (dataFormat === 'NHWC') return dx;
      temps.push(dx);
      return ctx.run('Transpose', { x: dx }, { perm: NCHW_FROM_NHWC });
    } finally {
      for (const t of temps) ctx.free(t);
    }
  };
}
