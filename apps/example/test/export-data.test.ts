import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { disposeBatch, isMultitaskError, isTensorLike, type Batch, type DataSource } from '@multitask/core';
import { testBackendName } from '@multitask/test-utils';
import { afterAll, describe, expect, test } from 'vitest';
import { exportData, loadConfig, main, readNpy, type ExportManifest } from '../src/index.ts';
import { datasets } from '../src/registries.ts';

const configs = join(dirname(fileURLToPath(import.meta.url)), '..', 'configs');
const dir = mkdtempSync(join(tmpdir(), 'multitask-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The parts of a config file the tests edit. */
interface RawConfig {
  backend?: string;
  dataset: { options: Record<string, unknown> };
  tasks: { name: string }[];
}

/** A config from `configs/` with edits, pinned to the test backend, written to a temp file. */
function configFile(name: string, edit: (c: RawConfig) => void = () => undefined): string {
  const c = JSON.parse(readFileSync(join(configs, name), 'utf8')) as RawConfig;
  c.backend = testBackendName();
  edit(c);
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(c));
  return file;
}

/** Every array of one epoch of `source` in row order, concatenated: inputs, then targets and masks by task. */
async function readSource(source: DataSource, tasks: readonly string[]): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = { inputs: [] };
  for (const t of tasks) {
    out[`target:${t}`] = [];
    out[`mask:${t}`] = [];
  }
  for await (const step of source.batches({ batchSize: 37, shuffle: false, seed: 1 })) {
    const b = step as Batch;
    const x = b.inputs;
    if (!isTensorLike(x)) throw new Error('named inputs');
    out.inputs!.push(...(await x.data()));
    for (const t of tasks) {
      out[`target:${t}`]!.push(...(await b.targets[t]!.data()));
      const m = b.masks?.[t];
      out[`mask:${t}`]!.push(...(m ? await m.data() : new Array<number>(x.shape[0]).fill(1)));
    }
    disposeBatch(b);
  }
  return out;
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

describe('multitask export-data', () => {
  test('penguins: every split round-trips bit-exactly (inputs, targets, masks with the 9 missing sexes)', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const file = configFile('penguins.json');
    const config = loadConfig(file);
    const out = join(dir, 'penguins');
    const manifest = await exportData(config, out, { configFile: file, chunkRows: 50 });
    const onDisk = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as ExportManifest;
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(manifest)));
    expect(manifest.format).toBe('multitask-export/1');
    expect(manifest.tasks.map((t) => t.name)).toEqual(['species', 'sex', 'body_mass']);
    expect(Object.keys(manifest.splits)).toEqual(['train', 'test']);
    const loaded = await datasets.get('penguins')(config.dataset.options);
    const tasks = ['species', 'sex', 'body_mass'];
    let missingSex = 0;
    let rowsTotal = 0;
    for (const [split, source] of [
      ['train', loaded.train],
      ['test', loaded.test],
    ] as const) {
      const s = manifest.splits[split]!;
      const expected = await readSource(source, tasks);
      const inputs = readNpy(join(out, s.inputs!.file));
      expect(inputs.shape).toEqual([s.rows, manifest.inputShape[0]]);
      expect(inputs.dtype).toBe('float32');
      expect(Array.from(inputs.data)).toEqual(expected.inputs!.map(Math.fround));
      for (const [i, t] of tasks.entries()) {
        expect(s.targets[t]!.file).toBe(`${split}-targets-${i}.npy`);
        const target = readNpy(join(out, s.targets[t]!.file));
        expect(target.dtype).toBe(t === 'body_mass' ? 'float32' : 'int32');
        expect(target.shape[0]).toBe(s.rows);
        const exp = expected[`target:${t}`]!;
        const got = Array.from(target.data);
        // Unlabelled rows may hold anything (e.g. NaN); compare labelled rows only.
        const mask = readNpy(join(out, s.masks[t]!.file));
        expect(Array.from(mask.data)).toEqual(expected[`mask:${t}`]);
        got.forEach((v, r) => {
          if (mask.data[r] === 1) expect(v).toBe(t === 'body_mass' ? Math.fround(exp[r]!) : exp[r]);
        });
        if (t === 'sex') missingSex += Array.from(mask.data).filter((m) => m === 0).length;
      }
      rowsTotal += s.rows;
    }
    expect(missingSex).toBe(9);
    expect(rowsTotal).toBe(333 + 9);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  test('multi-mnist via the CLI: pixels and labels equal the source rows; a task subset exports that task only', async () => {
    const file = configFile('multi-mnist-small.json', (c) => {
      Object.assign(c.dataset.options, { trainSize: 30, testSize: 12 });
    });
    const out = join(dir, 'mm');
    const { code, out: stdout, err } = await run(['export-data', '--config', file, '--out', out]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/train: 30 rows · inputs \[30, 36, 36, 1\] float32/);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as ExportManifest;
    expect(manifest.splits.test!.rows).toBe(12);
    expect(manifest.config.training).toEqual({ epochs: 3, batchSize: 256, seed: 1 });
    // What the PyTorch reference reads to rebuild the model and the recipe.
    expect(manifest.tasks.map((t) => [t.name, t.options.numClasses])).toEqual([
      ['left', 10],
      ['right', 10],
    ]);
    expect(manifest.config.backbone).toEqual({
      type: 'multi-lenet',
      options: { filters: [10, 20], units: 50, dropout: 0.5 },
    });
    expect(manifest.config.optimizer).toEqual({ name: 'adam', learningRate: 0.001 });
    const loaded = await datasets.get('multi-mnist')({ seed: 1, maxShift: 2, trainSize: 30, testSize: 12 });
    const train = loaded.train as unknown as {
      example(i: number): { image: Float32Array; left: number; right: number };
    };
    const x = readNpy(join(out, 'train-inputs.npy'));
    const left = readNpy(join(out, 'train-targets-0.npy'));
    const right = readNpy(join(out, 'train-targets-1.npy'));
    expect([left.dtype, left.shape]).toEqual(['int32', [30]]);
    for (const i of [0, 7, 29]) {
      const ex = train.example(i);
      expect(Array.from(x.data.subarray(i * 1296, (i + 1) * 1296))).toEqual(Array.from(ex.image));
      expect([left.data[i], right.data[i]]).toEqual([ex.left, ex.right]);
    }
    expect(Array.from(readNpy(join(out, 'train-masks-1.npy')).data)).toEqual(new Array<number>(30).fill(1));

    const rightOnly = configFile('multi-mnist-small.json', (c) => {
      Object.assign(c.dataset.options, { trainSize: 30, testSize: 12 });
      c.tasks = c.tasks.filter((t) => t.name === 'right');
    });
    const out2 = join(dir, 'mm-right');
    expect((await run(['export-data', '--config', rightOnly, '--out', out2, '--json'])).code).toBe(0);
    const m2 = JSON.parse(readFileSync(join(out2, 'manifest.json'), 'utf8')) as ExportManifest;
    expect(Object.keys(m2.splits.train!.targets)).toEqual(['right']);
    expect(Array.from(readNpy(join(out2, 'train-targets-0.npy')).data)).toEqual(Array.from(right.data));
    expect(existsSync(join(out2, 'train-targets-1.npy'))).toBe(false);
  });

  test('an earlier export is replaced; any other existing path and a missing --out are refused clearly', async () => {
    const file = configFile('penguins.json', (c) => {
      c.dataset.options.test = 0.5;
    });
    const out = join(dir, 'replace');
    await exportData(loadConfig(file), out);
    writeFileSync(join(out, 'stale.txt'), 'from an older export');
    const m = await exportData(loadConfig(file), out);
    expect(existsSync(join(out, 'stale.txt'))).toBe(false);
    const halves = await datasets.get('penguins')({ seed: 1, test: 0.5 });
    expect([m.splits.train!.rows, m.splits.test!.rows]).toEqual([halves.train.size, halves.test.size]);
    expect(m.splits.test!.rows).toBeGreaterThan(150);

    const other = join(dir, 'not-an-export');
    mkdirSync(other);
    writeFileSync(join(other, 'keep.txt'), 'mine');
    const e = await exportData(loadConfig(file), other).catch((x: unknown) => x);
    expect(isMultitaskError(e) && e.code === 'IO_ERROR').toBe(true);
    expect((e as Error).message).toMatch(/not-an-export exists and is not an export directory/);
    expect(readdirSync(other)).toEqual(['keep.txt']);

    const r = await run(['export-data', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/export-data needs --out DIR/);
  });
});
