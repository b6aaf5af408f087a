import {
  findBackend,
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import { BackendError } from './internal/backend-error.ts';
import { conv2DBackpropFilterKernel, conv2DBackpropInputKernel } from './internal/conv-kernels.ts';
import { kernelContext, type KernelContext } from './internal/kernel-call.ts';
import { fastBatchMatMul, fastFusedMatMul } from './internal/matmul-kernels.ts';
import { maxPoolGradKernel } from './internal/pool-kernels.ts';
import { simdSumKernel } from './internal/simd-kernels.ts';
import { loadSimd, type SimdStatus } from './internal/simd.ts';

export type { SimdStatus } from './internal/simd.ts';

/** A backend this package has training kernels for. */
export type TrainingKernelBackend = 'wasm' | 'cpu';

/** Marks the kernel configs this package registers (a global symbol, so a second copy of the package sees it). */
const MARK: unique symbol = Symbol.for('@multitask/backend/training-kernel') as never;

type MarkedConfig = KernelConfig & { [MARK]?: true };

/** Builds a kernel function given the stock kernels it replaces (by name). */
type KernelFactory = (
  makeCtx: (backend: object) => KernelContext,
  stock: KernelFunc | undefined,
) => KernelFunc;

const WASM_KERNELS: Readonly<Record<string, KernelFactory>> = {
  BatchMatMul: (makeCtx, stock) => fastBatchMatMul(makeCtx, required(stock, 'BatchMatMul', 'wasm')),
  _FusedMatMul: (makeCtx, stock) => fastFusedMatMul(makeCtx, required(stock, '_FusedMatMul', 'wasm')),
  Conv2DBackpropFilter: (makeCtx) => conv2DBackpropFilterKernel(makeCtx),
  Conv2DBackpropInput: (makeCtx) => conv2DBackpropInputKernel(makeCtx),
  MaxPoolGrad: (_makeCtx, stock) => maxPoolGradKernel(required(stock, 'MaxPoolGrad', 'wasm')),
  Sum: (_makeCtx, stock) => simdSumKernel(required(stock, 'Sum', 'wasm')),
};

/**
 * On cpu only the filter gradient is replaced: the stock one runs at about 10 MFLOP/s (LAB-NOTES §3), while the
 * input gradient composed from cpu's Conv2D was measured slower than cpu's own (2.2 → 1.6 LeNet steps/s).
 */
const CPU_KERNELS: Readonly<Record<string, KernelFactory>> = {
  Conv2DBackpropFilter: (makeCtx) => conv2DBackpropFilterKernel(makeCtx),
};

const KERNELS: Readonly<Record<TrainingKernelBackend, Readonly<Record<string, KernelFactory>>>> = {
  wasm: WASM_KERNELS,
  cpu: CPU_KERNELS,
};

/** The stock configs replaced, per backend, to restore them. */
const replaced = new Map<string, Map<string, KernelConfig | undefined>>();

function required(stock: KernelFunc | undefined, name: string, backendName: string): KernelFunc {
  if (stock === undefined) {
    throw new BackendError(
      `[@multitask/backend] the stock ${name} kernel of '${backendName}' is missing — import the full @tensorflow/tfjs-backend-${backendName} package before registering training kernels`,
      { kernel: name, backend: backendName },
    );
  }
  return stock;
}

function current(name: string, backendName: string): MarkedConfig | undefined {
  const config: MarkedConfig | undefined = getKernel(name, backendName);
  return config;
}

/**
 * The names of the kernels {@link registerTrainingKernels} installs on a backend.
 *
 * @example
 * ```ts
 * import { trainingKernelNames } from '@multitask/backend';
 *
 * console.log(trainingKernelNames('wasm')); // ['BatchMatMul', '_FusedMatMul', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'Sum']
 * ```
 */
export function trainingKernelNames(backendName: TrainingKernelBackend = 'wasm'): readonly string[] {
  return Object.keys(KERNELS[backendName]);
}

/**
 * Registers multitask's training kernels on a backend (by default `wasm`): the kernels a training step needs and
 * the backend lacks or runs slowly, composed from that backend's own fast kernels. Idempotent: kernels already
 * installed (by this or another copy of the package) are left alone. Works whether or not the backend is active;
 * the backend's package (e.g. `@tensorflow/tfjs-backend-wasm`) must have been imported.
 *
 * @param backendName - `'wasm'` (conv backprop, transposed matmuls) or `'cpu'` (Conv2DBackpropFilter only)
 * @returns the names of the training kernels now active on that backend
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-wasm';
 * import { registerTrainingKernels } from '@multitask/backend';
 *
 * await tf.setBackend('wasm');
 * console.log(registerTrainingKernels()); // ['BatchMatMul', '_FusedMatMul', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'Sum']
 * ```
 */
export function registerTrainingKernels(backendName: TrainingKernelBackend = 'wasm'): readonly string[] {
  if (current('Conv2D', backendName) === undefined) {
    throw new BackendError(
      `[@multitask/backend] the '${backendName}' backend's kernels are not loaded — import '@tensorflow/tfjs-backend-${backendName}' before registerTrainingKernels('${backendName}'), or call selectBackend()`,
      { backend: backendName },
    );
  }
  const factories = KERNELS[backendName];
  let saved = replaced.get(backendName);
  if (saved === undefined) {
    saved = new Map();
    replaced.set(backendName, saved);
  }
  const stockFuncs = new Map<string, KernelFunc>();
  const makeCtx = (backend: object): KernelContext =>
    kernelContext(backend as Parameters<typeof kernelContext>[0], backendName, stockFuncs);
  for (const [name, factory] of Object.entries(factories)) {
    const existing = current(name, backendName);
    if (existing?.[MARK] === true) continue;
    const kernelFunc = factory(makeCtx, existing?.kernelFunc);
    if (existing !== undefined) {
      stockFuncs.set(name, existing.kernelFunc);
      unregisterKernel(name, backendName);
    }
    saved.set(name, existing);
    const config: MarkedConfig = { kernelName: name, backendName, kernelFunc, [MARK]: true };
    if (existing?.setupFunc !== undefined) config.setupFunc = existing.setupFunc;
    if (existing?.disposeFunc !== undefined) config.disposeFunc = existing.disposeFunc;
    registerKernel(config);
  }
  return Object.keys(factories).filter((name) => current(name, backendName)?.[MARK] === true);
}

/**
 * Removes the training kernels this copy of the package registered on a backend and restores the stock ones
 * (for benchmarks and tests that compare against stock tfjs). Does nothing when none are installed.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { registerTrainingKernels, unregisterTrainingKernels } from '@multitask/backend';
 *
 * registerTrainingKernels('cpu'); // the fast Conv2DBackpropFilter
 * unregisterTrainingKernels('cpu'); // stock cpu Conv2DBackpropFilter again
 * ```
 */
export function unregisterTrainingKernels(backendName: TrainingKernelBackend = 'wasm'): void {
  const saved = replaced.get(backendName);
  if (saved === undefined) return;
  for (const [name, stock] of saved) {
    if (current(name, backendName)?.[MARK] !== true) continue;
    unregisterKernel(name, backendName);
    if (stock !== undefined) registerKernel(stock);
  }
  replaced.delete(backendName);
}

/**
 * Loads multitask's WebAssembly SIMD kernels onto the initialised `wasm` backend: a small module of ours that works in
 * place on the backend's own memory and speeds up `Conv2DBackpropInput`, the first layers' `Conv2DBackpropFilter` and
 * `MaxPoolGrad` of the training kernels (see the package README). Asynchronous (browsers refuse synchronous
 * compilation of modules above 4 KB) and idempotent; {@link selectBackend} calls it. Never throws: where the backend
 * memory or WebAssembly SIMD is unavailable the training kernels keep their composed versions, and the returned
 * status says why.
 *
 * @returns whether the SIMD kernels are active, and why not
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-wasm';
 * import { loadSimdKernels, registerTrainingKernels } from '@multitask/backend';
 *
 * await tf.setBackend('wasm');
 * registerTrainingKernels();
 * const simd = await loadSimdKernels();
 * console.log(simd.active, simd.reason); // true 'WebAssembly SIMD kernels on the backend heap'
 * ```
 */
export async function loadSimdKernels(): Promise<SimdStatus> {
  // tfjs types findBackend as non-null; it returns null for a backend that is not initialised
  const backend = findBackend('wasm') as object | null;
  if (backend === null) {
    return {
      active: false,
      reason: "the wasm backend is not initialised (await tf.setBackend('wasm') first)",
    };
  }
  return loadSimd(backend);
}
