// Training kernels in WebAssembly SIMD, compiled with AssemblyScript (scripts/build-simd.mjs) into a module that
// imports the tfjs wasm backend's own memory: every argument named like a tensor is the byte offset of that tensor's
// float32 data in the backend's heap, read and written in place. No allocator, no data segments, no globals: the
// module owns no memory of its own. Layouts are row-major; see src/internal/simd-kernels.ts for the callers.

/** dst[0..len) += src[0..len), float32, byte offsets. */
function addRun(dst: usize, src: usize, len: i32): void {
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < len; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/**
 * col2im: dx [n, h, w, ci] = Σ of the columns cols [n, oh, ow, fh, fw, ci] scattered to their input positions
 * (y = oy·sh + ky − pt, x = ox·sw + kx − pl; out-of-range taps dropped). dx is overwritten.
 */
export function col2im(
  cols: usize,
  dx: usize,
  n: i32,
  h: i32,
  w: i32,
  ci: i32,
  oh: i32,
  ow: i32,
  fh: i32,
  fw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
): void {
  memory.fill(dx, 0, (<usize>(n * h * w * ci)) << 2);
  const tapRow = fw * ci; // floats per kernel row in one column
  let col = cols;
  for (let b = 0; b < n; b++) {
    const img = dx + ((<usize>(b * h * w * ci)) << 2);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pl;
        const kx0 = x0 < 0 ? -x0 : 0;
        const kx1 = w - x0 < fw ? w - x0 : fw;
        if (kx1 > kx0) {
          for (let ky = 0; ky < fh; ky++) {
            const y = oy * sh + ky - pt;
            if (y < 0 || y >= h) continue;
            addRun(
              img + ((<usize>((y * w + x0 + kx0) * ci)) << 2),
              col + ((<usize>(ky * tapRow + kx0 * ci)) << 2),
              (kx1 - kx0) * ci,
            );
          }
        }
        col += (<usize>(fh * tapRow)) << 2;
      }
    }
  }
}

function hsum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3)
  );
}

function addTo(p: usize, v: f32): void {
  store<f32>(p, load<f32>(p) + v);
}

/** The output rows oy whose tap row ky lands inside x: [oy0, oy1) packed as oy0 << 16 | oy1. */
function rowRange(ky: i32, oh: i32, sh: i32, pt: i32, h: i32): i32 {
  let oy0 = 0;
  while (oy0 < oh && oy0 * sh + ky - pt < 0) oy0++;
  let oy1 = oh;
  while (oy1 > oy0 && (oy1 - 1) * sh + ky - pt >= h) oy1--;
  return (oy0 << 16) | oy1;
}

/**
 * The output columns ox where taps kx … kx + lastTap all land inside x (clamped to [0, ow), empty as lo == hi):
 * [lo, hi) packed as lo << 16 | hi, as {@link rowRange}.
 */
function colRange(kx: i32, lastTap: i32, pl: i32, w: i32, ow: i32): i32 {
  let lo = pl - kx;
  if (lo < 0) lo = 0;
  let hi = w + pl - (kx + lastTap);
  if (hi > ow) hi = ow;
  if (hi < lo) hi = lo;
  return (lo << 16) | hi;
}

/**
 * Σ over the rows of one tap row ky and the columns ox of x[y, ox + kx + k − pl] · dy[oy, ox] for k < nk (≤ 4) and one
 * output channel: added to dw at `at`, `at + stride`, …. `xPlane` is one input channel [h, w], `dyPlane` one output
 * channel [oh, ow].
 */
