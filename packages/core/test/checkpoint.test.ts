import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import { MultitaskModel, Trainer, type LossWeighting } from '../src/index.ts';
import { checkpointCallback, findCheckpoint, loadCheckpoint, saveCheckpoint } from '../src/node/index.ts';
import {
  classificationTask,
  denseBackbone,
  linearHead,
  regressionTask,
  snapshot,
  toyData,
  toySource,
} from './fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'multitask-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A stateful loss weighting with a trainable variable (log-weights) and JSON state (a step counter). */
function learnedWeighting(): LossWeighting & { calls: number } {
  const logw = tf.tidy(() => tf.variable(tf.zeros([2]), true, `logw_${Math.random()}`));
  const self = {
    name: 'learned',
    family: 'loss' as const,
    calls: 0,
    variables: [logw],
    combine(losses: readonly tf.Scalar[]) {
      self.calls++;
      return tf.tidy(() =>
        tf.sum<tf.Scalar>(tf.add(tf.mul(tf.exp(tf.neg(logw)), tf.stack([...losses])), logw)),
      );
    },
    getConfig: () => ({}),
    state: () => ({ calls: self.calls }),
    load: (s: unknown) => {
      const calls = (s as { calls?: unknown } | null)?.calls;
      if (typeof calls !== 'number') throw new Error('learned: state must be { calls: number }');
      self.calls = calls;
    },
    dispose: () => logw.dispose(),
  };
  return self;
}

function build(options: { optimizer?: tf.Optimizer; units?: number; strategyName?: string } = {}) {
  const model = new MultitaskModel({
    backbone: denseBackbone({ inputSize: 4, units: options.units ?? 8, seed: 2, dropout: 0.2 }),
    tasks: [
      classificationTask('cls', linearHead(options.units ?? 8, 2, 3)),
      regressionTask('reg', linearHead(options.units ?? 8, 1, 4)),
    ],
  });
  const strategy = learnedWeighting();
  if (options.strategyName !== undefined) (strategy as { name: string }).name = options.strategyName;
  const optimizer = options.optimizer ?? tf.train.adam(0.02);
  const curve: number[] = [];
  const trainer = new Trainer({
    model,
    strategy,
    optimizer,
    seed: 11,
    callbacks: [{ onStepEnd: (e) => void curve.push(e.totalLoss) }],
  });
  const dispose = (): void => {
    model.dispose();
    strategy.dispose();
    optimizer.dispose();
  };
  return { model, strategy, optimizer, trainer, curve, dispose };
}

const data = toySource(toyData(48, 4, 5));
const fit = { batchSize: 16, shuffle: true } as const;

