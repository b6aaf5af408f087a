import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { disposeBatch, type Batch } from '@multitask/core';
import { CENSUS_INCOME_COLUMNS } from '../src/index.ts';
import { loadCensusIncome } from '../src/node/index.ts';

/**
 * A synthetic record in the format of census-income.data: 42 comma+space separated fields, numbers for the
 * continuous columns, words for the nominal ones, the label "- 50000." or "50000+." last.
 */
function record(i: number, married: string, income: string, city = 'Not in universe'): string {
  return CENSUS_INCOME_COLUMNS.map(([name, spec]) => {
    if (name === 'marital_status') return married;
    if (name === 'income') return income;
    if (name === 'previous_state') return city;
    if (spec.type === 'number') return String(20 + i);
    return `v${i % 2}`;
  }).join(', ');
}

describe('loadCensusIncome', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mt-census-'));
  const train = join(dir, 'census-income.data');
  const test = join(dir, 'census-income.test');
  writeFileSync(
    train,
    [
      record(0, 'Never married', '- 50000.'),
      record(1, 'Married-civilian spouse present', '50000+.'),
      record(2, 'Divorced', '- 50000.', 'Utah'),
      record(3, 'Never married', '50000+.'),
    ].join('\n') + '\n',
  );

  it('builds the MMoE tasks income > 50k and never married, with train-fitted one-hot features', async () => {
    writeFileSync(test, record(5, 'Widowed', '50000+.') + '\n');
    const data = await loadCensusIncome({ train, test });
    expect(data.train.size).toBe(4);
    expect(data.train.tasks).toEqual(['never_married', 'income']);
    // 7 continuous + one-hot: 31 nominal columns with 2 values (v0, v1) + previous_state with 2 → 7 + 32·2 = 71
    expect(data.encoder.features.length).toBe(71);
    for await (const step of data.train.batches({ batchSize: 4, shuffle: false, seed: 1 })) {
      const b = step as Batch;
      expect(Array.from(await b.targets.income!.data())).toEqual([0, 1, 0, 1]);
      expect(Array.from(await b.targets.never_married!.data())).toEqual([1, 0, 0, 1]);
      expect((b.inputs as { shape: number[] }).shape).toEqual([4, 71]);
      disposeBatch(b);
    }
    expect(data.test!.size).toBe(1);
  });

  it('rejects a test category not seen in training, and a short record', async () => {
    writeFileSync(test, record(5, 'Widowed', '50000+.', 'Ohio') + '\n');
    await expect(loadCensusIncome({ train, test })).rejects.toMatchObject({
      code: 'INVALID_DATA',
      details: { file: test, line: 1, column: 'previous_state' },
    });
    writeFileSync(test, record(5, 'Widowed', '50000+.').split(', ').slice(0, 30).join(', ') + '\n');
    await expect(loadCensusIncome({ train, test })).rejects.toMatchObject({
      code: 'INVALID_DATA',
      details: { file: test, line: 1 },
    });
  });
});