function taps(
  xPlane: usize,
  dyPlane: usize,
  at: usize,
  stride: usize,
  h: i32,
  w: i32,
  oh: i32,
  ow: i32,
  ky: i32,
  kx: i32,
  nk: i32,
  sh: i32,
  pt: i32,
  pl: i32,
): void {
  const range = rowRange(ky, oh, sh, pt, h);
  const oy0 = range >> 16;
  const oy1 = range & 0xffff;
  if (oy1 <= oy0) return;
  // the ox range where every one of the nk taps is inside x, then each tap's own edges
  const cols = colRange(kx, nk - 1, pl, w, ow);
  const lo = cols >> 16;
  const hi = cols & 0xffff;
  const vecEnd = lo + ((hi - lo) & ~3);
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let s0: f32 = 0;
  let s1: f32 = 0;
  let s2: f32 = 0;
  let s3: f32 = 0;
  for (let oy = oy0; oy < oy1; oy++) {
    const dyRow = dyPlane + ((<usize>(oy * ow)) << 2);
    // the row start shifted so that index ox gives tap kx
    const xRow = xPlane + ((<usize>((oy * sh + ky - pt) * w + kx - pl)) << 2);
    let ox = lo;
    if (nk == 4) {
      for (; ox < vecEnd; ox += 4) {
        const d = v128.load(dyRow + ((<usize>ox) << 2));
        const p = xRow + ((<usize>ox) << 2);
        a0 = f32x4.add(a0, f32x4.mul(v128.load(p), d));
        a1 = f32x4.add(a1, f32x4.mul(v128.load(p + 4), d));
        a2 = f32x4.add(a2, f32x4.mul(v128.load(p + 8), d));
        a3 = f32x4.add(a3, f32x4.mul(v128.load(p + 12), d));
      }
    } else {
      for (; ox < vecEnd; ox += 4) {
        const d = v128.load(dyRow + ((<usize>ox) << 2));
        const p = xRow + ((<usize>ox) << 2);
        a0 = f32x4.add(a0, f32x4.mul(v128.load(p), d));
        if (nk > 1) a1 = f32x4.add(a1, f32x4.mul(v128.load(p + 4), d));
        if (nk > 2) a2 = f32x4.add(a2, f32x4.mul(v128.load(p + 8), d));
      }
    }
    for (let k = 0; k < nk; k++) {
      const s = edges(xRow, dyRow, k, kx, lo, vecEnd, w, ow, pl);
      if (k == 0) s0 += s;
      else if (k == 1) s1 += s;
      else if (k == 2) s2 += s;
      else s3 += s;
    }
  }
  addTo(at, hsum(a0) + s0);
  if (nk > 1) addTo(at + stride, hsum(a1) + s1);
  if (nk > 2) addTo(at + 2 * stride, hsum(a2) + s2);
  if (nk > 3) addTo(at + 3 * stride, hsum(a3) + s3);
}

/** Σ x[ox + k] · dy[ox] over the ox of tap kx + k inside x but outside the vectorised range [lo, vecEnd). */
function edges(
  xRow: usize,
  dyRow: usize,
  k: i32,
  kx: i32,
  lo: i32,
  vecEnd: i32,
  w: i32,
  ow: i32,
  pl: i32,
): f32 {
  const tlo = pl - kx - k > 0 ? pl - kx - k : 0;
  const thi = w + pl - kx - k < ow ? w + pl - kx - k : ow;
  let s: f32 = 0;
  for (let e = tlo; e < thi; e++) {
    if (e >= lo && e < vecEnd) {
      e = vecEnd - 1;
      continue;
    }
    s += load<f32>(xRow + ((<usize>(e + k)) << 2)) * load<f32>(dyRow + ((<usize>e) << 2));
  }
  return s;
}

/**
 * As {@link taps} for five taps (kx … kx + 4) and two output channels at once (dyPlane, dyPlane + planeBytes): ten
 * accumulators, each x load shared by two products and each dy load by five.
 */
