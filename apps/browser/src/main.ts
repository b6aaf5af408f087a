import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-cpu';
import { MultitaskModel, Trainer, registerGradients, type Batch, type DataSource } from '@multitask/core';
import { mlpBackbone } from '@multitask/backbones';
import { classificationTask, regressionTask } from '@multitask/heads';
import { uncertaintyWeighting } from '@multitask/weighting';
import { LossPlot } from './plot.ts';

/** What the page exposes for its browser test (and for the curious, in the console). */
interface PageState {
  backend: string;
  losses: Record<string, number[]>;
  done: boolean;
  error?: string;
}
const state: PageState = { backend: '', losses: { digit: [], value: [] }, done: false };
(window as unknown as { multitask: PageState }).multitask = state;

const $ = (id: string): HTMLElement => document.getElementById(id)!;

/** WebGL when the browser can run it, else cpu. */
async function pickBackend(): Promise<string> {
  try {
    if (await tf.setBackend('webgl')) {
      await tf.ready();
      return 'webgl';
    }
  } catch {
    // fall through to cpu
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return 'cpu';
}

const ROWS = 512;
const FEATURES = 8;

/** Synthetic two-task data: a 3-class label (which of three directions x points to most) and a smooth value. */
function syntheticData(seed: number): DataSource {
  const x = tf.randomNormal([ROWS, FEATURES], 0, 1, 'float32', seed);
  const directions = tf.randomNormal([FEATURES, 3], 0, 1, 'float32', seed + 1);
  const labels = tf.tidy(() => tf.cast(tf.argMax(tf.matMul(x, directions), 1), 'int32'));
  const values = tf.tidy(() => tf.sum(tf.sin(x), 1, true));
  return {
    name: 'synthetic',
    size: ROWS,
    tasks: ['digit', 'value'],
    async *batches({ batchSize }): AsyncIterable<Batch> {
      for (let start = 0; start < ROWS; start += batchSize) {
        await tf.nextFrame(); // let the page paint between steps
        const size = Math.min(batchSize, ROWS - start);
        yield {
          inputs: tf.slice(x, [start, 0], [size, FEATURES]),
          targets: {
            digit: tf.slice(labels, [start], [size]),
            value: tf.slice(values, [start, 0], [size, 1]),
          },
        };
      }
    },
  };
}

async function main(): Promise<void> {
  state.backend = await pickBackend();
  $('backend').textContent = state.backend;
  registerGradients();

  const backbone = mlpBackbone({ inputSize: FEATURES, units: [32, 32], seed: 1 });
  const model = new MultitaskModel({
    backbone,
    tasks: [
      classificationTask('digit', { inputSize: 32, numClasses: 3, seed: 2 }),
      regressionTask('value', { inputSize: 32, seed: 3 }),
    ],
  });
  const trainer = new Trainer({
    model,
    strategy: uncertaintyWeighting(),
    optimizer: tf.train.adam(0.01),
    seed: 1,
  });
  const plot = new LossPlot($('plot') as HTMLCanvasElement, $('legend'), ['digit', 'value']);

  $('state').textContent = 'training';
  await trainer.fit(syntheticData(7), {
    epochs: 12,
    batchSize: 64,
    callbacks: [
      {
        onStepEnd: (event) => {
          for (const [task, loss] of Object.entries(event.losses)) state.losses[task]?.push(loss);
          $('step').textContent = String(event.step + 1);
          plot.draw(state.losses);
        },
      },
    ],
  });
  $('state').textContent = 'done';
  state.done = true;
}

main().catch((e: unknown) => {
  state.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  $('state').textContent = `failed: ${state.error}`;
  state.done = true;
});
