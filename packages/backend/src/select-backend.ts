import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from './internal/backend-error.ts';
import { classifyNativeLoadError, type NativeLoadFailure } from './native-load-error.ts';
import { registerTrainingKernels } from './training-kernels.ts';

/** A backend multitask can run on: `'tensorflow'` is `@tensorflow/tfjs-node` (native libtensorflow). */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /**
   * Try this backend first, then the others in the default order (tensorflow → wasm → cpu). Default: the default
   * order, i.e. the fastest available.
   */
  readonly prefer?: BackendName;
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
   * Threads the backend's kernels use: always 1 for wasm and cpu in Node. wasm threads are not offered — tfjs
   * disables them in Node, the thread pool is capped at half the logical cores, and the hand-made two-thread set-up
   * hung in 2 of 12 runs (see the package README). For tfjs-node, libtensorflow's own pool (reported as 0 =
   * "managed by libtensorflow").
   */
  readonly threads: number;
  /** Every backend tried, in order. */
  readonly attempts: readonly BackendAttempt[];
}

const DEFAULT_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
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
  if (!(await activate('tensorflow'))) {
    return { name: 'tensorflow', ok: false, reason: 'tfjs-node loaded but its backend failed to initialise' };
  }
  return { name: 'tensorflow', ok: true, reason: 'native libtensorflow via tfjs-node' };
}

async function tryWasm(): Promise<BackendAttempt> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await activate('wasm')))
      return { name: 'wasm', ok: false, reason: 'the wasm backend failed to initialise' };
  } catch (e) {
    return { name: 'wasm', ok: false, reason: `the wasm backend failed to load (${messageOf(e)})` };
  }
  return {
    name: 'wasm',
    ok: true,
    reason: 'WebAssembly (XNNPACK) with multitask training kernels, single-threaded',
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
 * Selects, initialises and prepares the fastest TensorFlow.js backend available in this process: `@tensorflow/tfjs-node`
 * if it loads (an optional peer dependency; "not installed" and "installed without its native addon" both count as
 * absent), else `wasm` with multitask's training kernels registered, else `cpu` (with its fast Conv2DBackpropFilter).
 * Prints nothing; the caller reports {@link BackendSelection.reason}. Never throws for a missing backend — only when
 * no backend at all can start.
 *
 * @example
 * ```ts
 * import { selectBackend } from '@multitask/backend';
 *
 * const backend = await selectBackend();
 * console.log(`backend: ${backend.name} — ${backend.reason}`);
 * // backend: wasm — WebAssembly (XNNPACK) with multitask training kernels, single-threaded; tfjs-node is not installed (…)
 * ```
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const importNative = options.importNative ?? ((): Promise<unknown> => import(NATIVE_PACKAGE));
  const order =
    options.prefer === undefined
      ? DEFAULT_ORDER
      : [options.prefer, ...DEFAULT_ORDER.filter((n) => n !== options.prefer)];
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
    const kernels = name === 'tensorflow' ? [] : registerTrainingKernels(name);
    const skipped = attempts.filter((a) => !a.ok).map((a) => a.reason);
    const why =
      options.prefer === name ? 'requested' : options.prefer === undefined ? 'fastest available' : `fallback`;
    const reason = [`${attempt.reason} (${why})`, ...skipped].join('; ');
    return { name, reason, kernels, threads: name === 'tensorflow' ? 0 : 1, attempts };
  }
  throw new BackendError(
    `[@multitask/backend] no TensorFlow.js backend could start: ${attempts.map((a) => `${a.name}: ${a.reason}`).join('; ')} — reinstall @tensorflow/tfjs-backend-wasm and @tensorflow/tfjs-backend-cpu`,
    { tried: attempts.map((a) => a.name).join(',') },
  );
}
