/**
 * Runs one bench file of this package in a fresh Node process (its own tfjs engine and backend), so that engines
 * and kernel variants can be measured side by side in one run without sharing a process.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `vitest run --config vitest.bench.config.ts <file>` in the package, with `env` added; stdout + stderr as text. */
export function runBenchChild(
  file: string,
  env: Readonly<Record<string, string>>,
  timeout: number,
): SpawnSyncReturns<string> & { readonly output: string } {
  const r = spawnSync(
    process.execPath,
    [join(pkg, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'vitest.bench.config.ts', file],
    { cwd: pkg, encoding: 'utf8', env: { ...process.env, ...env }, timeout },
  );
  return Object.assign(r, { output: `${r.stdout}${r.stderr}` });
}
