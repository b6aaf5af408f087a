/**
 * Stopping inside an epoch and resuming: the stopped epoch is not treated as complete (no afterEpoch, no
 * validation, no onEpochEnd), the trainer keeps its progress, and a run resumed from a checkpoint written at
 * any step (through the checkpoint files) ends with bit-identical weights and the same history as an
 * uninterrupted run (Adam, shuffling, dropout, a strategy whose state depends on the epochs' mean losses).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar } from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import {
  MultitaskModel,
  Trainer,
  type EpochEvent,
  type LossWeighting,
  type TrainResult,
  type WeightingStrategy,
} from '../src/index.ts';
import { loadCheckpoint, readCheckpoint, saveCheckpoint } from '../src/node/index.ts';
import {
  classificationTask,
  denseBackbone,
  inverseNormGramian,
  linearHead,
  regressionTask,
  snapshot,
  toyData,
  toySource,
} from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'multitask-mid-epoch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A DWA-like loss weighting: its weights follow the ratio of the last two epochs' mean losses (from
 * `afterEpoch`), so a wrong partial-epoch loss sum after resuming changes the training.
 */
function epochRatioWeighting(): LossWeighting & {
  epochs: { epoch: number; losses: Record<string, number> }[];
} {
  let history: Record<string, number>[] = [];
  const epochs: { epoch: number; losses: Record<string, number> }[] = [];
  const weightsFor = (tasks: readonly string[]): number[] =>
    tasks.map((t) => {
      const [a, b] = history.slice(-2);
      return a && b ? Math.min(2, Math.max(0.25, b[t]! / a[t]!)) : 1;
    });
  return {
    name: 'epoch-ratio',
    family: 'loss',
    epochs,
    combine: (losses, ctx) => {
      const w = weightsFor(ctx.tasks);
      return tf.tidy(() => tf.addN<Scalar>(losses.map((l, i) => tf.mul(l, w[i]!))));
    },
    currentWeights: weightsFor,
    afterEpoch: (epoch, losses) => {
      epochs.push({ epoch, losses: { ...losses } });
      history = [...history, { ...losses }];
    },
    getConfig: () => ({}),
    state: () => history,
    load: (s) => {
      history = (s as Record<string, number>[] | null) ?? [];
    },
    dispose: () => undefined,
  };
}

type Make = () => WeightingStrategy & { epochs?: { epoch: number; losses: Record<string, number> }[] };
const strategies: [string, Make, 'representation' | undefined][] = [
  ['loss weighting with epoch state', epochRatioWeighting, undefined],
  ['Gramian, representation mode', () => inverseNormGramian(), 'representation'],
];

const data = toyData(60, 4, 21); // 8 batches of 8 (the last one 4 rows) per epoch
const validation = toySource(toyData(16, 4, 22));
const EPOCHS = 3;
const BATCH = 8;
const STEPS_PER_EPOCH = 8;

function build(make: Make, mode: 'representation' | undefined) {
  const model = new MultitaskModel({
    backbone: denseBackbone({ inputSize: 4, units: 8, seed: 2, dropout: 0.2 }),
    tasks: [classificationTask('cls', linearHead(8, 2, 3)), regressionTask('reg', linearHead(8, 1, 4))],
  });
  const strategy = make();
  const optimizer = tf.train.adam(0.02);
  const trainer = new Trainer({
    model,
    strategy,
    optimizer,
    seed: 17,
    ...(mode ? { gradientMode: mode } : {}),
  });
  const dispose = (): void => {
    strategy.dispose();
    model.dispose();
    optimizer.dispose();
  };
  return { model, strategy, optimizer, trainer, dispose };
}

/** An epoch event without its wall-clock time. */
function timeless(e: EpochEvent): Omit<EpochEvent, 'seconds'> {
  return Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'seconds')) as Omit<
    EpochEvent,
    'seconds'
  >;
}

async function optimizerState(opt: tf.Optimizer): Promise<number[][]> {
  const w = await opt.getWeights();
  const values = w.map((x) => Array.from(x.tensor.dataSync()));
  tf.dispose(w.filter((x) => !(x.tensor instanceof tf.Variable)).map((x) => x.tensor));
  return values;
}

