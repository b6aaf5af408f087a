/**
 * The committed SIMD module (src/internal/simd-module.ts) is what scripts/build-simd.mjs makes of assembly/kernels.ts
 * today: rebuilt into a temporary directory and compared byte for byte. Also: the module imports the backend's memory
 * and nothing else, and a backend it cannot attach to gets the composed kernels with the reason recorded.
 */
import '@tensorflow/tfjs-backend-wasm';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSimdKernels } from '../src/index.ts';
import { loadSimd, simdStatusOf } from '../src/internal/simd.ts';
import { SIMD_MODULE_BASE64 } from '../src/internal/simd-module.ts';

/** The part of the WebAssembly JS API used here (the package's lib has no DOM types). */
interface ModuleDescriptor {
  readonly module?: string;
  readonly name: string;
  readonly kind: string;
}
interface WasmModuleApi {
  compile(bytes: Uint8Array): Promise<object>;
  Module: { imports(m: object): ModuleDescriptor[]; exports(m: object): ModuleDescriptor[] };
}
const WA = (globalThis as unknown as { WebAssembly: WasmModuleApi }).WebAssembly;

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

describe('the committed SIMD module', () => {
  it('is up to date with assembly/kernels.ts (else run `pnpm --filter @multitask/backend build:simd`)', () => {
    const out = mkdtempSync(join(tmpdir(), 'multitask-simd-test-'));
    try {
      const r = spawnSync(process.execPath, [join(pkg, 'scripts', 'build-simd.mjs'), '--out', out], {
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      const rebuilt = readFileSync(join(out, 'simd-module.ts'), 'utf8');
      const committed = readFileSync(join(pkg, 'src', 'internal', 'simd-module.ts'), 'utf8');
      expect(
        committed === rebuilt,
        'src/internal/simd-module.ts is stale: run pnpm --filter @multitask/backend build:simd',
      ).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('imports only env.memory, owns no memory and exports the kernels', async () => {
    const module = await WA.compile(Buffer.from(SIMD_MODULE_BASE64, 'base64'));
    expect(WA.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(
      WA.Module.exports(module)
        .map((e) => `${e.kind}:${e.name}`)
        .sort(),
    ).toEqual(['function:col2im', 'function:colSum', 'function:convFilterGrad', 'function:maxPoolGrad']);
  });

  it('attaches to the wasm backend, once', async () => {
    const first = await loadSimdKernels();
    expect(first).toEqual({ active: true, reason: 'WebAssembly SIMD kernels on the backend heap' });
    expect(await loadSimdKernels()).toBe(first);
  });

  it('records why it is off where the backend has no reachable memory', async () => {
    const notWasm = {};
    const status = await loadSimd(notWasm);
    expect(status.active).toBe(false);
    expect(status.reason).toMatch(/exposes no WebAssembly\.Memory/);
    expect(simdStatusOf(notWasm)).toBe(status);
  });
});