function taps5x2(
  xPlane: usize,
  dyPlane: usize,
  planeBytes: usize,
  at: usize,
  stride: usize,
  h: i32,
  w: i32,
  oh: i32,
  ow: i32,
  ky: i32,
  kx: i32,
  sh: i32,
  pt: i32,
  pl: i32,
): void {
  const range = rowRange(ky, oh, sh, pt, h);
  const oy0 = range >> 16;
  const oy1 = range & 0xffff;
  if (oy1 <= oy0) return;
  const cols = colRange(kx, 4, pl, w, ow);
  const lo = cols >> 16;
  const hi = cols & 0xffff;
  const vecEnd = lo + ((hi - lo) & ~3);
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let a4 = f32x4.splat(0);
  let b0 = f32x4.splat(0);
  let b1 = f32x4.splat(0);
  let b2 = f32x4.splat(0);
  let b3 = f32x4.splat(0);
  let b4 = f32x4.splat(0);
  let sa: f32 = 0;
  let sb: f32 = 0;
  let edgeA0: f32 = 0;
  let edgeA1: f32 = 0;
  let edgeA2: f32 = 0;
  let edgeA3: f32 = 0;
  let edgeA4: f32 = 0;
  let edgeB0: f32 = 0;
  let edgeB1: f32 = 0;
  let edgeB2: f32 = 0;
  let edgeB3: f32 = 0;
  let edgeB4: f32 = 0;
  for (let oy = oy0; oy < oy1; oy++) {
    const dyRow = dyPlane + ((<usize>(oy * ow)) << 2);
    const dyRowB = dyRow + planeBytes;
    const xRow = xPlane + ((<usize>((oy * sh + ky - pt) * w + kx - pl)) << 2);
    for (let ox = lo; ox < vecEnd; ox += 4) {
      const o4 = (<usize>ox) << 2;
      const da = v128.load(dyRow + o4);
      const db = v128.load(dyRowB + o4);
      const p = xRow + o4;
      let v = v128.load(p);
      a0 = f32x4.add(a0, f32x4.mul(v, da));
      b0 = f32x4.add(b0, f32x4.mul(v, db));
      v = v128.load(p + 4);
      a1 = f32x4.add(a1, f32x4.mul(v, da));
      b1 = f32x4.add(b1, f32x4.mul(v, db));
      v = v128.load(p + 8);
      a2 = f32x4.add(a2, f32x4.mul(v, da));
      b2 = f32x4.add(b2, f32x4.mul(v, db));
      v = v128.load(p + 12);
      a3 = f32x4.add(a3, f32x4.mul(v, da));
      b3 = f32x4.add(b3, f32x4.mul(v, db));
      v = v128.load(p + 16);
      a4 = f32x4.add(a4, f32x4.mul(v, da));
      b4 = f32x4.add(b4, f32x4.mul(v, db));
    }
    if (vecEnd - lo < ow) {
      edgeA0 += edges(xRow, dyRow, 0, kx, lo, vecEnd, w, ow, pl);
      edgeA1 += edges(xRow, dyRow, 1, kx, lo, vecEnd, w, ow, pl);
      edgeA2 += edges(xRow, dyRow, 2, kx, lo, vecEnd, w, ow, pl);
      edgeA3 += edges(xRow, dyRow, 3, kx, lo, vecEnd, w, ow, pl);
      edgeA4 += edges(xRow, dyRow, 4, kx, lo, vecEnd, w, ow, pl);
      edgeB0 += edges(xRow, dyRowB, 0, kx, lo, vecEnd, w, ow, pl);
      edgeB1 += edges(xRow, dyRowB, 1, kx, lo, vecEnd, w, ow, pl);
      edgeB2 += edges(xRow, dyRowB, 2, kx, lo, vecEnd, w, ow, pl);
      edgeB3 += edges(xRow, dyRowB, 3, kx, lo, vecEnd, w, ow, pl);
      edgeB4 += edges(xRow, dyRowB, 4, kx, lo, vecEnd, w, ow, pl);
    }
  }
  addTo(at, hsum(a0) + edgeA0);
  addTo(at + stride, hsum(a1) + edgeA1);
  addTo(at + 2 * stride, hsum(a2) + edgeA2);
  addTo(at + 3 * stride, hsum(a3) + edgeA3);
  addTo(at + 4 * stride, hsum(a4) + edgeA4);
  addTo(at + 4, hsum(b0) + edgeB0);
  addTo(at + 4 + stride, hsum(b1) + edgeB1);
  addTo(at + 4 + 2 * stride, hsum(b2) + edgeB2);
  addTo(at + 4 + 3 * stride, hsum(b3) + edgeB3);
  addTo(at + 4 + 4 * stride, hsum(b4) + edgeB4);
}