describe('checkpoints', () => {
  test('resuming from epoch 2 continues exactly as the uninterrupted run (Adam slots, strategy, RNG, dropout)', async () => {
    const full = build();
    await full.trainer.fit(data, { ...fit, epochs: 4 });
    const a = build();
    const dir = join(root, 'resume');
    await a.trainer.fit(data, { ...fit, epochs: 2, callbacks: [checkpointCallback(dir, a.trainer)] });
    a.dispose();
    const b = build();
    const manifest = await loadCheckpoint(dir, b.trainer);
    expect(manifest.epoch).toBe(2);
    expect(b.trainer.step).toBe(6);
    expect(b.strategy.calls).toBe(6);
    await b.trainer.fit(data, { ...fit, epochs: 2 });
    expect(b.curve).toEqual(full.curve.slice(6));
    expect(snapshot(b.model.trainableVariables)).toEqual(snapshot(full.model.trainableVariables));
    full.dispose();
    b.dispose();
  });

  test('Adam resumes bit-exactly late in a run (β-powers restored, not recomputed from the step count)', async () => {
    const full = build();
    await full.trainer.fit(data, { ...fit, epochs: 34 });
    const a = build();
    const dir = join(root, 'adam-late');
    await a.trainer.fit(data, {
      ...fit,
      epochs: 30,
      callbacks: [checkpointCallback(dir, a.trainer, { everyEpochs: 10 })],
    });
    a.dispose();
    const b = build();
    expect((await loadCheckpoint(dir, b.trainer)).step).toBe(90);
    await b.trainer.fit(data, { ...fit, epochs: 4 });
    expect(snapshot(b.model.trainableVariables)).toEqual(snapshot(full.model.trainableVariables));
    expect(b.curve).toEqual(full.curve.slice(90));
    full.dispose();
    b.dispose();
  });

  test('a failed write leaves the previous checkpoint whole and no temporary files', async () => {
    const r = build();
    const dir = join(root, 'atomic');
    await r.trainer.fit(data, { ...fit, epochs: 1 });
    await saveCheckpoint(dir, r.trainer);
    const before = readdirSync(dir);
    r.strategy.state = () => {
      throw new Error('disk full (simulated)');
    };
    await r.trainer.fit(data, { ...fit, epochs: 1 });
    await expectMultitaskError(() => saveCheckpoint(dir, r.trainer), 'CHECKPOINT_ERROR');
    expect(readdirSync(dir)).toEqual(before);
    expect(readdirSync(root).filter((f) => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);
    const again = build();
    expect((await loadCheckpoint(dir, again.trainer)).epoch).toBe(1);
    r.dispose();
    again.dispose();
  });

  test('corrupted, truncated or mismatched checkpoints are refused naming the file or tensor', async () => {
    const r = build();
    const dir = join(root, 'bad');
    await saveCheckpoint(dir, r.trainer);
    const target = build();
    const before = snapshot(target.model.trainableVariables);
    truncateSync(join(dir, 'weights.bin'), 10);
    await expect(loadCheckpoint(dir, target.trainer)).rejects.toThrow(/weights\.bin has 10 bytes.*truncated/);
    await saveCheckpoint(dir, r.trainer);
    writeFileSync(join(dir, 'manifest.json'), '{ "format": ');
    await expect(loadCheckpoint(dir, target.trainer)).rejects.toThrow(/manifest\.json is not valid JSON/);
    await saveCheckpoint(dir, r.trainer);
    const other = new MultitaskModel({
      backbone: denseBackbone({ inputSize: 4, units: 5, seed: 2 }),
      tasks: [classificationTask('cls', linearHead(5, 2, 3)), regressionTask('reg', linearHead(5, 1, 4))],
    });
    const opt = tf.train.adam(0.02);
    const strategy = learnedWeighting();
    const wrong = new Trainer({ model: other, strategy, optimizer: opt, seed: 1 });
    await expect(loadCheckpoint(dir, wrong)).rejects.toThrow(
      /tensor "backbone\/0" has shape \[4, 8\] but the model's variable has \[4, 5\]/,
    );
    expect(snapshot(target.model.trainableVariables)).toEqual(before);
    expect(existsSync(join(root, 'missing'))).toBe(false);
    await expect(loadCheckpoint(join(root, 'missing'), target.trainer)).rejects.toThrow(
      /Cannot read checkpoint/,
    );
    other.dispose();
    opt.dispose();
    strategy.dispose();
    r.dispose();
    target.dispose();
  });
});

/** Everything a restore could change, read back as plain numbers. */
async function trainerFingerprint(t: ReturnType<typeof build>): Promise<unknown> {
  const opt = await t.optimizer.getWeights();
  const values = opt.map((w) => Array.from(w.tensor.dataSync()));
  tf.dispose(opt.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
  return {
    vars: snapshot([...t.model.trainableVariables, ...(t.strategy.variables ?? [])]),
    state: t.trainer.state(),
    strategy: t.strategy.state(),
    optimizer: values,
  };
}

/** Rewrites a checkpoint's manifest and re-signs it, so that only the content check can refuse it. */
function editManifest(dir: string, edit: (m: Record<string, unknown>) => unknown): void {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  const edited = edit(m);
  const text = `${JSON.stringify(edited === undefined ? m : edited)}\n`;
  writeFileSync(join(dir, 'manifest.json'), text);
  resign(dir);
}

function resign(dir: string): void {
  const sum = (f: string): string =>
    createHash('sha256')
      .update(readFileSync(join(dir, f)))
      .digest('hex');
  writeFileSync(
    join(dir, 'checksums.json'),
    JSON.stringify({
      algorithm: 'sha256',
      files: { 'manifest.json': sum('manifest.json'), 'weights.bin': sum('weights.bin') },
    }),
  );
}

function editWeights(dir: string, edit: (bytes: Buffer) => void, sign = false): void {
  const bytes = readFileSync(join(dir, 'weights.bin'));
  edit(bytes);
  writeFileSync(join(dir, 'weights.bin'), bytes);
  if (sign) resign(dir);
}

type Manifest = Record<string, unknown> & {
  tensors: { key: string; shape: number[] }[];
  weightSpecs: { name: string; shape: number[]; dtype: string }[];
  rng: { trainer: unknown; strategy: unknown };
  strategy: Record<string, unknown>;
  optimizer: Record<string, unknown>;
  model: { backbone: { options: Record<string, unknown> } };
};

const corruptions: readonly [string, (dir: string) => void, RegExp][] = [
  ['truncated weights', (d) => truncateSync(join(d, 'weights.bin'), 7), /weights\.bin has 7 bytes/],
  [
    'truncated manifest',
    (d) => truncateSync(join(d, 'manifest.json'), 30),
    /manifest\.json is not valid JSON/,
  ],
  [
    'a flipped weight bit',
    (d) => editWeights(d, (b) => void (b[5] = b[5]! ^ 0x10)),
    /weights\.bin does not match its SHA-256/,
  ],
  [
    'zeroed weight bytes',
    (d) => editWeights(d, (b) => b.fill(0, 0, 64)),
    /weights\.bin does not match its SHA-256/,
  ],
  [
    'NaN weights (re-signed)',
    (d) => editWeights(d, (b) => b.writeFloatLE(NaN, 8), true),
    /tensor "backbone\/0" holds NaN/,
  ],
  [
    'Infinity weights (re-signed)',
    (d) => editWeights(d, (b) => b.writeFloatLE(Infinity, 0), true),
    /holds NaN or infinite/,
  ],
  [
    'a changed manifest',
    (d) =>
      writeFileSync(
        join(d, 'manifest.json'),
        readFileSync(join(d, 'manifest.json'), 'utf8').replace('"epoch": 1', '"epoch": 2'),
      ),
    /manifest\.json does not match its SHA-256/,
  ],
  ['missing weights.bin', (d) => rmSync(join(d, 'weights.bin')), /Cannot read checkpoint.*weights\.bin/],
  [
    'missing manifest.json',
    (d) => rmSync(join(d, 'manifest.json')),
    /Cannot read checkpoint.*manifest\.json/,
  ],
  [
    'missing checksums.json',
    (d) => rmSync(join(d, 'checksums.json')),
    /Cannot read checkpoint.*checksums\.json/,
  ],
  [
    'checksums of the wrong kind',
    (d) => writeFileSync(join(d, 'checksums.json'), '{"files": [1]}'),
    /has no SHA-256 for manifest\.json/,
  ],
  ['manifest {}', (d) => editManifest(d, () => ({})), /"weightSpecs" must be an array, got nothing/],
  ['manifest null', (d) => editManifest(d, () => null), /manifest\.json must hold a JSON object, got null/],
  ['manifest an array', (d) => editManifest(d, () => [1, 2]), /must hold a JSON object, got an array/],
  [
    'weightSpecs of the wrong kind',
    (d) => editManifest(d, (m) => void ((m as Manifest).weightSpecs[0]!.dtype = 'float64')),
    /weightSpecs\[0\]" must be/,
  ],
  [
    'no rng',
    (d) =>
      editManifest(d, (m) => {
        delete m.rng;
      }),
    /"rng" must be an object/,
  ],
  [
    'rng of strings',
    (d) => editManifest(d, (m) => void ((m as Manifest).rng.trainer = ['a', 'b', 'c', 'd'])),
    /"rng\.trainer" must be four 32-bit/,
  ],
  [
    'rng all zero',
    (d) => editManifest(d, (m) => void ((m as Manifest).rng.strategy = [0, 0, 0, 0])),
    /"rng\.strategy" must be four 32-bit unsigned integers, not all 0/,
  ],
  [
    'rng too short',
    (d) => editManifest(d, (m) => void ((m as Manifest).rng.trainer = [1, 2])),
    /"rng\.trainer"/,
  ],
  [
    'step a string',
    (d) => editManifest(d, (m) => void (m.step = '3')),
    /"step" must be an integer ≥ 0, got string "3"/,
  ],
  ['epoch negative', (d) => editManifest(d, (m) => void (m.epoch = -1)), /"epoch" must be an integer ≥ 0/],
  [
    'format from the future',
    (d) => editManifest(d, (m) => void (m.format = 99)),
    /has format 99; this version reads format 2/,
  ],
  [
    'no model',
    (d) =>
      editManifest(d, (m) => {
        delete m.model;
      }),
    /"model" must be an object/,
  ],
  [
    'tensors not an array',
    (d) => editManifest(d, (m) => void (m.tensors = {})),
    /"tensors" must be an array/,
  ],
  [
    'strategy state of the wrong kind',
    (d) => editManifest(d, (m) => void ((m as Manifest).strategy.state = { calls: 'many' })),
    /strategy "learned" refused the saved state/,
  ],
  [
    'another strategy',
    (d) => editManifest(d, (m) => void ((m as Manifest).strategy.name = 'uncertainty')),
    /written with strategy "uncertainty"/,
  ],
  [
    'another optimizer',
    (d) => editManifest(d, (m) => void ((m as Manifest).optimizer.className = 'SGD')),
    /written with optimizer SGD, but the trainer uses Adam/,
  ],
  [
    'optimizer slots of the wrong shape',
    (d) =>
      editManifest(d, (m) => {
        const mm = m as Manifest;
        const i = mm.weightSpecs.findIndex((s) => s.name === 'optimizer/1');
        // Swap the shapes of a slot and a bias-sized tensor of equal byte size is not possible: make the slot [1, N].
        const n = mm.weightSpecs[i]!.shape.reduce((a, b) => a * b, 1);
        mm.weightSpecs[i]!.shape = [n, 1, 1];
        mm.tensors[i]!.shape = [n, 1, 1];
      }),
    /optimizer slot "optimizer\/1" has shape/,
  ],
  [
    'the step count not a scalar',
    (d) =>
      editManifest(d, (m) => {
        const mm = m as Manifest;
        const i = mm.weightSpecs.findIndex((s) => s.name === 'optimizer/0');
        mm.weightSpecs[i]!.shape = [1];
        mm.tensors[i]!.shape = [1];
      }),
    /"optimizer\/0" \(the optimizer's step count\) is missing or not a scalar/,
  ],
  [
    'a wrong variable name',
    (d) =>
      editManifest(d, (m) => {
        const mm = m as Manifest;
        mm.weightSpecs[0]!.name = 'backbone/x';
        mm.tensors[0]!.key = 'backbone/x';
      }),
    /has no tensor "backbone\/0"/,
  ],
  [
    'tensors and specs disagreeing',
    (d) => editManifest(d, (m) => void ((m as Manifest).tensors[0]!.key = 'backbone/9')),
    /"tensors" and "weightSpecs" disagree/,
  ],
  [
    'another model (same shapes, other config)',
    (d) => editManifest(d, (m) => void ((m as Manifest).model.backbone.options.dropout = 0.5)),
    /another model: its config differs .* at "backbone\.options\.dropout"/,
  ],
];

describe('checkpoint corruption: each kind refused with CHECKPOINT_ERROR, the trainer left as it was', () => {
  let source: ReturnType<typeof build>;
  const good = join(root, 'good');
  let counted = 0;
  beforeAll(async () => {
    source = build();
    await source.trainer.fit(data, { ...fit, epochs: 1 });
    await saveCheckpoint(good, source.trainer);
  });

  test.each(corruptions)('%s', async (_name, corrupt, message) => {
    const dir = join(root, `corrupt-${counted++}`);
    cpSync(good, dir, { recursive: true });
    corrupt(dir);
    const target = build();
    await target.trainer.fit(data, { ...fit, epochs: 2 }); // a trainer with its own, different state
    const before = await trainerFingerprint(target);
    const tensors = tf.memory().numTensors;
    await expectMultitaskError(() => loadCheckpoint(dir, target.trainer), 'CHECKPOINT_ERROR', message);
    expect(await trainerFingerprint(target)).toEqual(before);
    expect(tf.memory().numTensors).toBe(tensors);
    target.dispose();
  });

  test('a checkpoint of another model (other shapes) or with another optimizer kind is refused', async () => {
    const sgd = build({ optimizer: tf.train.sgd(0.1) });
    await sgd.trainer.fit(data, { ...fit, epochs: 1 });
    const dir = join(root, 'sgd');
    await saveCheckpoint(dir, sgd.trainer);
    const adam = build();
    const before = await trainerFingerprint(adam);
    await expect(loadCheckpoint(dir, adam.trainer)).rejects.toThrow(
      /written with optimizer SGD, but the trainer uses Adam/,
    );
    expect(await trainerFingerprint(adam)).toEqual(before);
    const small = build({ units: 5 });
    await expect(loadCheckpoint(dir, small.trainer)).rejects.toThrow(
      /tensor "backbone\/0" has shape \[4, 8\]/,
    );
    const renamed = build({ strategyName: 'other' });
    await expect(loadCheckpoint(dir, renamed.trainer)).rejects.toThrow(
      /written with strategy "learned", but the trainer uses "other"/,
    );
    for (const t of [sgd, adam, small, renamed]) t.dispose();
  });

  afterAll(() => source.dispose());
});

describe('the rename window and stale directories', () => {
  test('a kill between the renames (only .old-* left) resumes from the newest intact checkpoint; leftovers are cleaned', async () => {
    const r = build();
    const dir = join(root, 'window', 'ckpt');
    await r.trainer.fit(data, { ...fit, epochs: 1 });
    await saveCheckpoint(dir, r.trainer);
    await r.trainer.fit(data, { ...fit, epochs: 1 });
    // Stop the second write after the live checkpoint was moved aside (as a SIGKILL there would).
    await expect(
      saveCheckpoint(dir, r.trainer, undefined, {
        onStage: (stage) => {
          if (stage === 'moved-aside') throw new Error('killed');
        },
      }),
    ).rejects.toThrow(/killed/);
    // The error path moved it back; recreate the state a real kill leaves: live gone, old + complete tmp present.
    const parent = join(root, 'window');
    const old = join(parent, '.ckpt.old-1-dead');
    renameSync(dir, old);
    expect(existsSync(dir)).toBe(false);
    const fresh = build();
    expect((await loadCheckpoint(dir, fresh.trainer)).epoch).toBe(1);
    // A complete, newer temporary directory (killed before the first rename) wins over the older one.
    const tmp = join(parent, '.ckpt.tmp-2-dead');
    await saveCheckpoint(join(parent, 'scratch'), r.trainer);
    renameSync(join(parent, 'scratch'), tmp);
    const found = await findCheckpoint(dir);
    expect(found?.path).toBe(tmp);
    expect(found?.data.manifest.epoch).toBe(2);
    // An incomplete temporary directory (no checksums yet) is ignored.
    const partial = join(parent, '.ckpt.tmp-3-dead');
    cpSync(tmp, partial, { recursive: true });
    rmSync(join(partial, 'checksums.json'));
    expect((await findCheckpoint(dir))?.path).toBe(tmp);
    // The next successful write cleans every leftover.
    await saveCheckpoint(dir, r.trainer);
    expect(readdirSync(parent).sort()).toEqual(['ckpt']);
    for (const t of [r, fresh]) t.dispose();
  });

  test('a corrupted live checkpoint falls back to an intact .old-* one; none intact is an error listing each', async () => {
    const r = build();
    const parent = join(root, 'fallback');
    const dir = join(parent, 'ckpt');
    await r.trainer.fit(data, { ...fit, epochs: 1 });
    await saveCheckpoint(dir, r.trainer);
    cpSync(dir, join(parent, '.ckpt.old-1-dead'), { recursive: true });
    editWeights(dir, (b) => void (b[0] = b[0]! ^ 1));
    const t = build();
    const found = await findCheckpoint(dir);
    expect(found?.path).toBe(join(parent, '.ckpt.old-1-dead'));
    expect(found?.skipped.map((s) => s.path)).toEqual([dir]);
    expect((await loadCheckpoint(dir, t.trainer)).epoch).toBe(1);
    editWeights(join(parent, '.ckpt.old-1-dead'), (b) => void (b[0] = b[0]! ^ 1));
    await expect(loadCheckpoint(dir, t.trainer)).rejects.toThrow(
      /No intact checkpoint in .*fallback\/ckpt:\n.*SHA-256.*\n.*SHA-256/,
    );
    expect(await findCheckpoint(join(parent, 'nothing'))).toBeUndefined();
    for (const x of [r, t]) x.dispose();
  });

  test('checkpointCallback checks its options', () => {
    const r = build();
    for (const everyEpochs of [0, NaN, -1, 1.5, Infinity]) {
      expect(() => checkpointCallback(join(root, 'x'), r.trainer, { everyEpochs })).toThrow(
        /everyEpochs must be an integer ≥ 1/,
      );
    }
    expect(() => checkpointCallback('', r.trainer)).toThrow(/dir must be a non-empty path/);
    expect(() => checkpointCallback('x', r.trainer, { extra: 3 as never })).toThrow(
      /extra must be a function/,
    );
    r.dispose();
  });
});