describe.each(strategies)('stop inside an epoch, resume (%s, Adam)', (_, make, mode) => {
  test('from a checkpoint written at random steps: bit-identical weights, the same history and afterEpoch calls', async () => {
    const ref = build(make, mode);
    const whole = await ref.trainer.fit(toySource(data), { epochs: EPOCHS, batchSize: BATCH, validation });
    const expectedWeights = snapshot(ref.model.trainableVariables);
    const expectedOptimizer = await optimizerState(ref.optimizer);
    const expectedEpochs = ref.strategy.epochs;
    ref.dispose();
    expect(whole.steps).toBe(EPOCHS * STEPS_PER_EPOCH);

    let runs = 0;
    let midEpoch = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: EPOCHS * STEPS_PER_EPOCH - 2 }), async (stopAt) => {
        const ckpt = join(dir, `${mode ?? 'loss'}-${stopAt}`);
        const a = build(make, mode);
        const epochEnds: number[] = [];
        const first = await a.trainer.fit(toySource(data), {
          epochs: EPOCHS,
          batchSize: BATCH,
          validation,
          callbacks: [
            {
              onStepEnd: (e, control) => {
                if (e.step === stopAt) control.stop('interrupted');
              },
              onEpochEnd: (e) => void epochEnds.push(e.epoch),
            },
          ],
        });
        const done = Math.floor((stopAt + 1) / STEPS_PER_EPOCH);
        const inside = (stopAt + 1) % STEPS_PER_EPOCH;
        expect(first.stoppedEarly).toBe('interrupted');
        expect(first.steps).toBe(stopAt + 1);
        expect(first.epochs).toBe(done);
        expect(epochEnds).toEqual(Array.from({ length: done }, (_, i) => i));
        expect(a.trainer.epoch).toBe(done);
        expect(first.history.map(timeless)).toEqual(whole.history.slice(0, done).map(timeless));
        if (a.strategy.epochs) expect(a.strategy.epochs).toEqual(expectedEpochs!.slice(0, done));
        if (inside > 0) {
          midEpoch++;
          expect(first.partialEpoch).toEqual({ epoch: done, batches: inside });
          expect(a.trainer.state().partialEpoch?.batches).toBe(inside);
        } else {
          expect(first.partialEpoch).toBeUndefined();
        }
        await saveCheckpoint(ckpt, a.trainer);
        a.dispose();

        const b = build(make, mode);
        const manifest = await loadCheckpoint(ckpt, b.trainer);
        expect(manifest.format).toBe(inside > 0 ? 3 : 2);
        expect(manifest.partialEpoch?.batches).toBe(inside > 0 ? inside : undefined);
        const rest = await b.trainer.fit(toySource(data), {
          epochs: EPOCHS - b.trainer.epoch,
          batchSize: BATCH,
          validation,
        });
        expect([...first.history, ...rest.history].map(timeless)).toEqual(whole.history.map(timeless));
        expect(rest.steps).toBe(whole.steps);
        expect(snapshot(b.model.trainableVariables)).toEqual(expectedWeights);
        expect(await optimizerState(b.optimizer)).toEqual(expectedOptimizer);
        if (b.strategy.epochs) expect(b.strategy.epochs).toEqual(expectedEpochs!.slice(done));
        b.dispose();
        runs++;
      }),
      { seed: mode ? 5 : 6, numRuns: 11, examples: [[3], [STEPS_PER_EPOCH - 1], [STEPS_PER_EPOCH]] },
    );
    expect(runs).toBe(11);
    expect(midEpoch).toBeGreaterThanOrEqual(6);
    console.log(
      `mid-epoch resume (${mode ?? 'loss weighting'}): ${runs} stop points, ${midEpoch} inside an epoch; weights bit-identical`,
    );
  }, 120_000);

  test('the same trainer continues after a stop inside an epoch; stop on the last batch completes the epoch', async () => {
    const ref = build(make, mode);
    const whole = await ref.trainer.fit(toySource(data), { epochs: 2, batchSize: BATCH });
    const expected = snapshot(ref.model.trainableVariables);
    ref.dispose();
    const a = build(make, mode);
    const stops = [2, STEPS_PER_EPOCH - 1, STEPS_PER_EPOCH + 4];
    const results: TrainResult[] = [];
    while (a.trainer.step < whole.steps) {
      const at = stops.find((s) => s >= a.trainer.step);
      results.push(
        await a.trainer.fit(toySource(data), {
          epochs: 2 - a.trainer.epoch,
          batchSize: BATCH,
          callbacks: [{ onStepEnd: (e, c) => (e.step === at ? c.stop('pause') : undefined) }],
        }),
      );
    }
    expect(results.map((r) => r.partialEpoch)).toEqual([
      { epoch: 0, batches: 3 },
      undefined, // stopped on the epoch's last batch: the epoch is complete
      { epoch: 1, batches: 5 },
      undefined,
    ]);
    expect(results.flatMap((r) => r.history).map(timeless)).toEqual(whole.history.map(timeless));
    expect(snapshot(a.model.trainableVariables)).toEqual(expected);
    a.dispose();
  });
});

