import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const vitestCli = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

function curveFromProcess(seed: number): { backend: string; curve: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'multitask-det-'));
  const out = join(dir, 'curve.json');
  const r = spawnSync(process.execPath, [vitestCli, 'run', 'test/determinism-child.test.ts'], {
    cwd: packageDir,
    env: {
      ...process.env,
      MULTITASK_DET_OUT: out,
      MULTITASK_DET_SEED: String(seed),
      MULTITASK_TEST_BACKEND: 'cpu',
    },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`child failed: ${r.stdout}\n${r.stderr}`);
  const result = JSON.parse(readFileSync(out, 'utf8')) as { backend: string; curve: number[] };
  rmSync(dir, { recursive: true, force: true });
  return result;
}

test('same seed ⇒ identical loss curve in two separate processes (cpu, dropout + shuffling on); another seed changes it', () => {
  const a = curveFromProcess(7);
  const b = curveFromProcess(7);
  const c = curveFromProcess(8);
  expect(a.backend).toBe('cpu');
  expect(a.curve).toEqual(b.curve);
  expect(c.curve).not.toEqual(a.curve);
}, 120_000);
