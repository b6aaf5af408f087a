/**
 * The text step (Brown POS + genre: sequence encoder, per-token and pooled heads, static weighting) on each
 * backend: median step time and the ratio to cpu, measured in one run. The tensorflow row is skipped when
 * tfjs-node (or its native addon) is absent. `pnpm --filter @multitask/example bench`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { selectBackend, type BackendName } from '@multitask/backend';
import { sequenceEncoderBackbone } from '@multitask/backbones';
import { MultitaskModel, Rng, Trainer, type Batch } from '@multitask/core';
import { classificationTask, sequenceLabellingTask } from '@multitask/heads';
import { staticWeighting } from '@multitask/weighting';
import { registerGradients } from '@multitask/core';

registerGradients(); // tfjs-core registers no gradients by itself (explicit, once per process)

const B = Number(process.env.TEXT_BENCH_BATCH ?? 64);
const SIZES = { words: 24_015, suffixes2: 491, suffixes3: 2_563, shapes: 17 };
const DIMS = { words: 64, suffixes2: 16, suffixes3: 32, shapes: 8 };

/** A batch shaped like bucketed Brown batches: lengths 20–26, Zipf-like word ids. */
function batch(seed: number): Batch {
  const rng = new Rng(seed);
  const L = 26;
  const lengths = Array.from({ length: B }, () => 20 + rng.int(7));
  const ids = (vocab: number, zipf: boolean): tf.Tensor =>
    tf.tensor2d(
      lengths.flatMap((n) =>
        Array.from({ length: L }, (_, t) =>
          t < n ? 1 + (zipf ? Math.floor((vocab - 1) * rng.next() ** 3) : rng.int(vocab - 1)) : 0,
        ),
      ),
      [B, L],
      'int32',
    );
  const mask = lengths.flatMap((n) => Array.from({ length: L }, (_, t) => (t < n ? 1 : 0)));
  return {
    inputs: {
      words: ids(SIZES.words, true),
      suffixes2: ids(SIZES.suffixes2, true),
      suffixes3: ids(SIZES.suffixes3, true),
      shapes: ids(SIZES.shapes, false),
    },
    targets: {
      pos: tf.tensor2d(
        Array.from({ length: B * L }, () => rng.int(12)),
        [B, L],
        'int32',
      ),
      genre: tf.tensor1d(
        Array.from({ length: B }, () => rng.int(15)),
        'int32',
      ),
    },
    masks: { pos: tf.tensor2d(mask, [B, L]), genre: tf.ones([B]) },
  };
}

async function measure(name: BackendName, steps: number): Promise<number | string> {
  const selection = await selectBackend({ prefer: name });
  if (selection.name !== name) return `skipped (${name} unavailable: ${selection.name} was picked)`;
  const backbone = sequenceEncoderBackbone({
    features: Object.entries(SIZES).map(([n, vocabSize]) => ({
      name: n,
      vocabSize,
      dim: DIMS[n as keyof typeof DIMS],
    })),
    tasks: ['pos', 'genre'],
    sequenceTasks: ['genre'],
    pooling: 'max',
    dropout: 0.2,
  });
  const model = new MultitaskModel({
    backbone,
    tasks: [
      sequenceLabellingTask('pos', { numClasses: 12 }),
      classificationTask('genre', { numClasses: 15, hidden: [64] }),
    ],
  });
  const optimizer = tf.train.adam(3e-3);
  const trainer = new Trainer({ model, strategy: staticWeighting(), optimizer, seed: 1 });
  const b = batch(7);
  const times: number[] = [];
  for (let s = 0; s < steps + 2; s++) {
    const t0 = performance.now();
    trainer.trainStep(b);
    if (s >= 2) times.push(performance.now() - t0);
  }
  tf.dispose([
    ...Object.values(b.inputs as Record<string, tf.Tensor>),
    ...Object.values(b.targets),
    ...Object.values(b.masks ?? {}),
  ]);
  optimizer.dispose();
  model.dispose();
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)]!;
}

describe('text step benchmark', () => {
  it('prints the median step time per backend and the ratio to cpu', async () => {
    tf.enableProdMode();
    const rows: [string, number | string][] = [
      ['cpu', await measure('cpu', Number(process.env.TEXT_BENCH_CPU_STEPS ?? 3))],
      ['wasm', await measure('wasm', 10)],
      ['tensorflow', await measure('tensorflow', 10)],
    ];
    const cpu = rows[0]![1];
    console.log(
      `\nText step (Brown POS + genre, batch ${B}×26 tokens, sequence encoder 2×128 conv, static weighting):`,
    );
    console.log('| backend | median step (ms) | speed vs cpu |\n|---|---|---|');
    for (const [name, v] of rows) {
      if (typeof v === 'string') console.log(`| ${name} | ${v} | |`);
      else
        console.log(
          `| ${name} | ${v.toFixed(0)} | ${typeof cpu === 'number' ? `${(cpu / v).toFixed(1)}×` : ''} |`,
        );
    }
  });
});
