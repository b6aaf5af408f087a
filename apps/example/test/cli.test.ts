import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testBackendName } from '@multitask/test-utils';
import { afterAll, describe, expect, test } from 'vitest';
import { main, type ExperimentResult } from '../src/index.ts';

const configs = join(dirname(fileURLToPath(import.meta.url)), '..', 'configs');
const dir = mkdtempSync(join(tmpdir(), 'multitask-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The penguins config with edits, pinned to the test backend, written to a temp file. */
function config(edit: (c: Record<string, unknown>) => void = () => undefined): string {
  const c = JSON.parse(readFileSync(join(configs, 'penguins.json'), 'utf8')) as Record<string, unknown>;
  c.backend = testBackendName();
  edit(c);
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(c));
  return file;
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

describe('multitask train', () => {
  test('--json prints one result object with per-task test metrics; the model learns penguins', async () => {
    const outDir = join(dir, 'run');
    const { code, out, err } = await run([
      'train',
      '--config',
      config(),
      '--epochs',
      '20',
      '--seed',
      '3',
      '--json',
      '--out',
      outDir,
    ]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!) as ExperimentResult;
    expect(result.strategy).toBe('static');
    expect(result.epochs).toBe(20);
    expect(result.backend.name).toBe(testBackendName());
    expect(Object.keys(result.test).sort()).toEqual(['body_mass', 'sex', 'species']);
    // 20 epochs of a 32-32 MLP: species is nearly separable from bill/flipper sizes; sex less so.
    expect(result.test.species!.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(result.test.sex!.accuracy).toBeGreaterThanOrEqual(0.75);
    expect(result.test.body_mass!.mse).toBeLessThan(0.35); // standardised units: predicting the mean gives ≈ 1
    expect(JSON.parse(readFileSync(join(outDir, 'result.json'), 'utf8'))).toEqual(result);
  });

  test('with progress on, --json keeps stdout one JSON object and stderr gets one progress line per epoch', async () => {
    let out = '';
    let err = '';
    const code = await main(['train', '--config', config(), '--epochs', '3', '--seed', '3', '--json'], {
      stdout: (t) => (out += t),
      stderr: (t) => (err += t),
      progress: true,
      stderrIsTTY: false,
    });
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
    expect((JSON.parse(out) as ExperimentResult).epochs).toBe(3);
    const lines = err.trim().split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((line, i) => {
      expect(line).toMatch(
        new RegExp(`^\\[static\\] epoch ${i + 1}/3 · step \\d+.* species [\\d.]+ .*elapsed · ETA `),
      );
    });
    expect(err).not.toContain('\r');
  });

  test('configs/penguins-mmoe.json: an MMoE trunk with MGDA in representation mode learns penguins', async () => {
    const c = JSON.parse(readFileSync(join(configs, 'penguins-mmoe.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    c.backend = testBackendName();
    const file = join(dir, 'penguins-mmoe.json');
    writeFileSync(file, JSON.stringify(c));
    const { code, out, err } = await run(['train', '--config', file, '--epochs', '20', '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out.trim()) as ExperimentResult;
    expect(result.strategy).toBe('mgda');
    expect(result.test.species!.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(result.test.sex!.accuracy).toBeGreaterThanOrEqual(0.75);
    expect(result.test.body_mass!.mse).toBeLessThan(0.35);
  });

  test('text output names the backend and prints a metrics table', async () => {
    const { code, out } = await run(['train', '--config', config(), '--epochs', '2']);
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`backend: ${testBackendName()} `));
    expect(out).toMatch(/^species\s+\d/m);
    expect(out).toMatch(/^body_mass\s+\d/m);
  });
});

describe('bad configs stop before training with an error naming the thing and the fix', () => {
  test('unknown strategy lists the known ones', async () => {
    const r = await run(['train', '--config', config(), '--strategy', 'magic']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Unknown weighting strategy "magic"\. Known: .*static/);
  });
  test('head size ≠ number of classes (labels out of range)', async () => {
    const r = await run([
      'train',
      '--config',
      config((c) => ((c.tasks as { options: { numClasses?: number } }[])[0]!.options.numClasses = 2)),
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Task "species".*label 2 is not a class index in \[0, 2\).*numClasses/);
  });
  test('a task with no data, unknown data set, unknown task type, invalid fields, bad JSON, usage', async () => {
    const noData = await run([
      'train',
      '--config',
      config((c) => (c.tasks as object[]).push({ name: 'colour', type: 'regression' })),
    ]);
    expect(noData.err).toMatch(/"colour" has no labelled row/);
    expect((await run(['train', '--config', config((c) => (c.dataset = { name: 'iris' }))])).err).toMatch(
      /Unknown data set "iris"\. Known: .*penguins/,
    );
    expect(
      (
        await run([
          'train',
          '--config',
          config((c) => ((c.tasks as { type: string }[])[1]!.type = 'ranking')),
        ])
      ).err,
    ).toMatch(/Unknown task type "ranking"/);
    expect(
      (await run(['train', '--config', config((c) => ((c.training as { epochs: number }).epochs = -1))])).err,
    ).toMatch(/training\.epochs must be an integer ≥ 1/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "name": ');
    expect((await run(['train', '--config', bad])).err).toMatch(/bad\.json is not valid JSON/);
    const usage = await run(['train']);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/--config FILE is required/);
    expect((await run(['train', '--config', config(), '--epochs', 'x'])).err).toMatch(
      /--epochs must be an integer/,
    );
  });
});