/** Copies a [rows, cols] matrix to [cols, rows] (one image, channels last → channels first). */
function transposeInto(src: usize, dst: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = src + ((<usize>(r * cols)) << 2);
    for (let c = 0; c < cols; c++) {
      store<f32>(dst + ((<usize>(c * rows + r)) << 2), load<f32>(row + ((<usize>c) << 2)));
    }
  }
}

/**
 * Filter gradient of a stride-(sh, 1) convolution: dw [fh, fw, ci, co] = Σ x[b, oy·sh + ky − pt, ox + kx − pl, c] ·
 * dy[b, oy, ox, o], with x [n, h, w, ci] and dy [n, oh, ow, co] (channels last). Each image is first copied
 * channels-first into `scratch` (room for co·oh·ow floats, plus ci·h·w when ci > 1), so that the ox loop reads x and
 * dy contiguously. dw is overwritten.
 */
export function convFilterGrad(
  x: usize,
  dy: usize,
  dw: usize,
  scratch: usize,
  n: i32,
  ci: i32,
  h: i32,
  w: i32,
  co: i32,
  oh: i32,
  ow: i32,
  fh: i32,
  fw: i32,
  sh: i32,
  pt: i32,
  pl: i32,
): void {
  memory.fill(dw, 0, (<usize>(fh * fw * ci * co)) << 2);
  const dyImage = (<usize>(oh * ow * co)) << 2;
  const xImage = (<usize>(h * w * ci)) << 2;
  const dyPlaneBytes = (<usize>(oh * ow)) << 2;
  const xPlaneBytes = (<usize>(h * w)) << 2;
  const xT = scratch + dyImage;
  const stride = (<usize>(ci * co)) << 2; // dw bytes from one kx to the next
  for (let b = 0; b < n; b++) {
    transposeInto(dy + <usize>b * dyImage, scratch, oh * ow, co);
    let xPlanes = x + <usize>b * xImage;
    if (ci > 1) {
      transposeInto(xPlanes, xT, h * w, ci);
      xPlanes = xT;
    }
    for (let c = 0; c < ci; c++) {
      const xPlane = xPlanes + <usize>c * xPlaneBytes;
      for (let o = 0; o < co; o += 2) {
        const two = o + 1 < co;
        const dyPlane = scratch + <usize>o * dyPlaneBytes;
        for (let ky = 0; ky < fh; ky++) {
          let kx = 0;
          while (kx < fw) {
            const at = dw + ((<usize>(((ky * fw + kx) * ci + c) * co + o)) << 2);
            if (two && fw - kx >= 5) {
              taps5x2(xPlane, dyPlane, dyPlaneBytes, at, stride, h, w, oh, ow, ky, kx, sh, pt, pl);
              kx += 5;
            } else {
              const nk = fw - kx < 4 ? fw - kx : 4;
              taps(xPlane, dyPlane, at, stride, h, w, oh, ow, ky, kx, nk, sh, pt, pl);
              if (two)
                taps(xPlane, dyPlane + dyPlaneBytes, at + 4, stride, h, w, oh, ow, ky, kx, nk, sh, pt, pl);
              kx += nk;
            }
          }
        }
      }
    }
  }
}

/**
 * The cpu backend's rule for one window and channel: the first position (row-major) strictly greater than
 * everything before it, from −∞; −1 when every value is −∞ or NaN. Returns a float index.
 */
function firstMax(x: usize, r0: i32, r1: i32, c0: i32, c1: i32, w: i32, c: i32): i32 {
  let best: f32 = -Infinity;
  let pos = -1;
  for (let r = r0; r < r1; r++) {
    for (let col = c0; col < c1; col++) {
      const i = (r * w + col) * c;
      const v = load<f32>(x + ((<usize>i) << 2));
      if (v > best) {
        best = v;
        pos = i;
      }
    }
  }
  return pos;
}

/**
 * MaxPoolGrad, NHWC: every window's dy goes to the first position (row-major) holding the forward output y (when
 * y > −∞), else to the cpu rule's position (see firstMax); overlapping windows add up. Four channels at a time; a
 * lane with y = −∞/NaN or no match takes the scalar rule. dx is overwritten.
 */
