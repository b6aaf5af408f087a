/**
 * The SIMD module (assembly/kernels.ts, compiled into simd-module.ts) instantiated on a wasm backend's own memory:
 * its functions read and write tensors in place, by their byte offsets in the backend's heap. One instance per
 * backend, created asynchronously (browsers refuse synchronous compiles of modules above 4 KB); kernels that find
 * none fall back to their composed versions.
 */
import { type TensorInfo } from '@tensorflow/tfjs-core';
import { SIMD_MODULE_BASE64 } from './simd-module.ts';

/** The functions of the SIMD module; every pointer is a byte offset in the backend's heap. */
export interface SimdExports {
  col2im(
    cols: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    ci: number,
    oh: number,
    ow: number,
    fh: number,
    fw: number,
    sh: number,
    sw: number,
    pt: number,
    pl: number,
  ): void;
  convFilterGrad(
    x: number,
    dy: number,
    dw: number,
    scratch: number,
    n: number,
    ci: number,
    h: number,
    w: number,
    co: number,
    oh: number,
    ow: number,
    fh: number,
    fw: number,
    sh: number,
    pt: number,
    pl: number,
  ): void;
  colSum(x: number, out: number, rows: number, cols: number): void;
  maxPoolGrad(
    x: number,
    y: number,
    dy: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    fh: number,
    fw: number,
    sh: number,
    sw: number,
    pt: number,
    pl: number,
  ): void;
}

/** A loaded SIMD module and how to find a tensor in the heap it works on. */
export interface Simd {
  readonly fn: SimdExports;
  /** Byte offset of a tensor's data in the backend's heap. */
  offset(info: TensorInfo): number;
}

/** The status of the SIMD kernels on one backend. */
export interface SimdStatus {
  /** Whether the SIMD kernels run on this backend. */
  readonly active: boolean;
  /** Why not, when they do not; a short description when they do. */
  readonly reason: string;
}

/** The part of the WebAssembly JS API used here (the package's lib has no DOM types). */
interface WasmMemoryLike {
  readonly buffer: ArrayBufferLike;
}
interface WasmApi {
  readonly Memory: abstract new (...args: never[]) => WasmMemoryLike;
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: Record<string, Record<string, unknown>>): Promise<{ exports: object }>;
}

function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

interface WasmBackendLike {
  wasm?: { asm?: { memory?: unknown }; wasmMemory?: unknown };
  getMemoryOffset?: (dataId: object) => number;
}

const loaded = new WeakMap<object, Simd>();
const status = new WeakMap<object, SimdStatus>();
let compiled: Promise<object> | undefined;

/** Overrides for tests: disable the module, as on an engine without SIMD. */
let disabledReason: string | undefined;

/** The SIMD kernels, each of which can be switched off (benchmarks compare with and without it). */
export type SimdKernelName = 'Conv2DBackpropInput' | 'Conv2DBackpropFilter' | 'MaxPoolGrad' | 'Sum';

const off = new Set<SimdKernelName>();

/** For benchmarks: runs `name` without its SIMD path (`enabled` false) or with it again. */
export function setSimdKernelEnabled(name: SimdKernelName, enabled: boolean): void {
  if (enabled) off.delete(name);
  else off.add(name);
}

function decode(base64: string): Uint8Array {
  const bin = atob(base64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function memoryOf(api: WasmApi, backend: object): WasmMemoryLike | undefined {
  const wasm = (backend as WasmBackendLike).wasm;
  const memory = wasm?.asm?.memory ?? wasm?.wasmMemory;
  return memory instanceof api.Memory ? memory : undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Instantiates the SIMD module on `backend`'s memory (once; later calls return the first result). Never throws: a
 * backend without a reachable memory, or an engine without WebAssembly SIMD, gets `{ active: false, reason }`.
 */
export async function loadSimd(backend: object): Promise<SimdStatus> {
  const known = status.get(backend);
  if (known !== undefined) return known;
  const result = await instantiate(backend);
  // a concurrent call may have finished first: keep one instance
  const again = status.get(backend);
  if (again !== undefined) return again;
  status.set(backend, result.status);
  if (result.simd !== undefined) loaded.set(backend, result.simd);
  return result.status;
}

async function instantiate(backend: object): Promise<{ status: SimdStatus; simd?: Simd }> {
  if (disabledReason !== undefined) return { status: { active: false, reason: disabledReason } };
  const api = wasmApi();
  if (api === undefined) return { status: { active: false, reason: 'this engine has no WebAssembly' } };
  const memory = memoryOf(api, backend);
  const getOffset = (backend as WasmBackendLike).getMemoryOffset;
  if (memory === undefined || typeof getOffset !== 'function') {
    return {
      status: {
        active: false,
        reason: 'the backend exposes no WebAssembly.Memory (not tfjs-backend-wasm 4.x)',
      },
    };
  }
  if (!(memory.buffer instanceof ArrayBuffer)) {
    return {
      status: { active: false, reason: 'the backend memory is shared (threaded build): not supported' },
    };
  }
  try {
    compiled ??= api.compile(decode(SIMD_MODULE_BASE64));
    const module = await compiled;
    const instance = await api.instantiate(module, { env: { memory } });
    const fn = instance.exports as unknown as SimdExports;
    const simd: Simd = { fn, offset: (info) => getOffset.call(backend, info.dataId) };
    return { status: { active: true, reason: 'WebAssembly SIMD kernels on the backend heap' }, simd };
  } catch (e) {
    compiled = undefined;
    return { status: { active: false, reason: `WebAssembly SIMD unavailable (${messageOf(e)})` } };
  }
}

/** The SIMD module loaded on `backend`, if any and if `kernel`'s SIMD path is enabled. */
export function simdOf(backend: object, kernel: SimdKernelName): Simd | undefined {
  return off.has(kernel) ? undefined : loaded.get(backend);
}

/** The status recorded by {@link loadSimd} for `backend` (undefined before any load). */
export function simdStatusOf(backend: object): SimdStatus | undefined {
  return status.get(backend);
}

/**
 * For tests and benchmarks: `reason` set makes later loads fail with it (as on an engine without SIMD); `undefined`
 * re-enables them. Also forgets `backend`'s instance, when given, so the next kernel call uses the fallback.
 */
export function setSimdDisabled(reason: string | undefined, backend?: object): void {
  disabledReason = reason;
  if (backend !== undefined) {
    loaded.delete(backend);
    status.delete(backend);
  }
}
