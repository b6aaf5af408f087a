import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';
import { BackendError } from './internal/backend-error.ts';
import { registerNativeFixes } from './native-fixes.ts';
import { classifyNativeLoadError, type NativeLoadFailure } from './native-load-error.ts';
import { loadSimdKernels, registerTrainingKernels } from './training-kernels.ts';

/** A backend multitask can run on: `'tensorflow'` is `@tensorflow/tfjs-node` (native libtensorflow). */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/**
 * What the caller is about to train, so that {@link selectBackend} can pick the engine that runs it fastest.
 * TensorFlow (tfjs-node) has the faster kernels but a higher cost per op: it wins on convolutions and wide layers and
 * loses on tiny dense models, where the step is mostly per-op overhead (see {@link NATIVE_MIN_MULTIPLY_ADDS}).
 */
export interface BackendWorkload {
  /** The model has convolution layers (conv2d, conv1d…). */
  readonly convolutional?: boolean;
  /**
   * Multiply-adds of one forward pass over one batch (Σ over layers of batch × fan-in × fan-out for dense layers);
   * an estimate is enough. Unknown for a dense model counts as small.
   */
  readonly multiplyAdds?: number;
}

/** TensorFlow's intra-op and inter-op thread pools, set through {@link SelectBackendOptions.threads}. */
export interface NativeThreads {
  /** Threads one op may use (`TF_NUM_INTRAOP_THREADS`). Default: one per core. */
  readonly intraOp?: number;
  /** Ops run at once (`TF_NUM_INTEROP_THREADS`). Default: one per core. */
  readonly interOp?: number;
}

/**
 * The smallest forward multiply-adds per step at which a dense model runs faster on tfjs-node than on wasm + our
 * kernels. Measured on a 2-core machine (README, "Which engine"): a 7-32-32 MLP with three heads at B = 32
 * (≈ 0.07 M multiply-adds) costs twice the CPU time on tfjs-node in the app; 784-256-256 at B = 64 (≈ 17 M) runs
 * 1.3× (CPU time) to 2.5× (wall) faster there; the crossover lies near 0.5 M (64-64-64 at B = 64: equal).
 */
export const NATIVE_MIN_MULTIPLY_ADDS = 4e6;

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /**
   * Use this backend: it is tried first and, unless `strict`, the others follow in the default order when it cannot
   * start. Default: chosen from `workload` (else tensorflow → wasm → cpu).
   */
  readonly prefer?: BackendName;
  /** With `prefer`: throw a `BackendError` instead of falling back when that backend cannot start. Default false. */
  readonly strict?: boolean;
  /**
   * The model about to be trained: a small dense model goes to wasm first even where tfjs-node is available, a
   * convolutional or large one to tfjs-node first. Without it, tfjs-node (when it loads) is tried first.
   */
  readonly workload?: BackendWorkload;
  /**
   * TensorFlow's thread pools. TensorFlow reads them once, when tfjs-node loads: they are set (as
   * `TF_NUM_INTRAOP_THREADS` / `TF_NUM_INTEROP_THREADS`) before the first load, and asking for other counts after
   * that throws a `BackendError`. Default: the environment variables, else one thread per core.
   */
  readonly threads?: NativeThreads;
  /**
   * Loads `@tensorflow/tfjs-node`; replace it in tests or when a bundler needs a static import. Default: a dynamic
   * `import('@tensorflow/tfjs-node')`.
   */
  readonly importNative?: () => Promise<unknown>;
}

/** One backend {@link selectBackend} tried. */
export interface BackendAttempt {
  /** The backend tried. */
  readonly name: BackendName;
  /** Whether it is now active. */
  readonly ok: boolean;
  /** What happened, in one sentence. */
  readonly reason: string;
  /** For a failed tfjs-node load: the kind of failure. */
  readonly failure?: NativeLoadFailure;
}

/** Which backend {@link selectBackend} chose, and why. */
export interface BackendSelection {
  /** The backend now active (`tf.getBackend()`). */
  readonly name: BackendName;
  /** Why it was chosen and why faster ones were not, in one line the app can print. */
  readonly reason: string;
  /** The multitask training kernels registered on it (see `registerTrainingKernels`). */
  readonly kernels: readonly string[];
  /**
   * Threads one kernel may use: always 1 for wasm and cpu in Node. wasm threads are not offered — tfjs disables them
   * in Node, the thread pool is capped at half the logical cores, and the hand-made two-thread set-up hung in 2 of
   * 12 runs (see the package README). For tfjs-node, TensorFlow's intra-op pool (`interOpThreads` for the other).
   */
  readonly threads: number;
  /** For tfjs-node: TensorFlow's inter-op pool (ops run at once). 1 for wasm and cpu. */
  readonly interOpThreads: number;
  /** Every backend tried, in order. */
  readonly attempts: readonly BackendAttempt[];
}

