/**
 * CSV throughput on Census-Income-shaped records (42 fields, ", " separated): rows per second of
 * readCsv + fitEncoder + encode, to estimate the full 199 523-row census-income.data.
 */
import { expect, it } from 'vitest';
import { CENSUS_INCOME_COLUMNS, censusIncomeSchema, fitEncoder, readCsv } from '../src/index.ts';

it('CSV: Census-Income-shaped rows per second', async () => {
  const rows = 50_000;
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    lines.push(
      CENSUS_INCOME_COLUMNS.map(([name, spec], j) => {
        if (name === 'income') return i % 16 === 0 ? '50000+.' : '- 50000.';
        if (name === 'marital_status') return i % 3 === 0 ? 'Never married' : 'Divorced';
        return spec.type === 'number' ? String((i * 7 + j) % 90) : `Category ${(i + j) % 9}`;
      }).join(', '),
    );
  }
  const text = lines.join('\n') + '\n';
  const chunks: string[] = [];
  for (let k = 0; k < text.length; k += 1 << 20) chunks.push(text.slice(k, k + (1 << 20)));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const raw = await readCsv(chunks, {
    schema: censusIncomeSchema(),
    header: false,
    columns: CENSUS_INCOME_COLUMNS.map(([n]) => n),
  });
  const t1 = performance.now();
  const src = fitEncoder(raw).encode(raw);
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  expect(src.size).toBe(rows);
  console.table([
    {
      step: 'readCsv (parse + type)',
      ms: (t1 - t0).toFixed(0),
      'rows/s': Math.round(rows / ((t1 - t0) / 1000)),
    },
    {
      step: 'fitEncoder + encode',
      ms: (t2 - t1).toFixed(0),
      'rows/s': Math.round(rows / ((t2 - t1) / 1000)),
    },
    { step: 'total CPU time (ms)', ms: cpuMs.toFixed(0), 'rows/s': Math.round(rows / (cpuMs / 1000)) },
    { step: 'estimate for 199 523 rows, CPU ms', ms: ((cpuMs / rows) * 199_523).toFixed(0), 'rows/s': '' },
  ]);
});
