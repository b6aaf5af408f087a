import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  classifyNativeLoadError,
  registerTrainingKernels,
  selectBackend,
  trainingKernelNames,
  unregisterTrainingKernels,
} from '../src/index.ts';

/** Whether tfjs-node's addon was built here (`pnpm native`): then the real import succeeds (native-select.test.ts). */
function nativeBuilt(): boolean {
  try {
    const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-node/package.json');
    return existsSync(join(dirname(pkg), 'lib/napi-v8/tfjs_binding.node'));
  } catch {
    return false;
  }
}
const absent = !nativeBuilt();

beforeAll(async () => {
  tf.enableProdMode();
  // the shared leak check needs an active backend before the first test
  await selectBackend({ prefer: 'wasm' });
});

/** The messages below are the ones Node and tfjs-node 4.22 produce (LAB-NOTES §7), rebuilt as fakes. */
const cjsMissing = Object.assign(
  new Error("Cannot find module '@tensorflow/tfjs-node'\nRequire stack:\n- /app/x.js"),
  {
    code: 'MODULE_NOT_FOUND',
  },
);
const esmMissing = Object.assign(
  new Error(
    "Cannot find package '@tensorflow/tfjs-node' imported from /app/node_modules/@multitask/backend/dist/select-backend.js",
  ),
  { code: 'ERR_MODULE_NOT_FOUND' },
);
const addonMissing = new Error(
  'The Node.js native addon module (tfjs_binding.node) can not be found at path: /app/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node. \n' +
    "Please run command 'npm rebuild @tensorflow/tfjs-node build-addon-from-source' to rebuild the native addon module.",
);
const dlopen = Object.assign(
  new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory'),
  {
    code: 'ERR_DLOPEN_FAILED',
  },
);

describe('classifyNativeLoadError', () => {
  it.each([
    ['CommonJS MODULE_NOT_FOUND', cjsMissing, 'module-not-found'],
    ['ESM ERR_MODULE_NOT_FOUND', esmMissing, 'module-not-found'],
    ['native addon can not be found', addonMissing, 'native-addon-not-found'],
    [
      'addon error wrapped by a loader (cause chain)',
      new Error('failed to load plugin', { cause: addonMissing }),
      'native-addon-not-found',
    ],
    ['dlopen failure', dlopen, 'dlopen-failed'],
    ['an unrelated error', new TypeError('x is not a function'), 'unexpected'],
    ['a thrown string', 'boom', 'unexpected'],
    ['null', null, 'unexpected'],
  ] as const)('%s → %s', (_label, error, want) => {
    expect(classifyNativeLoadError(error)).toBe(want);
  });

  it.skipIf(!absent)('classifies the real error of importing tfjs-node here as absent', async () => {
    // Here tfjs-node is either not installed or (pnpm auto-installing the optional peer) linked without its addon,
    // since its install cannot download libtensorflow: both must classify as "absent".
    const specifier = '@tensorflow/tfjs-node';
    const error: unknown = await import(specifier).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).not.toBeNull();
    expect(['module-not-found', 'native-addon-not-found']).toContain(classifyNativeLoadError(error));
  });
});