const DEFAULT_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
const SMALL_MODEL_ORDER: readonly BackendName[] = ['wasm', 'tensorflow', 'cpu'];
const INTRA = 'TF_NUM_INTRAOP_THREADS';
const INTER = 'TF_NUM_INTEROP_THREADS';

/** The thread counts in effect when tfjs-node was loaded (TensorFlow never re-reads them). */
let loadedThreads: { readonly intraOp: number; readonly interOp: number } | undefined;

/** Whether tfjs-node's backend is registered with this tfjs-core (tfjs-node was loaded). */
function nativeRegistered(): boolean {
  const factory: unknown = tf.findBackendFactory('tensorflow');
  return factory != null;
}

function envThreads(name: string): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : availableParallelism();
}

function checkThreadCount(value: number | undefined, option: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1 && value <= 1024)) {
    throw new BackendError(
      `[@multitask/backend] selectBackend option threads.${option} must be an integer from 1 to 1024, got ${String(value)}`,
      { option: `threads.${option}` },
    );
  }
}

/** Sets the thread variables before tfjs-node loads; after that, a different request is an error. */
function applyThreads(threads: NativeThreads | undefined): void {
  if (threads === undefined) return;
  checkThreadCount(threads.intraOp, 'intraOp');
  checkThreadCount(threads.interOp, 'interOp');
  const loaded = loadedThreads ?? (nativeRegistered() ? null : undefined);
  if (loaded === undefined) {
    if (threads.intraOp !== undefined) process.env[INTRA] = String(threads.intraOp);
    if (threads.interOp !== undefined) process.env[INTER] = String(threads.interOp);
    return;
  }
  const now = loaded ?? { intraOp: envThreads(INTRA), interOp: envThreads(INTER) };
  const clash = (['intraOp', 'interOp'] as const).filter(
    (k) => threads[k] !== undefined && threads[k] !== now[k],
  );
  if (clash.length > 0) {
    throw new BackendError(
      `[@multitask/backend] selectBackend option threads.${clash[0]!} = ${String(threads[clash[0]!])}: TensorFlow is already loaded with ${now.intraOp} intra-op and ${now.interOp} inter-op threads and reads these counts only once, when it loads — pass threads to the first selectBackend() call, or set ${INTRA} / ${INTER} before starting Node`,
      { option: `threads.${clash[0]!}`, intraOp: now.intraOp, interOp: now.interOp },
    );
  }
}

/** The engine order for a workload, and why. */
function orderFor(workload: BackendWorkload | undefined): { order: readonly BackendName[]; why: string } {
  if (workload === undefined) return { order: DEFAULT_ORDER, why: 'fastest available' };
  if (workload.convolutional === true) {
    return { order: DEFAULT_ORDER, why: "convolutional model: TensorFlow's kernels are the fastest" };
  }
  const macs = workload.multiplyAdds;
  if (macs !== undefined && macs >= NATIVE_MIN_MULTIPLY_ADDS) {
    return {
      order: DEFAULT_ORDER,
      why: `dense model of ${formatMacs(macs)} multiply-adds per step (≥ ${formatMacs(NATIVE_MIN_MULTIPLY_ADDS)}): TensorFlow's kernels are the fastest`,
    };
  }
  return {
    order: SMALL_MODEL_ORDER,
    why: `small dense model (${macs === undefined ? 'size unknown' : `${formatMacs(macs)} multiply-adds per step`} < ${formatMacs(NATIVE_MIN_MULTIPLY_ADDS)}): per-op overhead dominates, and wasm's is lower than TensorFlow's`,
  };
}

