import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testBackendName } from '@multitask/test-utils';
import { afterAll, expect, test } from 'vitest';
import { main, type ExperimentResult } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'multitask-strategies-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('--strategy uncertainty --json reports the learned σ per task; a Gramian strategy reports its mode and weights', async () => {
  const c = JSON.parse(
    readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'configs', 'penguins.json'), 'utf8'),
  ) as Record<string, unknown>;
  c.backend = testBackendName();
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(c));
  const runJson = async (strategy: string): Promise<ExperimentResult> => {
    let out = '';
    const code = await main(['train', '--config', file, '--strategy', strategy, '--epochs', '3', '--json'], {
      stdout: (t) => (out += t),
      stderr: (t) => (out += t),
    });
    expect(code, out).toBe(0);
    return JSON.parse(out) as ExperimentResult;
  };
  const u = await runJson('uncertainty');
  const sigmas = (u.strategyInfo as { sigmas: Record<string, number> }).sigmas;
  expect(Object.keys(sigmas).sort()).toEqual(['body_mass', 'sex', 'species']);
  for (const s of Object.values(sigmas)) expect(s).toBeGreaterThan(0);
  // σ started at 1 (s = 0) and moved: the strategy's variables were trained from the first step.
  expect(Object.values(sigmas).some((s) => Math.abs(s - 1) > 1e-3)).toBe(true);
  const m = await runJson('mgda');
  expect(m.gradientMode).toBe('representation');
  const w = Object.values(m.weights!);
  expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5); // MGDA's min-norm weights lie on the simplex
});
