/**
 * Direct access to a backend's float32 tensor memory, for the few kernels that are cheaper as one JavaScript pass
 * over the data than as a composition of the backend's kernels (gathers, scatters, index bookkeeping). On wasm the
 * data of a tensor lives in the module's heap: `makeOutput` allocates there and `typedArrayFromHeap` views it.
 *
 * A view is only valid until the next allocation (a heap growth detaches it): allocate every output first, then
 * take the views, then loop, then return — no kernel call in between.
 */
import { type DataType, type TensorInfo } from '@tensorflow/tfjs-core';

/** A backend whose tensor data can be read and written in place. */
export interface HeapAccess {
  /** Allocates an (uninitialised) output tensor on the backend. */
  alloc(shape: readonly number[]): TensorInfo;
  /** A float32 view of a tensor's data (valid until the next allocation). */
  view(info: TensorInfo): Float32Array;
}

interface WasmLikeBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): ArrayLike<number>;
}

function isWasmLike(backend: object): backend is WasmLikeBackend {
  const b = backend as Partial<Record<keyof WasmLikeBackend, unknown>>;
  return typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function';
}

/** The heap of a wasm-like backend, or undefined when the backend does not expose one. */
export function heapOf(backend: object): HeapAccess | undefined {
  if (!isWasmLike(backend)) return undefined;
  return {
    alloc: (shape) => backend.makeOutput([...shape], 'float32'),
    view: (info) => {
      const v = backend.typedArrayFromHeap(info);
      if (!(v instanceof Float32Array)) throw new TypeError(`expected float32 data, got ${info.dtype}`);
      return v;
    },
  };
}
