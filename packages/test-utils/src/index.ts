/** Helpers shared by the test suites of the multitask packages (private). */
import * as tf from '@tensorflow/tfjs-core';
import { expect, vi } from 'vitest';

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

/** A `MultitaskError` as the tests see it (test-utils does not depend on core: core's tests use it). */
export interface CaughtMultitaskError extends Error {
  /** The error's code (`INVALID_OPTION`, `NON_FINITE_LOSS`…). */
  readonly code: string;
  /** Its structured details. */
  readonly details: Readonly<Record<string, unknown>>;
}

/** The brand core's `MultitaskError` carries (the same check as core's `isMultitaskError`). */
const BRAND = Symbol.for('@multitask/error');

function isBranded(e: unknown): e is CaughtMultitaskError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

/**
 * Asserts that `fn` (sync or async) throws a `MultitaskError` with `code`, a message matching `message` and
 * details containing `details`; returns the error for further checks. A failure says what was thrown instead.
 *
 * @example
 * ```ts
 * await expectMultitaskError(() => trainer.trainStep(batch), 'NON_FINITE_LOSS', /task "reg"/, { step: 0 });
 * ```
 */
export async function expectMultitaskError(
  fn: () => unknown,
  code: string,
  message?: RegExp,
  details?: Readonly<Record<string, unknown>>,
): Promise<CaughtMultitaskError> {
  let thrown: unknown;
  let threw = false;
  try {
    await fn();
  } catch (e) {
    threw = true;
    thrown = e;
  }
  if (!threw) return expect.fail(`expected a MultitaskError with code ${code}, but nothing was thrown`);
  if (!isBranded(thrown)) {
    return expect.fail(`expected a MultitaskError with code ${code}, but got: ${String(thrown)}`);
  }
  expect(thrown.code, `code of: ${thrown.message}`).toBe(code);
  if (message) expect(thrown.message).toMatch(message);
  if (details) expect(thrown.details).toMatchObject(details);
  return thrown;
}

/**
 * How many times `fn` downloads from the backend: calls to the engine's `readSync` and `read`, which every
 * download (`dataSync`, `data`, `array`…) goes through. (Counted at the engine, not the backend: the wasm
 * backend's own kernels call its `readSync` for views of the wasm heap, which are not downloads.)
 */
export function countReads(fn: () => void): number {
  const engine = tf.engine();
  const sync = vi.spyOn(engine, 'readSync');
  const read = vi.spyOn(engine, 'read');
  try {
    fn();
    return sync.mock.calls.length + read.mock.calls.length;
  } finally {
    sync.mockRestore();
    read.mockRestore();
  }
}
