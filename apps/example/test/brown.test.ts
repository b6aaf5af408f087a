import { describe, expect, test } from 'vitest';
import { testBackendName } from '@multitask/test-utils';
import { loadConfig, parseConfig } from '../src/config.ts';
import { runExperiment } from '../src/experiment.ts';

describe('brown config', () => {
  test('configs/brown.json is valid and names the text parts', () => {
    const c = loadConfig('configs/brown.json');
    expect(c.dataset.name).toBe('brown');
    expect(c.backbone.type).toBe('sequence-encoder');
    expect(c.backbone.options).toMatchObject({ sequenceTasks: ['genre'], poolSource: 'embeddings' });
    expect(c.tasks.map((t) => [t.name, t.type])).toEqual([
      ['pos', 'sequence-labelling'],
      ['genre', 'classification'],
    ]);
  });

  test('trains end to end on two files per genre and reports both baselines', async () => {
    const base = loadConfig('configs/brown.json');
    const c = parseConfig(
      {
        ...base,
        dataset: { name: 'brown', options: { seed: 2, test: 0.5, filesPerGenre: 2, bucketBatches: 4 } },
        backbone: {
          type: 'sequence-encoder',
          options: {
            convLayers: 1,
            filters: 16,
            dims: { words: 16, suffixes2: 4, suffixes3: 8, shapes: 4 },
            sequenceTasks: ['genre'],
            poolSource: 'embeddings', // as configs/brown.json: genre's head takes the 32 pooled embedding features
          },
        },
        training: { epochs: 4, batchSize: 128, seed: 1 },
        optimizer: { name: 'adam', learningRate: 0.01 },
        backend: testBackendName(),
      },
      'brown-small',
    );
    const result = await runExperiment(c);
    expect(result.backend.name).toBe(testBackendName());
    const notes = result.notes!;
    expect(notes.testFiles).toBe(15);
    expect(notes.trainFiles).toBe(15);
    expect(notes.baselineMostFrequentTag).toBeGreaterThan(0.7);
    expect(notes.baselineMajorityGenre).toBeGreaterThan(0);
    // Four epochs over ~1 700 sentences (56 steps of a tiny encoder) tag most tokens right.
    expect(result.test.pos!['token-accuracy']).toBeGreaterThan(0.8);
    // The genre head learns on the training files (its training loss falls from the first epoch to the last).
    const first = result.history[0]!.trainLosses.genre!;
    const last = result.history.at(-1)!.trainLosses.genre!;
    expect(last).toBeLessThan(first);
    expect(result.test.genre!.accuracy).toBeGreaterThan(0);
  }, 300_000);
});
