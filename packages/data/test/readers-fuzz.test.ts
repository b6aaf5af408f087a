import fc from 'fast-check';
import { isMultitaskError } from '@multitask/core';
import { describe, expect, test } from 'vitest';
import { fitEncoder, readCsv, readJsonl, type TableSchema } from '../src/index.ts';

const schema: TableSchema = {
  size: { type: 'number' },
  weight: { type: 'number' },
  city: { type: 'category' },
  label: { type: 'category', role: 'target' },
};
const COLUMNS = ['size', 'weight', 'city', 'label'];

/** Cells that must never be read as a number. */
const BAD_NUMBERS = [
  '0x10',
  '0X1f',
  '0b11',
  '0o7',
  '-0x1',
  '1e999',
  '-1e999',
  'Infinity',
  '-Infinity',
  'NaN',
  '1,5',
  '1_000',
  '12abc',
  '--1',
  '1e',
  '.',
  '+',
  '١٢',
  ' 0x10 ',
];

/** Valid number cells (decimal). */
const GOOD_NUMBERS = ['0', '-1', '3.25', '.5', '5.', '1e3', '-2.5E-3', '+7', ' 42 '];

const goodRow = fc.tuple(
  fc.constantFrom(...GOOD_NUMBERS),
  fc.constantFrom(...GOOD_NUMBERS),
  fc.constantFrom('oslo', 'rome', ''),
  fc.constantFrom('a', 'b'),
);

/** A CSV file with exactly one defect placed at a random row, and where it is. */
const badCsv = fc
  .tuple(
    fc.array(goodRow, { minLength: 1, maxLength: 8 }),
    fc.nat(),
    fc.constantFrom('number', 'duplicate-header', 'field-count', 'stray-quote', 'missing-column'),
    fc.constantFrom(...BAD_NUMBERS),
    fc.integer({ min: 0, max: 1 }),
  )
  .map(([rows, at, defect, bad, col]) => {
    const r = at % rows.length;
    let header = COLUMNS.join(',');
    const body = rows.map((row) => [...row] as string[]);
    let line = r + 2; // 1-based, after the header
    if (defect === 'number') body[r]![col] = bad.includes(',') ? `"${bad}"` : bad;
    else if (defect === 'duplicate-header') {
      header = `${COLUMNS.join(',')},${COLUMNS[col]!}`;
      for (const row of body) row.push('1');
      line = 1;
    } else if (defect === 'field-count') body[r]!.push('extra');
    else if (defect === 'stray-quote') body[r]![2] = '"oslo';
    else {
      header = COLUMNS.filter((c) => c !== 'weight').join(',');
      for (const row of body) row.splice(1, 1);
      line = 1;
    }
    return { text: `${header}\n${body.map((row) => row.join(',')).join('\n')}\n`, defect, line };
  });

/** A JSONL file with one defect. */
const badJsonl = fc
  .tuple(
    fc.array(goodRow, { minLength: 1, maxLength: 8 }),
    fc.nat(),
    fc.constantFrom('huge', 'string-numeral', 'not-json', 'not-object', 'object-cell', 'boolean-number'),
    fc.constantFrom(...BAD_NUMBERS),
  )
  .map(([rows, at, defect, bad]) => {
    const r = at % rows.length;
    const lines = rows.map(([size, weight, city, label]) =>
      JSON.stringify({ size: Number(size), weight: Number(weight), city, label }),
    );
    const row = { size: 1, weight: 2, city: 'oslo', label: 'a' };
    if (defect === 'huge') lines[r] = `{"size": 1e999, "weight": 2, "city": "oslo", "label": "a"}`;
    else if (defect === 'string-numeral') lines[r] = JSON.stringify({ ...row, weight: bad });
    else if (defect === 'not-json') lines[r] = `{"size": 1, "weight": `;
    else if (defect === 'not-object') lines[r] = '[1, 2, 3]';
    else if (defect === 'object-cell') lines[r] = JSON.stringify({ ...row, city: { name: 'oslo' } });
    else lines[r] = JSON.stringify({ ...row, size: true });
    return { text: `${lines.join('\n')}\n`, defect, line: r + 1 };
  });

