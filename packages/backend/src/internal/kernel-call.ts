/**
 * Calling another kernel of the same backend from inside a kernel, on `TensorInfo`s, without going through the
 * engine (no tape, no tensor bookkeeping): the building block of every composed kernel in this package.
 */
import { getKernel, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { BackendError } from './backend-error.ts';

/** The `backend` argument kernels receive; only `disposeData` is used here. */
export interface KernelBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
}

/** What a composed kernel needs to call its siblings. */
export interface KernelContext {
  /** The backend instance passed to the kernel. */
  readonly backend: KernelBackendLike;
  /** The backend's name ('wasm', 'cpu'). */
  readonly backendName: string;
  /** Runs the kernel `name` of this backend (the stock one when `stock` holds it) and returns its single output. */
  run(name: string, inputs: Readonly<Record<string, TensorInfo>>, attrs?: NamedAttrMap): TensorInfo;
  /** Frees an intermediate result (one reference of its data). */
  free(info: TensorInfo): void;
}

/** Builds a {@link KernelContext}; `stock` holds the original kernel functions this package replaced. */
export function kernelContext(
  backend: KernelBackendLike,
  backendName: string,
  stock: ReadonlyMap<string, KernelFunc>,
): KernelContext {
  return {
    backend,
    backendName,
    run(name, inputs, attrs = {}) {
      const fn = stock.get(name) ?? lookup(name, backendName);
      const out = fn({ inputs: { ...inputs }, backend, attrs });
      if (Array.isArray(out)) {
        throw new BackendError(
          `[@multitask/backend] kernel ${name} on ${backendName} returned ${out.length} outputs where one was expected — report this as a bug`,
          { kernel: name, backend: backendName },
        );
      }
      return out;
    },
    free(info) {
      backend.disposeData(info.dataId);
    },
  };
}

function lookup(name: string, backendName: string): KernelFunc {
  const config = getKernel(name, backendName) as ReturnType<typeof getKernel> | undefined;
  if (config === undefined) {
    throw new BackendError(
      `[@multitask/backend] kernel ${name} is not registered for backend '${backendName}', and a training kernel needs it — load the full @tensorflow/tfjs-backend-${backendName} package (not a custom kernel subset)`,
      { kernel: name, backend: backendName },
    );
  }
  return config.kernelFunc;
}
