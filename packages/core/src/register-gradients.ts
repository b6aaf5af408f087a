import * as tf from '@tensorflow/tfjs-core';
import { MultitaskError } from './errors.ts';
import { gradConfigs as generatedConfigs, TFJS_CORE_VERSION } from './generated/tfjs-gradients.ts';

/** What {@link registerGradients} did. */
export interface GradientRegistration {
  /** Gradient functions registered by this call. */
  readonly registered: number;
  /** Gradient functions that were already registered (by an earlier call, `@tensorflow/tfjs`, or you) and kept. */
  readonly kept: number;
  /** The tfjs-core version whose gradient definitions were bundled into `@multitask/core` at build time. */
  readonly generatedFrom: string;
}

const gradConfigs = generatedConfigs;

/**
 * Registers the gradient functions of every tfjs-core kernel that has one, so that `tf.grad`,
 * `tf.variableGrads`, optimizers and the multitask trainer can differentiate. Call it once before training.
 *
 * `@tensorflow/tfjs-core` ships these gradient functions but registers none, and its own
 * `dist/register_all_gradients.js` cannot be loaded by Node's ESM loader (extensionless relative imports).
 * `@multitask/core` bundles tfjs-core's gradient definitions at build time into one module that imports only
 * the public `@tensorflow/tfjs-core` entry point, so this works in Node, bundlers and browsers alike. Nothing is
 * registered on import; gradients already registered (e.g. by the `@tensorflow/tfjs` bundle) are kept.
 * Idempotent.
 *
 * @returns how many gradient functions were registered and kept
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { registerGradients } from '@multitask/core';
 *
 * registerGradients();
 * const x = tf.tensor1d([1, 2, 3]);
 * const dx = tf.grad((v: tf.Tensor) => tf.mean(tf.square(v)))(x); // d/dx mean(x²) = 2x/3
 * console.log(Array.from(dx.dataSync())); // ≈ [0.667, 1.333, 2]
 * tf.dispose([x, dx]);
 * ```
 */
export function registerGradients(): GradientRegistration {
  let registered = 0;
  for (const config of gradConfigs) {
    if (hasGradient(config.kernelName)) continue;
    tf.registerGradient(config);
    registered++;
  }
  return { registered, kept: gradConfigs.length - registered, generatedFrom: TFJS_CORE_VERSION };
}

/**
 * Whether tfjs has a gradient function registered for a kernel (`'AddN'` by default, which every training
 * step with more than one loss term uses). `false` means {@link registerGradients} has not been called.
 *
 * @param kernelName - a tfjs kernel name, e.g. `'Mean'` or `'MatMul'` (tfjs's `BatchMatMul`)
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { gradientsRegistered, registerGradients } from '@multitask/core';
 *
 * if (!gradientsRegistered()) registerGradients();
 * console.log(gradientsRegistered('Mean')); // true
 * ```
 */
export function gradientsRegistered(kernelName = 'AddN'): boolean {
  return hasGradient(kernelName);
}

function hasGradient(kernelName: string): boolean {
  return (tf.getGradient(kernelName) as tf.GradConfig | undefined) !== undefined;
}

const MISSING = /gradient function not found for (\w+)/;

/**
 * Turns tfjs's "gradient function not found for X" failure into a `MultitaskError` (code `MISSING_GRADIENT`)
 * that says what is missing and the one line that fixes it; any other error gives `undefined`. For code that
 * differentiates user functions and must not blame them for a registration that was never made.
 *
 * @param error - what a `tf.grad` / `tf.variableGrads` call threw
 * @param where - who was differentiating, for the message, e.g. `'[@multitask/weighting] taskGradients'`
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { missingGradientError } from '@multitask/core';
 *
 * const x = tf.scalar(2);
 * try {
 *   tf.grad((v: tf.Tensor) => tf.mean(tf.square(v)))(x).dispose(); // no gradients registered yet
 * } catch (e) {
 *   const error = missingGradientError(e, '[my-loop]');
 *   if (error === undefined) throw e; // some other failure
 *   console.log(error.code, error.message); // MISSING_GRADIENT [my-loop]: tfjs has no gradient functions registered …
 * } finally {
 *   x.dispose();
 * }
 * ```
 */
export function missingGradientError(error: unknown, where: string): MultitaskError | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const kernel = MISSING.exec(message)?.[1];
  if (kernel === undefined) return undefined;
  const none = !hasGradient('AddN');
  return new MultitaskError(
    'MISSING_GRADIENT',
    none
      ? `${where}: tfjs has no gradient functions registered (needed here for ${kernel}) — call registerGradients() from @multitask/core once before training (tfjs-core ships them but registers none).`
      : `${where}: tfjs has no gradient function for the kernel ${kernel} — registerGradients() from @multitask/core registers every gradient tfjs-core defines; ${kernel} has none, so avoid that op where gradients flow (or register one with tf.registerGradient).`,
    { cause: error, details: { kernel } },
  );
}
