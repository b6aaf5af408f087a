/** Why loading `@tensorflow/tfjs-node` failed, as told by {@link classifyNativeLoadError}. */
export type NativeLoadFailure =
  /** The package is not installed (npm, or pnpm with the build allowed, removes an optional dependency whose install failed). */
  | 'module-not-found'
  /** The package is installed but its native addon was never built or downloaded (pnpm ignored or failed its build script). */
  | 'native-addon-not-found'
  /** The addon exists but the operating system could not load it (e.g. libtensorflow missing or for another CPU). */
  | 'dlopen-failed'
  /** Anything else: a bug or a version clash worth reporting. */
  | 'unexpected';

const ADDON_MISSING =
  /native addon module.*can ?not be found|tfjs_binding\.node.*(?:not found|can ?not be found|no such file)/is;
const MODULE_CODES = new Set(['MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND']);

function fieldOf(e: unknown, key: 'code' | 'message' | 'cause'): unknown {
  return typeof e === 'object' && e !== null ? (e as Record<string, unknown>)[key] : undefined;
}

/**
 * Classifies the error thrown while importing `@tensorflow/tfjs-node`. Both `'module-not-found'` and
 * `'native-addon-not-found'` mean "tfjs-node is absent" — its install could not download libtensorflow — and
 * {@link selectBackend} then falls back to wasm. Follows `error.cause` chains (bundlers and loaders wrap errors).
 *
 * @example
 * ```ts
 * import { classifyNativeLoadError } from '@multitask/backend';
 *
 * const error = Object.assign(new Error("Cannot find module '@tensorflow/tfjs-node'"), { code: 'MODULE_NOT_FOUND' });
 * console.log(classifyNativeLoadError(error)); // 'module-not-found'
 * ```
 */
export function classifyNativeLoadError(error: unknown): NativeLoadFailure {
  let e: unknown = error;
  for (let depth = 0; depth < 8 && e !== undefined && e !== null; depth++) {
    const code = fieldOf(e, 'code');
    const message = fieldOf(e, 'message');
    const text = typeof message === 'string' ? message : typeof e === 'string' ? e : '';
    if (ADDON_MISSING.test(text)) return 'native-addon-not-found';
    if (typeof code === 'string' && MODULE_CODES.has(code)) return 'module-not-found';
    if (/^Cannot find (?:module|package) /.test(text)) return 'module-not-found';
    if (
      code === 'ERR_DLOPEN_FAILED' ||
      /cannot open shared object file|dlopen|Library not loaded/i.test(text)
    ) {
      return 'dlopen-failed';
    }
    e = fieldOf(e, 'cause');
  }
  return 'unexpected';
}
