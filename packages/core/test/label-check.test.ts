/**
 * Class labels out of range are caught in every training step, not only by the data check before training:
 * the tasks' `targetViolations` counts join the step's one read, and a violation throws `LABEL_OUT_OF_RANGE`
 * naming the task, the step, the batch, the row and the value, before the update.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test, vi } from 'vitest';
import { countReads, expectMultitaskError } from '@multitask/test-utils';
import {
  MultitaskModel,
  Trainer,
  type Batch,
  type DataSource,
  type WeightingStrategy,
} from '../src/index.ts';
import {
  batchOf,
  classificationTask,
  denseBackbone,
  fixedLossWeighting,
  inverseNormGramian,
  linearHead,
  rankedSumAggregator,
  regressionTask,
  snapshot,
  toyData,
  toySource,
  type ToyData,
} from './fixtures.ts';

function build(): MultitaskModel {
  return new MultitaskModel({
    backbone: denseBackbone({ inputSize: 4, units: 6, seed: 3, dropout: 0.1 }),
    tasks: [classificationTask('cls', linearHead(6, 2, 4)), regressionTask('reg', linearHead(6, 1, 5))],
  });
}

/** The toy source, with the `cls` label of row `row` of batch `at` (of every epoch) replaced by `label`. */
function poisoned(
  d: ToyData,
  at: number,
  row: number,
  label: number,
  masks?: { cls?: number[] },
): DataSource {
  const base = toySource(d, masks);
  return {
    ...base,
    async *batches(req) {
      let i = 0;
      for await (const sb of base.batches(req)) {
        const b = sb as Batch;
        if (i++ !== at) {
          yield b;
          continue;
        }
        const labels = Array.from(b.targets.cls!.dataSync());
        labels[row] = label;
        b.targets.cls!.dispose();
        yield {
          ...b,
          targets: { ...b.targets, cls: tf.tensor1d(labels, Number.isInteger(label) ? 'int32' : 'float32') },
        };
      }
    },
  };
}

type Case = readonly [string, () => WeightingStrategy, 'representation' | 'parameters' | undefined];
const cases: Case[] = [
  ['loss weighting', () => fixedLossWeighting([1, 0.5]), undefined],
  ['Gramian, representation', () => inverseNormGramian(), 'representation'],
  ['Gramian, parameters', () => inverseNormGramian(), 'parameters'],
  ['Jacobian, representation', rankedSumAggregator, 'representation'],
];

describe('out-of-range labels in a later batch (validateData: first-batch)', () => {
  test.each(cases)(
    '%s: a bad label in batch 5 is caught at batch 5, before the update; one read per step',
    async (_, make, mode) => {
      const d = toyData(64, 4, 9);
      for (const [label, shown] of [
        [7, 'label 7'],
        [-1, 'label -1'],
        [0.5, 'label 0.5'],
      ] as const) {
        const model = build();
        const strategy = make();
        const opt = tf.train.adam(0.01);
        const trainer = new Trainer({
          model,
          strategy,
          optimizer: opt,
          seed: 4,
          ...(mode ? { gradientMode: mode } : {}),
        });
        const vars = [...model.trainableVariables];
        let before: number[][] = [];
        let optimizerBefore: number[][] = [];
        const batchesSeen: number[] = [];
        const engine = tf.engine();
        const sync = vi.spyOn(engine, 'readSync');
        const read = vi.spyOn(engine, 'read');
        const readsPerStep: number[] = [];
        let readsSoFar = 0;
        const error = await expectMultitaskError(
          () =>
            trainer.fit(poisoned(d, 5, 2, label), {
              epochs: 2,
              batchSize: 8,
              validateData: 'first-batch',
              callbacks: [
                {
                  onStepEnd: async (e) => {
                    const now = sync.mock.calls.length + read.mock.calls.length;
                    readsPerStep.push(now - readsSoFar);
                    batchesSeen.push(e.step);
                    // Snapshot after step 4: batch 5 must leave the weights and the optimizer as they are.
                    if (e.step === 4) {
                      sync.mockRestore();
                      read.mockRestore();
                      before = snapshot(vars);
                      const w = await opt.getWeights();
                      optimizerBefore = w.map((x) => Array.from(x.tensor.dataSync()));
                      tf.dispose(w.filter((x) => !(x.tensor instanceof tf.Variable)).map((x) => x.tensor));
                    }
                    readsSoFar = sync.mock.calls.length + read.mock.calls.length;
                  },
                },
              ],
            }),
          'LABEL_OUT_OF_RANGE',
          new RegExp(
            `Task "cls", step 5 \\(epoch 0, batch 5 of the epoch\\): 1 labelled row\\(s\\) have an invalid target — ${shown} .* at row 2\\. Training stopped before the update`,
          ),
        );
        expect(error.details).toMatchObject({ task: 'cls', step: 5, epoch: 0, batch: 5 });
        expect(batchesSeen).toEqual([0, 1, 2, 3, 4]);
        // The first step may build optimizer slots; the data check before training reads too.
        expect(readsPerStep.slice(1)).toEqual([1, 1, 1, 1]);
        expect(snapshot(vars)).toEqual(before);
        const w = await opt.getWeights();
        expect(w.map((x) => Array.from(x.tensor.dataSync()))).toEqual(optimizerBefore);
        tf.dispose(w.filter((x) => !(x.tensor instanceof tf.Variable)).map((x) => x.tensor));
        expect(trainer.step).toBe(5);
        strategy.dispose();
        model.dispose();
        opt.dispose();
      }
    },
  );

  test('a bad label in a masked-out row is not a violation; reads per step unchanged by the check', () => {
    const d = toyData(8, 4, 2);
    const model = build();
    const opt = tf.train.sgd(0.1);
    const trainer = new Trainer({ model, strategy: fixedLossWeighting([1, 1]), optimizer: opt, seed: 1 });
    const clean = batchOf(d);
    const masks = { cls: [1, 1, 0, 1, 1, 1, 1, 1] };
    const masked = batchOf(d, undefined, masks);
    const labels = Array.from(masked.targets.cls!.dataSync());
    labels[2] = 99;
    masked.targets.cls!.dispose();
    const hidden: Batch = { ...masked, targets: { ...masked.targets, cls: tf.tensor1d(labels, 'int32') } };
    trainer.trainStep(clean);
    expect(countReads(() => trainer.trainStep(clean))).toBe(1);
    expect(countReads(() => trainer.trainStep(hidden))).toBe(2); // + the mask read, as without the check
    const before = trainer.step;
    labels[2] = 0;
    labels[3] = 99;
    const visible: Batch = { ...masked, targets: { ...masked.targets, cls: tf.tensor1d(labels, 'int32') } };
    expect(() => trainer.trainStep(visible)).toThrow(/Task "cls", step 3 \(epoch 0\): 1 labelled row/);
    expect(trainer.step).toBe(before);
    tf.dispose([clean.inputs, ...Object.values(clean.targets)]);
    tf.dispose([hidden.inputs, ...Object.values(hidden.targets), ...Object.values(hidden.masks!)]);
    tf.dispose([visible.targets.cls!]);
    model.dispose();
    opt.dispose();
  });
});
