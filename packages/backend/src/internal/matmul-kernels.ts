/**
 * BatchMatMul and _FusedMatMul for the wasm backend without its scalar fallback: the wasm backend runs XNNPACK only
 * for `transposeA = transposeB = false` with one batch, and a blocked scalar loop (0.4–2.4 GFLOP/s) otherwise.
 * Dense back-propagation uses exactly the transposed cases (dW = xᵀ·dy, dx = dy·Wᵀ). These kernels make the
 * transposes explicit (the wasm Transpose kernel, O(n²)) and fold broadcast batches into rows, then call the stock
 * kernel on the fast path.
 */
import { type KernelFunc, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { BackendError } from './backend-error.ts';
import { type KernelContext } from './kernel-call.ts';

/** Swaps the last two axes. */
function transposeLastTwo(ctx: KernelContext, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const perm = x.shape.map((_, i) => (i < rank - 2 ? i : i === rank - 2 ? rank - 1 : rank - 2));
  return ctx.run('Transpose', { x }, { perm });
}

interface Prepared {
  /** Operands for a plain (no-transpose) product. */
  readonly a: TensorInfo;
  readonly b: TensorInfo;
  /** Shape of the result the caller expects. */
  readonly outShape: number[];
  /** Intermediates to free after the product. */
  readonly temps: TensorInfo[];
}

/**
 * Makes transposes explicit; when `b` has no batch (all leading axes 1) folds `a`'s batch axes into its rows, so
 * that XNNPACK's single-batch path runs.
 */
function prepare(
  ctx: KernelContext,
  a0: TensorInfo,
  b0: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): Prepared {
  const temps: TensorInfo[] = [];
  let a = a0;
  let b = b0;
  if (transposeA) {
    a = transposeLastTwo(ctx, a0);
    temps.push(a);
  }
  if (transposeB) {
    b = transposeLastTwo(ctx, b0);
    temps.push(b);
  }
  const aOuter = a.shape.slice(0, -2);
  const bOuter = b.shape.slice(0, -2);
  const m = a.shape[a.shape.length - 2]!;
  const k = a.shape[a.shape.length - 1]!;
  const n = b.shape[b.shape.length - 1]!;
  const rank = Math.max(aOuter.length, bOuter.length);
  const outer: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = aOuter[aOuter.length - rank + i] ?? 1;
    const db = bOuter[bOuter.length - rank + i] ?? 1;
    outer.push(Math.max(da, db));
  }
  const outShape = [...outer, m, n];
  const batchA = util.sizeFromShape(aOuter);
  const batchB = util.sizeFromShape(bOuter);
  if (batchA > 1 && batchB === 1) {
    const a2 = ctx.run('Reshape', { x: a }, { shape: [1, batchA * m, k] });
    const b2 = ctx.run('Reshape', { x: b }, { shape: [1, k, n] });
    temps.push(a2, b2);
    a = a2;
    b = b2;
  }
  return { a, b, outShape, temps };
}

function finish(ctx: KernelContext, out: TensorInfo, p: Prepared): TensorInfo {
  for (const t of p.temps) ctx.free(t);
  if (util.arraysEqual(out.shape, p.outShape)) return out;
  const reshaped = ctx.run('Reshape', { x: out }, { shape: p.outShape });
  ctx.free(out);
  return reshaped;
}

/** BatchMatMul with explicit transposes; `stock` is the backend's original kernel. */
export function fastBatchMatMul(makeCtx: (backend: object) => KernelContext, stock: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const a = inputs.a!;
    const b = inputs.b!;
    const transposeA = attrs?.transposeA === true;
    const transposeB = attrs?.transposeB === true;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return stock({ inputs, backend, attrs: attrs ?? {} });
    const ctx = makeCtx(backend);
    const p = prepare(ctx, a, b, transposeA, transposeB);
    if (p.temps.length === 0) return stock({ inputs, backend, attrs: attrs ?? {} });
    const out = stock({
      inputs: { a: p.a, b: p.b },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    });
    return finish(ctx, out as TensorInfo, p);
  };
}

/** The activation kernels _FusedMatMul can apply, by its `activation` attribute. */
function activate(
  ctx: KernelContext,
  x: TensorInfo,
  attrs: Readonly<Record<string, unknown>>,
  prelu: TensorInfo | undefined,
): TensorInfo {
  const activation = (attrs.activation as string | undefined) ?? 'linear';
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return ctx.run('Relu', { x });
    case 'relu6':
      return ctx.run('Relu6', { x });
    case 'elu':
      return ctx.run('Elu', { x });
    case 'sigmoid':
      return ctx.run('Sigmoid', { x });
    case 'leakyrelu':
      return ctx.run('LeakyRelu', { x }, { alpha: (attrs.leakyreluAlpha as number | undefined) ?? 0.2 });
    case 'prelu':
      return ctx.run('Prelu', { x, alpha: prelu! });
    default:
      throw new BackendError(
        `[@multitask/backend] _FusedMatMul activation '${activation}' is unknown — use linear, relu, relu6, elu, sigmoid, leakyrelu or prelu`,
        { kernel: '_FusedMatMul', activation },
      );
  }
}

/**
 * _FusedMatMul (matmul + bias + activation). Transposes are made explicit; a batch of matrices (where the stock
 * wasm kernel gives wrong results when a bias is fused: checked against cpu in the tests) is folded into rows when
 * `b` has no batch, else computed as BatchMatMul + Add + activation. `stock` is the backend's original kernel.
 */
export function fastFusedMatMul(makeCtx: (backend: object) => KernelContext, stock: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const a0 = inputs.a!;
    const b0 = inputs.b!;
    const at = attrs ?? {};
    const transposeA = at.transposeA === true;
    const transposeB = at.transposeB === true;
    const batched =
      util.sizeFromShape(a0.shape.slice(0, -2)) > 1 || util.sizeFromShape(b0.shape.slice(0, -2)) > 1;
    if (!transposeA && !transposeB && !batched) return stock({ inputs, backend, attrs: at });
    const ctx = makeCtx(backend);
    const p = prepare(ctx, a0, b0, transposeA, transposeB);
    const batch = util.sizeFromShape(p.a.shape.slice(0, -2));
    const bBatch = util.sizeFromShape(p.b.shape.slice(0, -2));
    if (batch <= 1 && bBatch <= 1) {
      // The stock kernel reads rank-3 operands ([batch, rows, cols]), as tfjs-core's fused matMul op passes them.
      const a2 = ctx.run('Reshape', { x: p.a }, { shape: [1, ...p.a.shape.slice(-2)] });
      const b2 = ctx.run('Reshape', { x: p.b }, { shape: [1, ...p.b.shape.slice(-2)] });
      p.temps.push(a2, b2);
      const out = stock({
        inputs: { ...inputs, a: a2, b: b2 },
        backend,
        attrs: { ...at, transposeA: false, transposeB: false },
      }) as TensorInfo;
      return finish(ctx, out, p);
    }
    const product = stockMatMul(ctx, p);
    const temps = [product];
    let out = product;
    const bias = inputs.bias;
    if (bias !== undefined) {
      out = ctx.run('Add', { a: out, b: bias });
      temps.push(out);
    }
    const activated = activate(ctx, out, at, inputs.preluActivationWeights);
    if (activated === out) temps.pop();
    for (const t of temps) ctx.free(t);
    return finish(ctx, activated, p);
  };
}

/** The plain product of prepared operands through the BatchMatMul kernel. */
function stockMatMul(ctx: KernelContext, p: Prepared): TensorInfo {
  return ctx.run('BatchMatMul', { a: p.a, b: p.b }, { transposeA: false, transposeB: false });
}
