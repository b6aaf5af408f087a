/**
 * MaxPoolGrad as one pass over the input: for every pooling window, the first position holding the window's
 * maximum (row-major, strictly greater than everything before it, starting from −∞ — the cpu backend's rule, so
 * ties and windows of −∞/NaN behave the same) receives that window's upstream gradient; overlapping windows add up.
 * The stock wasm kernel visits every (input pixel × window) pair through a scalar loop and was a quarter of the
 * Multi-LeNet step (bench/profiles/before.md); this is O(output × window) and reads the heap in place. When the
 * forward output is given (tfjs's gradient passes it), the first element equal to it is the position (fewer compares
 * and branches than a running maximum); windows whose output is −∞ or NaN are scanned by the rule above.
 */
import { backend_util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapOf } from './heap.ts';
import { simdMaxPoolGrad } from './simd-kernels.ts';

type Shape4 = [number, number, number, number];

/**
 * The first position (row-major) of the strict maximum of one window and channel, from −∞: −1 when every value is
 * −∞ or NaN.
 */
function firstMax(
  xv: Float32Array,
  xb: number,
  rMin: number,
  rMax: number,
  cMin: number,
  cMax: number,
  w: number,
  c: number,
  d: number,
): number {
  let best = -Infinity;
  let pos = -1;
  for (let r = rMin; r < rMax; r++) {
    let i = xb + (r * w + cMin) * c + d;
    for (let col = cMin; col < cMax; col++, i += c) {
      const v = xv[i]!;
      if (v > best) {
        best = v;
        pos = i;
      }
    }
  }
  return pos;
}

/** MaxPoolGrad on a backend with heap access; `stock` answers everything else (non-float32 data, no heap). */
export function maxPoolGradKernel(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const dy = inputs.dy!;
    const x = inputs.input!;
    const heap = heapOf(backend);
    if (heap === undefined || x.dtype !== 'float32' || dy.dtype !== 'float32') return stock(args);
    const a = attrs ?? {};
    const info = backend_util.computePool2DInfo(
      x.shape as Shape4,
      a.filterSize as [number, number] | number,
      a.strides as [number, number] | number,
      1,
      a.pad as 'valid' | 'same' | number,
      a.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    );
    const y = inputs.output;
    if (y?.dtype === 'float32' && y.shape.length === 4) {
      const direct = simdMaxPoolGrad(backend, x, y, dy, info);
      if (direct !== undefined) return direct;
    }
    const dx: TensorInfo = heap.alloc(x.shape);
    const xv = heap.view(x);
    const dyv = heap.view(dy);
    const dxv = heap.view(dx);
    const yv = y?.dtype === 'float32' && y.shape.length === 4 ? heap.view(y) : undefined;
    dxv.fill(0);
    const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
    const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
    const { top, left } = info.padInfo;
    let o = 0; // index into dy
    for (let b = 0; b < batchSize; b++) {
      const xb = b * h * w * c;
      for (let yr = 0; yr < oh; yr++) {
        const r0 = yr * sh - top;
        const rMin = Math.max(0, r0);
        const rMax = Math.min(h, r0 + fh);
        for (let yc = 0; yc < ow; yc++) {
          const c0 = yc * sw - left;
          const cMin = Math.max(0, c0);
          const cMax = Math.min(w, c0 + fw);
          for (let d = 0; d < c; d++, o++) {
            let pos = -1;
            const m = yv === undefined ? NaN : yv[o]!;
            if (m > -Infinity) {
              // the forward output is the window's maximum: its first occurrence is the position
              search: for (let r = rMin; r < rMax; r++) {
                let i = xb + (r * w + cMin) * c + d;
                for (let col = cMin; col < cMax; col++, i += c) {
                  if (xv[i] === m) {
                    pos = i;
                    break search;
                  }
                }
              }
            }
            // not found (no output given, or −∞/NaN: wasm's MaxPool answers −∞ for a window [NaN, 3]): scan
            if (pos < 0) pos = firstMax(xv, xb, rMin, rMax, cMin, cMax, w, c, d);
            if (pos >= 0) dxv[pos] = dxv[pos]! + dyv[o]!;
          }
        }
      }
    }
    return dx;
  };
}
