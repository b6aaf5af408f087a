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

/**
 * Filter gradient of a stride-(sh, 1) convolution: dw [fh, fw, ci, co] = Σ x[b, c, oy·sh + ky − pt, ox + kx − pl] ·
 * dy[b, o, oy, ox], with x as [n, ci, h, w] and dy as [n, co, oh, ow] (channels first, so that the ox loop reads
 * both contiguously). Four filter columns (kx) at a time share each dy load. dw is overwritten.
 */
export function convFilterGrad(
  x: usize,
  dy: usize,
  dw: usize,
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
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < ci; c++) {
      const xPlane = x + ((<usize>((b * ci + c) * h * w)) << 2);
      for (let o = 0; o < co; o++) {
        const dyPlane = dy + ((<usize>((b * co + o) * oh * ow)) << 2);
        for (let ky = 0; ky < fh; ky++) {
          // the output rows whose tap ky lands inside x
          let oy0 = 0;
          while (oy0 < oh && oy0 * sh + ky - pt < 0) oy0++;
          let oy1 = oh;
          while (oy1 > oy0 && (oy1 - 1) * sh + ky - pt >= h) oy1--;
          if (oy1 <= oy0) continue;
          for (let kx = 0; kx < fw; kx += 4) {
            const nk = fw - kx < 4 ? fw - kx : 4;
            // the ox range where every one of the nk taps is inside x, then each tap's own edges
            let lo = pl - kx; // ox ≥ pl − kx' for x ≥ 0, largest for kx' = kx
            if (lo < 0) lo = 0;
            let hi = w + pl - (kx + nk - 1); // ox < w + pl − kx', smallest for the last tap
            if (hi > ow) hi = ow;
            if (hi < lo) hi = lo;
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
              // x at (oy·sh + ky − pt, ox + kx − pl): the row start shifted so that index ox gives tap kx
              const xRow = xPlane + <usize>(((oy * sh + ky - pt) * w + kx - pl) << 2);
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
              // the rest of the common range, and each tap's own edges, one element at a time
              for (let k = 0; k < nk; k++) {
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
                if (k == 0) s0 += s;
                else if (k == 1) s1 += s;
                else if (k == 2) s2 += s;
                else s3 += s;
              }
            }
            const stride = (<usize>(ci * co)) << 2;
            const at = dw + ((<usize>(((ky * fw + kx) * ci + c) * co + o)) << 2);
            addTo(at, hsum(a0) + s0);
            if (nk > 1) addTo(at + stride, hsum(a1) + s1);
            if (nk > 2) addTo(at + 2 * stride, hsum(a2) + s2);
            if (nk > 3) addTo(at + 3 * stride, hsum(a3) + s3);
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