function formatMacs(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toPrecision(2)} M` : n >= 1e3 ? `${(n / 1e3).toPrecision(2)} k` : String(n);
}
const NATIVE_PACKAGE = '@tensorflow/tfjs-node';

const NATIVE_FAILURE_TEXT: Readonly<Record<NativeLoadFailure, string>> = {
  'module-not-found': 'tfjs-node is not installed',
  'native-addon-not-found':
    'tfjs-node is installed without its native addon (its install could not download libtensorflow)',
  'dlopen-failed': 'tfjs-node is installed but its native library could not be loaded',
  unexpected: 'tfjs-node failed to load',
};

function messageOf(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return (text.split('\n')[0] ?? text).trim();
}

async function activate(name: string): Promise<boolean> {
  const ok = await tf.setBackend(name);
  if (!ok) return false;
  await tf.ready();
  return tf.getBackend() === name;
}

async function tryNative(importNative: () => Promise<unknown>): Promise<BackendAttempt> {
  const firstLoad = !nativeRegistered();
  try {
    await importNative();
  } catch (e) {
    const failure = classifyNativeLoadError(e);
    return {
      name: 'tensorflow',
      ok: false,
      failure,
      reason: `${NATIVE_FAILURE_TEXT[failure]} (${messageOf(e)})`,
    };
  }
  const factory: unknown = tf.findBackendFactory('tensorflow');
  if (factory == null) {
    return {
      name: 'tensorflow',
      ok: false,
      reason:
        'tfjs-node loaded but registered its backend with another copy of @tensorflow/tfjs-core — install the same tfjs version as tfjs-node',
    };
  }
  if (firstLoad || loadedThreads === undefined) {
    loadedThreads = { intraOp: envThreads(INTRA), interOp: envThreads(INTER) };
  }
  if (!(await activate('tensorflow'))) {
    return { name: 'tensorflow', ok: false, reason: 'tfjs-node loaded but its backend failed to initialise' };
  }
  return {
    name: 'tensorflow',
    ok: true,
    reason: `native TensorFlow via tfjs-node, ${loadedThreads.intraOp} intra-op / ${loadedThreads.interOp} inter-op threads`,
  };
}

async function tryWasm(): Promise<BackendAttempt> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await activate('wasm')))
      return { name: 'wasm', ok: false, reason: 'the wasm backend failed to initialise' };
  } catch (e) {
    return { name: 'wasm', ok: false, reason: `the wasm backend failed to load (${messageOf(e)})` };
  }
  const simd = await loadSimdKernels();
  return {
    name: 'wasm',
    ok: true,
    reason: `WebAssembly (XNNPACK) with multitask training kernels${simd.active ? ' and SIMD kernels' : ` (SIMD kernels off: ${simd.reason})`}, single-threaded`,
  };
}

async function tryCpu(): Promise<BackendAttempt> {
  try {
    await import('@tensorflow/tfjs-backend-cpu');
    if (!(await activate('cpu')))
      return { name: 'cpu', ok: false, reason: 'the cpu backend failed to initialise' };
  } catch (e) {
    return { name: 'cpu', ok: false, reason: `the cpu backend failed to load (${messageOf(e)})` };
  }
  return { name: 'cpu', ok: true, reason: 'plain JavaScript (slowest)' };
}

/**
 * Selects, initialises and prepares the fastest TensorFlow.js backend available in this process for the work at hand:
 * `@tensorflow/tfjs-node` if it loads (an optional peer dependency; "not installed" and "installed without its native
 * addon" both count as absent; its kernels that differ from cpu's are corrected, see `registerNativeFixes`), else
 * `wasm` with multitask's training kernels registered, else `cpu` (with its fast Conv2DBackpropFilter). A small dense
 * `workload` tries wasm before tfjs-node (TensorFlow's per-op overhead dominates such steps). Prints nothing; the
 * caller reports {@link BackendSelection.reason}, which says why. Never throws for a missing backend — only when
 * no backend at all can start, when `strict` and `prefer` cannot start, or for a `threads` request TensorFlow can no
 * longer honour.
 *
 * @example
 * ```ts
 * import { selectBackend } from '@multitask/backend';
 *
 * const backend = await selectBackend();
 * console.log(`backend: ${backend.name} — ${backend.reason}`);
 * // backend: wasm — WebAssembly (XNNPACK) with multitask training kernels and SIMD kernels, single-threaded; tfjs-node is not installed (…)
 * ```
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  applyThreads(options.threads);
  const importNative = options.importNative ?? ((): Promise<unknown> => import(NATIVE_PACKAGE));
  const planned = orderFor(options.workload);
  const order =
    options.prefer === undefined
      ? planned.order
      : options.strict === true
        ? [options.prefer]
        : [options.prefer, ...planned.order.filter((n) => n !== options.prefer)];
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    const attempt =
      name === 'tensorflow'
        ? await tryNative(importNative)
        : name === 'wasm'
          ? await tryWasm()
          : await tryCpu();
    attempts.push(attempt);
    if (!attempt.ok) continue;
    const kernels = name === 'tensorflow' ? registerNativeFixes() : registerTrainingKernels(name);
    const skipped = attempts.filter((a) => !a.ok).map((a) => a.reason);
    const why =
      options.prefer === name
        ? 'requested'
        : options.prefer === undefined
          ? attempts.length === 1
            ? planned.why
            : `${planned.why}; fallback`
          : 'fallback';
    const reason = [`${attempt.reason} (${why})`, ...skipped].join('; ');
    const native = name === 'tensorflow' ? loadedThreads : undefined;
    return {
      name,
      reason,
      kernels,
      threads: native?.intraOp ?? 1,
      interOpThreads: native?.interOp ?? 1,
      attempts,
    };
  }
  if (options.strict === true && options.prefer !== undefined) {
    throw new BackendError(
      `[@multitask/backend] the requested backend '${options.prefer}' could not start (strict): ${attempts.map((a) => a.reason).join('; ')}`,
      { backend: options.prefer },
    );
  }
  throw new BackendError(
    `[@multitask/backend] no TensorFlow.js backend could start: ${attempts.map((a) => `${a.name}: ${a.reason}`).join('; ')} — reinstall @tensorflow/tfjs-backend-wasm and @tensorflow/tfjs-backend-cpu`,
    { tried: attempts.map((a) => a.name).join(',') },
  );
}
