import { existsSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, test } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import { MultitaskModel, Trainer, type LossWeighting } from '../src/index.ts';
import { checkpointCallback, loadCheckpoint, saveCheckpoint } from '../src/node/index.ts';
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
      return tf.tidy(
        () => tf.sum<tf.Scalar>(tf.add(tf.mul(tf.exp(tf.neg(logw)), tf.stack([...losses])), logw)),
      );
    },
    getConfig: () => ({}),
    state: () => ({ calls: self.calls }),
    load: (s: unknown) => void (self.calls = (s as { calls: number }).calls),
    dispose: () => logw.dispose(),
  };
  return self;
}

function build() {
  const model = new MultitaskModel({
    backbone: denseBackbone({ inputSize: 4, units: 8, seed: 2, dropout: 0.2 }),
    tasks: [classificationTask('cls', linearHead(8, 2, 3)), regressionTask('reg', linearHead(8, 1, 4))],
  });
  const strategy = learnedWeighting();
  const optimizer = tf.train.adam(0.02);
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
