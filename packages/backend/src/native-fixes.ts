import {
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';

const BACKEND = 'tensorflow';
/** Marks the kernel configs registered here (a global symbol, so a second copy of the package sees it). */
const MARK: unique symbol = Symbol.for('@multitask/backend/native-fix') as never;
type MarkedConfig = KernelConfig & { [MARK]?: true };

/** Builds the corrected kernel from the stock one. */
type Fix = (stock: KernelFunc) => KernelFunc;

const FIXES: Readonly<Record<string, Fix>> = {
  /**
   * TensorFlow 2.21's `Round` kernel returns zeros for int32 input (2.9.1, the version tfjs-node 4.22 was written
   * for, returned the input). Rounding an integer is the identity: answer with the stock `Identity` kernel.
   */
  Round: (stock) => (args) => {
    const x = args.inputs.x!;
    const identity = getKernel('Identity', BACKEND) as KernelConfig | undefined;
    return x.dtype !== 'int32' || identity === undefined ? stock(args) : identity.kernelFunc(args);
  },
};

/**
 * Re-registers the `tensorflow` (tfjs-node) kernels whose results differ from the cpu backend's on the TensorFlow
 * libraries `pnpm native` builds against (TensorFlow 2.21 under a binding written for 2.9.1), with corrected ones.
 * Today: `Round` on int32. Idempotent; returns the names of the corrected kernels now active, `[]` when tfjs-node's
 * kernels are not registered. {@link selectBackend} calls it when it picks `tensorflow`.
 *
 * @example
 * ```ts
 * import { registerNativeFixes, selectBackend } from '@multitask/backend';
 *
 * const backend = await selectBackend({ workload: { convolutional: true } });
 * // selectBackend applies the fixes when it picks tfjs-node; a second call changes nothing.
 * console.log(backend.name, registerNativeFixes()); // 'tensorflow' ['Round'], or 'wasm' [] without tfjs-node
 * ```
 */
export function registerNativeFixes(): readonly string[] {
  const active: string[] = [];
  for (const [name, fix] of Object.entries(FIXES)) {
    const existing = getKernel(name, BACKEND) as MarkedConfig | undefined;
    if (existing === undefined) continue;
    if (existing[MARK] !== true) {
      const config: MarkedConfig = {
        kernelName: name,
        backendName: BACKEND,
        kernelFunc: fix(existing.kernelFunc),
        [MARK]: true,
      };
      if (existing.setupFunc !== undefined) config.setupFunc = existing.setupFunc;
      if (existing.disposeFunc !== undefined) config.disposeFunc = existing.disposeFunc;
      unregisterKernel(name, BACKEND);
      registerKernel(config);
    }
    active.push(name);
  }
  return active;
}