describe('partial-epoch checks', () => {
  test('continuing with another batch size or shuffle setting, or fewer batches, is refused', async () => {
    const a = build(epochRatioWeighting, undefined);
    await a.trainer.fit(toySource(data), {
      epochs: 1,
      batchSize: BATCH,
      callbacks: [{ onStepEnd: (e, c) => (e.step === 4 ? c.stop('pause') : undefined) }],
    });
    await expectMultitaskError(
      () => a.trainer.fit(toySource(data), { epochs: 1, batchSize: 16 }),
      'INVALID_OPTION',
      /stopped inside an epoch trained with batchSize 8; continuing it needs the same batchSize, got 16/,
    );
    await expectMultitaskError(
      () => a.trainer.fit(toySource(data), { epochs: 1, batchSize: BATCH, shuffle: false }),
      'INVALID_OPTION',
      /needs the same shuffle, got false/,
    );
    await expectMultitaskError(
      () =>
        a.trainer.fit(toySource(toyData(24, 4, 1)), { epochs: 1, batchSize: BATCH, validateData: 'none' }),
      'INVALID_DATA',
      /stopped inside an epoch after 5 batch\(es\), but the training data "toy" now has only 3/,
    );
    // The refusals changed nothing: the epoch still continues at batch 5.
    expect(a.trainer.state().partialEpoch?.batches).toBe(5);
    expect(a.trainer.step).toBe(5);
    a.dispose();
  });

  test('format 3 (inside an epoch) is validated field by field; format 2 must not carry partialEpoch', async () => {
    const a = build(epochRatioWeighting, undefined);
    await a.trainer.fit(toySource(data), {
      epochs: 1,
      batchSize: BATCH,
      callbacks: [{ onStepEnd: (e, c) => (e.step === 2 ? c.stop('pause') : undefined) }],
    });
    const ckpt = join(dir, 'fields');
    await saveCheckpoint(ckpt, a.trainer);
    const manifestFile = join(ckpt, 'manifest.json');
    const original = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    expect(original.format).toBe(3);
    expect(original.partialEpoch).toMatchObject({ batches: 3, batchSize: 8, shuffle: true });
    const b = build(epochRatioWeighting, undefined);
    const cases: [string, (m: Record<string, unknown>) => void, RegExp][] = [
      ['no partialEpoch', (m) => delete m.partialEpoch, /"partialEpoch" must be an object/],
      [
        'seed 0',
        (m) => ((m.partialEpoch as Record<string, unknown>).seed = 0),
        /"partialEpoch\.seed" must be an integer in \[1, /,
      ],
      [
        'batches -1',
        (m) => ((m.partialEpoch as Record<string, unknown>).batches = -1),
        /"partialEpoch\.batches" must be an integer ≥ 0/,
      ],
      [
        'shuffle "yes"',
        (m) => ((m.partialEpoch as Record<string, unknown>).shuffle = 'yes'),
        /"partialEpoch\.shuffle" must be a boolean/,
      ],
      [
        'sum NaN',
        (m) =>
          ((m.partialEpoch as { losses: Record<string, unknown> }).losses.cls = { sum: 'NaN', count: 1 }),
        /"partialEpoch\.losses\.cls" must be an object \{ sum/,
      ],
      [
        'count > batches',
        (m) => ((m.partialEpoch as { losses: Record<string, unknown> }).losses.cls = { sum: 1, count: 9 }),
        /"partialEpoch\.losses\.cls\.count" must be an integer in \[1, partialEpoch\.batches = 3\]/,
      ],
      [
        'unknown task',
        (m) => ((m.partialEpoch as { losses: Record<string, unknown> }).losses.other = { sum: 1, count: 1 }),
        /"partialEpoch\.losses" has task "other", which the model does not have/,
      ],
      ['format 2 with partialEpoch', (m) => (m.format = 2), /"partialEpoch" must be absent in format 2/],
    ];
    const before = snapshot(b.model.trainableVariables);
    for (const [, edit, message] of cases) {
      const m = structuredClone(original);
      edit(m);
      const text = `${JSON.stringify(m, null, 1)}\n`;
      writeFileSync(manifestFile, text);
      // Re-sign the edited manifest so that the field check, not the checksum, refuses it.
      const sums = JSON.parse(readFileSync(join(ckpt, 'checksums.json'), 'utf8')) as {
        files: Record<string, string>;
      };
      const { createHash } = await import('node:crypto');
      sums.files['manifest.json'] = createHash('sha256').update(text).digest('hex');
      writeFileSync(join(ckpt, 'checksums.json'), JSON.stringify(sums));
      await expectMultitaskError(
        async () => {
          const data = await readCheckpoint(ckpt);
          const { restoreCheckpoint } = await import('../src/index.ts');
          await restoreCheckpoint(b.trainer, data, ckpt);
        },
        'CHECKPOINT_ERROR',
        message,
      );
      expect(b.trainer.state().partialEpoch).toBeUndefined();
      expect(b.trainer.step).toBe(0);
    }
    expect(snapshot(b.model.trainableVariables)).toEqual(before);
    a.dispose();
    b.dispose();
  });
});
