/** Helpers shared by the test suites of the multitask packages (private). */

/**
 * The backend the test run uses: `MULTITASK_TEST_BACKEND` (`cpu`, `wasm` or `tensorflow` — tfjs-node, built by
 * `pnpm native`), `cpu` when unset.
 */
export function testBackendName(): 'cpu' | 'wasm' | 'tensorflow' {
  const v = process.env.MULTITASK_TEST_BACKEND ?? 'cpu';
  if (v !== 'cpu' && v !== 'wasm' && v !== 'tensorflow')
    throw new Error(`MULTITASK_TEST_BACKEND must be cpu, wasm or tensorflow, got "${v}"`);
  return v;
}

/** Asserts |a - b| <= tol * max(1, |b|) element-wise and returns the largest relative error. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`length mismatch: ${actual.length} vs ${expected.length}`);
  }
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i]!;
    const err = Math.abs(actual[i]! - e) / Math.max(1, Math.abs(e));
    if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : Math.max(worst, err);
  }
  return worst;
}
