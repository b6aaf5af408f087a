/**
 * Runs the TypeScript example of the repository README as written (its code block is cut out of README.md),
 * on the test backend, with fewer epochs.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { MultitaskModel, Trainer, registerGradients } from '@multitask/core';
import { mlpBackbone } from '@multitask/backbones';
import { classificationTask, regressionTask } from '@multitask/heads';
import { loadPenguins } from '@multitask/data';
import { accuracy, mse } from '@multitask/eval';
import { uncertaintyWeighting } from '@multitask/weighting';
import { expect, test } from 'vitest';

const readme = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'README.md'),
  'utf8',
);

test('the README example trains the penguins model (uncertainty weighting) to a stated accuracy', async () => {
  const block = /## Example\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  // The block's statements after its imports and the backend selection, as an async function body.
  const body = block!
    .split('\n')
    .filter((l) => !l.startsWith('import ') && !l.startsWith('await selectBackend'))
    .join('\n')
    .replace('epochs: 60', 'epochs: 25')
    .replace(
      'console.log(await trainer.evaluate(data.test));',
      'const scores = await trainer.evaluate(data.test); return { scores, model, strategy: trainer.strategy, optimizer: trainer.optimizer };',
    );
  const AsyncFunction = Object.getPrototypeOf(async function noop() {
    await Promise.resolve();
  }).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<{
    scores: Record<string, Record<string, number>>;
    model: MultitaskModel;
    strategy: { dispose(): void };
    optimizer: tf.Optimizer;
  }>;
  const run = new AsyncFunction(
    'tf',
    'MultitaskModel',
    'Trainer',
    'mlpBackbone',
    'classificationTask',
    'regressionTask',
    'loadPenguins',
    'accuracy',
    'mse',
    'uncertaintyWeighting',
    'registerGradients',
    body,
  );
  const { scores, model, strategy, optimizer } = await run(
    tf,
    MultitaskModel,
    Trainer,
    mlpBackbone,
    classificationTask,
    regressionTask,
    loadPenguins,
    accuracy,
    mse,
    uncertaintyWeighting,
    registerGradients,
  );
  expect(scores.species!.accuracy).toBeGreaterThanOrEqual(0.95);
  expect(scores.sex!.accuracy).toBeGreaterThanOrEqual(0.7);
  expect(scores.body_mass!.mse).toBeLessThan(0.4);
  model.dispose();
  strategy.dispose();
  optimizer.dispose();
});