export function maxPoolGrad(
  x: usize,
  y: usize,
  dy: usize,
  dx: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  oh: i32,
  ow: i32,
  fh: i32,
  fw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
): void {
  memory.fill(dx, 0, (<usize>(n * h * w * c)) << 2);
  const negInf = f32x4.splat(-Infinity);
  const cVec = c & ~3;
  let o = 0; // float index into y / dy
  for (let b = 0; b < n; b++) {
    const xb = x + ((<usize>(b * h * w * c)) << 2);
    const dxb = dx + ((<usize>(b * h * w * c)) << 2);
    for (let yr = 0; yr < oh; yr++) {
      const r0s = yr * sh - pt;
      const r0 = r0s > 0 ? r0s : 0;
      const r1 = r0s + fh < h ? r0s + fh : h;
      for (let yc = 0; yc < ow; yc++) {
        const c0s = yc * sw - pl;
        const c0 = c0s > 0 ? c0s : 0;
        const c1 = c0s + fw < w ? c0s + fw : w;
        let d = 0;
        for (; d < cVec; d += 4) {
          const m = v128.load(y + ((<usize>(o + d)) << 2));
          const g = v128.load(dy + ((<usize>(o + d)) << 2));
          const valid = f32x4.gt(m, negInf);
          let found = i32x4.splat(0);
          for (let r = r0; r < r1; r++) {
            let i = (r * w + c0) * c + d;
            for (let col = c0; col < c1; col++, i += c) {
              const p = (<usize>i) << 2;
              const hit = v128.andnot(v128.and(f32x4.eq(v128.load(xb + p), m), valid), found);
              v128.store(dxb + p, f32x4.add(v128.load(dxb + p), v128.and(g, hit)));
              found = v128.or(found, hit);
            }
          }
          if (!i32x4.all_true(found)) {
            for (let l = 0; l < 4; l++) {
              let hitLane: i32 = 0;
              if (l == 0) hitLane = i32x4.extract_lane(found, 0);
              else if (l == 1) hitLane = i32x4.extract_lane(found, 1);
              else if (l == 2) hitLane = i32x4.extract_lane(found, 2);
              else hitLane = i32x4.extract_lane(found, 3);
              if (hitLane != 0) continue;
              const pos = firstMax(xb + ((<usize>(d + l)) << 2), r0, r1, c0, c1, w, c);
              if (pos >= 0)
                addTo(dxb + ((<usize>(pos + d + l)) << 2), load<f32>(dy + ((<usize>(o + d + l)) << 2)));
            }
          }
        }
        for (; d < c; d++) {
          const m = load<f32>(y + ((<usize>(o + d)) << 2));
          let pos = -1;
          if (m > -Infinity) {
            for (let r = r0; r < r1 && pos < 0; r++) {
              let i = (r * w + c0) * c + d;
              for (let col = c0; col < c1; col++, i += c) {
                if (load<f32>(xb + ((<usize>i) << 2)) == m) {
                  pos = i;
                  break;
                }
              }
            }
          }
          if (pos < 0) {
            pos = firstMax(xb + ((<usize>d) << 2), r0, r1, c0, c1, w, c);
            if (pos >= 0) pos += d;
          }
          if (pos >= 0) addTo(dxb + ((<usize>pos) << 2), load<f32>(dy + ((<usize>(o + d)) << 2)));
        }
        o += c;
      }
    }
  }
}

/**
 * Column sums of a [rows, cols] matrix: out[c] = Σᵣ x[r, c], each column summed in row order (the cpu backend's
 * order). The bias gradient: a sum over the leading axes N, H, W of a [N, H, W, C] tensor. out is overwritten.
 */
export function colSum(x: usize, out: usize, rows: i32, cols: i32): void {
  memory.fill(out, 0, (<usize>cols) << 2);
  const rowBytes = (<usize>cols) << 2;
  let p = x;
  for (let r = 0; r < rows; r++) {
    addRun(out, p, cols);
    p += rowBytes;
  }
}
