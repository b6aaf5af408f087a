/**
 * selectBackend with the real native engine (tfjs-node built by `pnpm native`), in a process of its own: thread
 * counts set before TensorFlow loads, refused after; the engine chosen per workload; the native fixes active.
 * Skipped when tfjs-node cannot load — except when `MULTITASK_TEST_BACKEND=tensorflow`, where that fails.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../src/index.ts';

function nativeBuilt(): boolean {
  try {
    const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-node/package.json');
    return existsSync(join(dirname(pkg), 'lib/napi-v8/tfjs_binding.node'));
  } catch {
    return false;
  }
}
const required = process.env.MULTITASK_TEST_BACKEND === 'tensorflow';

describe.skipIf(!nativeBuilt() && !required)('selectBackend with tfjs-node built', () => {
  it('sets the thread counts before TensorFlow loads, reports them, and refuses other counts afterwards', async () => {
    expect(tf.findBackend('tensorflow')).toBeNull(); // not loaded yet in this process
    const s = await selectBackend({
      prefer: 'tensorflow',
      strict: true,
      threads: { intraOp: 1, interOp: 1 },
    });
    expect(s.name).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(process.env.TF_NUM_INTRAOP_THREADS).toBe('1');
    expect(process.env.TF_NUM_INTEROP_THREADS).toBe('1');
    expect([s.threads, s.interOpThreads]).toEqual([1, 1]);
    expect(s.reason).toBe('native TensorFlow via tfjs-node, 1 intra-op / 1 inter-op threads (requested)');
    expect(s.kernels).toEqual(['Round']);
    // the same counts again are fine; other counts cannot be honoured any more
    await expect(selectBackend({ prefer: 'tensorflow', threads: { intraOp: 1 } })).resolves.toMatchObject({
      threads: 1,
    });
    await expect(selectBackend({ threads: { intraOp: 2 } })).rejects.toMatchObject({
      code: 'BACKEND_ERROR',
      message: expect.stringMatching(
        /threads\.intraOp = 2: TensorFlow is already loaded with 1 intra-op and 1 inter-op threads and reads these counts only once/,
      ),
    });
    expect(process.env.TF_NUM_INTRAOP_THREADS).toBe('1');
  });

  it('picks wasm for a small dense model and tfjs-node for a convolutional one, saying why', async () => {
    const small = await selectBackend({ workload: { multiplyAdds: 65_000 } });
    expect(small.name).toBe('wasm');
    expect(small.reason).toMatch(
      /^WebAssembly .*\(small dense model \(65 k multiply-adds per step < 4\.0 M\)/,
    );
    const conv = await selectBackend({ workload: { convolutional: true } });
    expect(conv.name).toBe('tensorflow');
    expect(conv.reason).toMatch(
      /^native TensorFlow via tfjs-node, 1 intra-op \/ 1 inter-op threads \(convolutional model: TensorFlow's kernels are the fastest\)$/,
    );
  });

  it('rounds int32 tensors to themselves (TF 2.21 returns zeros without the native fix)', async () => {
    await selectBackend({ prefer: 'tensorflow', strict: true });
    const r = tf.tidy(() => Array.from(tf.round(tf.tensor1d([3, -2, 7], 'int32')).dataSync()));
    expect(r).toEqual([3, -2, 7]);
  });
});
