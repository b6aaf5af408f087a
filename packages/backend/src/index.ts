/**
 * Picks and prepares the fastest TensorFlow.js backend available in this process: tfjs-node if present, else wasm
 * with multitask's training kernels, else cpu.
 *
 * Guides: [Getting started](../../../docs/guides/getting-started.md) ·
 * [How the trainer computes a step](../../../docs/guides/training.md) ·
 * [Backbones, sharing schemes and heads](../../../docs/guides/backbones-and-heads.md).
 * @packageDocumentation
 */
export { selectBackend, NATIVE_MIN_MULTIPLY_ADDS } from './select-backend.ts';
export type {
  BackendName,
  SelectBackendOptions,
  BackendSelection,
  BackendAttempt,
  BackendWorkload,
  NativeThreads,
} from './select-backend.ts';
export {
  registerTrainingKernels,
  unregisterTrainingKernels,
  trainingKernelNames,
  loadSimdKernels,
} from './training-kernels.ts';
export type { TrainingKernelBackend, SimdStatus } from './training-kernels.ts';
export { registerNativeFixes } from './native-fixes.ts';
export { classifyNativeLoadError } from './native-load-error.ts';
export type { NativeLoadFailure } from './native-load-error.ts';