/** Runs `read`; the rejection must be a MultitaskError naming the file and the line (and a column for a cell). */
async function expectRejected(
  read: () => Promise<unknown>,
  file: string,
  line: number,
  cell: boolean,
): Promise<void> {
  let error: unknown;
  try {
    await read();
  } catch (e) {
    error = e;
  }
  if (!isMultitaskError(error)) throw new Error(`expected a MultitaskError, got ${String(error)}`);
  expect(error.code).toBe('INVALID_DATA');
  expect(error.details.file).toBe(file);
  expect(error.details.line).toBe(line);
  expect(error.message).toContain(`${file}, line ${line}`);
  if (cell) expect(error.message).toMatch(/column "[^"]+"/);
}

describe('reader fuzzing (fast-check, seeded): every defect a MultitaskError with file, line and column', () => {
  test('≥ 1,000 generated CSV and JSONL files with one defect each are rejected; valid ones read back', async () => {
    const counts = { csv: 0, jsonl: 0, valid: 0 };
    await fc.assert(
      fc.asyncProperty(badCsv, async ({ text, defect, line }) => {
        await expectRejected(
          () => readCsv(text, { file: 'fuzz.csv', schema }),
          'fuzz.csv',
          line,
          defect !== 'stray-quote',
        );
        counts.csv++;
      }),
      { seed: 1301, numRuns: 700 },
    );
    await fc.assert(
      fc.asyncProperty(badJsonl, async ({ text, defect, line }) => {
        await expectRejected(
          () => readJsonl(text, { file: 'fuzz.jsonl', schema }),
          'fuzz.jsonl',
          line,
          defect !== 'not-json' && defect !== 'not-object',
        );
        counts.jsonl++;
      }),
      { seed: 1302, numRuns: 500 },
    );
    // Valid files (decimal numerals only) are read exactly, and chunk borders do not matter.
    await fc.assert(
      fc.asyncProperty(
        fc.array(goodRow, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 7 }),
        async (rows, chunk) => {
          const text = `${COLUMNS.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`;
          const chunks = text.match(new RegExp(`[\\s\\S]{1,${chunk}}`, 'g'))!;
          const raw = await readCsv(chunks, { file: 'ok.csv', schema });
          expect(raw.size).toBe(rows.length);
          expect(Array.from(raw.numbers.size!)).toEqual(rows.map((r) => Number(r[0])));
          fitEncoder(raw);
          counts.valid++;
        },
      ),
      { seed: 1303, numRuns: 200 },
    );
    console.log(
      `reader fuzzing: ${counts.csv} invalid CSV files and ${counts.jsonl} invalid JSONL files rejected with file/line/column; ${counts.valid} valid CSV files read`,
    );
    expect(counts.csv + counts.jsonl).toBeGreaterThanOrEqual(1000);
  }, 120_000);

  test('the reported defects: hex and binary numerals, 1e999, duplicate headers', async () => {
    await expect(
      readCsv('size,weight,city,label\n0x10,1,oslo,a\n', { file: 'd.csv', schema }),
    ).rejects.toThrow(
      'd.csv, line 2, column "size": "0x10" is not a decimal number (a hexadecimal numeral: only decimal numbers are read)',
    );
    await expect(
      readCsv('size,weight,city,label\n1,0b11,oslo,a\n', { file: 'd.csv', schema }),
    ).rejects.toThrow(
      'd.csv, line 2, column "weight": "0b11" is not a decimal number (a binary or octal numeral',
    );
    await expect(
      readJsonl('{"size": 1, "weight": 1e999, "city": "x", "label": "a"}\n', { file: 'd.jsonl', schema }),
    ).rejects.toThrow(
      'd.jsonl, line 1, column "weight": the number is not finite (Infinity; a literal such as 1e999',
    );
    await expect(
      readCsv('size,weight,city,label\n1e999,1,oslo,a\n', { file: 'd.csv', schema }),
    ).rejects.toThrow('"1e999" is too large for a 64-bit float');
    await expect(
      readCsv('size,weight,size,city,label\n1,2,3,oslo,a\n', { file: 'd.csv', schema }),
    ).rejects.toThrow('d.csv, line 1, column "size": the header names this column twice (fields 1 and 3)');
  });
});