describe('selectBackend', () => {
  it('falls back to wasm with kernels when tfjs-node is installed without its addon, and says why', async () => {
    const s = await selectBackend({ importNative: () => Promise.reject(addonMissing) });
    expect(s.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(s.kernels).toEqual(trainingKernelNames('wasm'));
    expect(s.threads).toBe(1);
    expect(s.interOpThreads).toBe(1);
    expect(s.attempts.map((a) => [a.name, a.ok])).toEqual([
      ['tensorflow', false],
      ['wasm', true],
    ]);
    expect(s.attempts[0]!.failure).toBe('native-addon-not-found');
    expect(s.reason).toMatch(
      /^WebAssembly .*\(fastest available; fallback\); tfjs-node is installed without its native addon/,
    );
  });

  it.skipIf(!absent)(
    'picks wasm by default here (tfjs-node absent or without its addon) and names the reason',
    async () => {
      const s = await selectBackend();
      expect(s.name).toBe('wasm');
      expect(['module-not-found', 'native-addon-not-found']).toContain(s.attempts[0]!.failure);
      expect(s.reason).toMatch(/tfjs-node is (not installed|installed without its native addon)/);
    },
  );

  it('does not trust a tfjs-node that registered no backend with this tfjs-core', async () => {
    const s = await selectBackend({ importNative: () => Promise.resolve({}) });
    expect(s.name).toBe('wasm');
    expect(s.attempts[0]!.reason).toMatch(/another copy of @tensorflow\/tfjs-core/);
  });

  it('honours prefer: cpu, with its Conv2DBackpropFilter registered, then wasm again', async () => {
    const cpu = await selectBackend({ prefer: 'cpu' });
    expect(cpu.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(cpu.kernels).toEqual(['Conv2DBackpropFilter']);
    expect(cpu.reason).toMatch(/\(requested\)$/);
    expect(cpu.attempts).toHaveLength(1);
    unregisterTrainingKernels('cpu');
    const wasm = await selectBackend({ prefer: 'wasm' });
    expect(wasm.name).toBe('wasm');
    expect(wasm.attempts).toHaveLength(1);
  });

  it('a small dense workload tries wasm before tfjs-node, a convolutional one tfjs-node first', async () => {
    let loads = 0;
    const importNative = (): Promise<unknown> => {
      loads++;
      return Promise.reject(addonMissing);
    };
    const small = await selectBackend({ importNative, workload: { multiplyAdds: 65_000 } });
    expect(small.name).toBe('wasm');
    expect(loads).toBe(0);
    expect(small.attempts.map((a) => a.name)).toEqual(['wasm']);
    expect(small.reason).toMatch(
      /\(small dense model \(65 k multiply-adds per step < 4\.0 M\): per-op overhead/,
    );
    const unknown = await selectBackend({ importNative, workload: {} });
    expect(unknown.reason).toMatch(/small dense model \(size unknown/);
    const conv = await selectBackend({ importNative, workload: { convolutional: true, multiplyAdds: 10 } });
    expect(loads).toBe(1);
    expect(conv.attempts.map((a) => a.name)).toEqual(['tensorflow', 'wasm']);
    expect(conv.reason).toMatch(/\(convolutional model: TensorFlow's kernels are the fastest; fallback\)/);
    const wide = await selectBackend({ importNative, workload: { multiplyAdds: 17e6 } });
    expect(wide.attempts.map((a) => a.name)).toEqual(['tensorflow', 'wasm']);
    expect(wide.reason).toMatch(/dense model of 17 M multiply-adds per step \(≥ 4\.0 M\)/);
  });

  it('strict prefer throws instead of falling back; bad thread counts are rejected by name', async () => {
    await expect(
      selectBackend({ prefer: 'tensorflow', strict: true, importNative: () => Promise.reject(esmMissing) }),
    ).rejects.toMatchObject({
      code: 'BACKEND_ERROR',
      message: expect.stringMatching(
        /requested backend 'tensorflow' could not start \(strict\): tfjs-node is not installed/,
      ),
    });
    expect(tf.getBackend()).toBe('wasm');
    await expect(selectBackend({ threads: { intraOp: 0 } })).rejects.toThrow(
      /threads\.intraOp must be an integer from 1 to 1024, got 0/,
    );
    await expect(selectBackend({ threads: { interOp: 1.5 } })).rejects.toThrow(/threads\.interOp/);
  });

  it('prefer tensorflow falls back when absent', async () => {
    const s = await selectBackend({ prefer: 'tensorflow', importNative: () => Promise.reject(esmMissing) });
    expect(s.name).toBe('wasm');
    expect(s.reason).toMatch(/\(fallback\); tfjs-node is not installed/);
  });
});

describe('registerTrainingKernels', () => {
  it('is idempotent and unregister restores the stock kernels', async () => {
    await selectBackend({ prefer: 'wasm' });
    const ours = tf.getKernel('BatchMatMul', 'wasm');
    expect(registerTrainingKernels()).toEqual(trainingKernelNames());
    expect(registerTrainingKernels()).toEqual(trainingKernelNames());
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(ours);
    unregisterTrainingKernels();
    const stock = tf.getKernel('BatchMatMul', 'wasm');
    expect(stock).not.toBe(ours);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    unregisterTrainingKernels(); // nothing left to remove: a no-op
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(stock);
    expect(registerTrainingKernels()).toEqual(trainingKernelNames());
    // the stock setup function is kept, so switching backends away and back re-initialises the kernel
    expect(tf.getKernel('BatchMatMul', 'wasm').setupFunc).toBe(stock.setupFunc);
  });

  it('leaves matmul results unchanged across a backend switch (setup functions re-run)', async () => {
    await selectBackend({ prefer: 'cpu' });
    await selectBackend({ prefer: 'wasm' });
    const v = tf.tidy(() =>
      Array.from(
        tf
          .matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2]), true, false)
          .dataSync(),
      ),
    );
    // aᵀ = [[1,3],[2,4]]; aᵀ·b = [[1·5+3·7, 1·6+3·8], [2·5+4·7, 2·6+4·8]] = [[26, 30], [38, 44]]
    expect(v).toEqual([26, 30, 38, 44]);
    unregisterTrainingKernels('cpu');
  });
});
