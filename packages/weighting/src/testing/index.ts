/**
 * Conformance kit for weighting strategies (`@multitask/weighting/testing`).
 *
 * How to call it — one call per strategy, in any test runner:
 * ```ts
 * import { assertConformance } from '@multitask/weighting/testing'; // in this repo's tests: '../src/testing/index.ts'
 * test('my strategy conforms', () => {
 *   assertConformance({ create: () => myWeighting(), properties: ['homogeneous', 'non-conflicting'] });
 * });
 * ```
 * `create` must return a fresh instance each call (the suite disposes every instance it makes). `properties`
 * lists what the strategy claims (see {@link DeclaredProperty}); declare only what its paper guarantees for the
 * default options. `assertConformance` throws an `Error` listing the failed checks; `checkConformance` returns
 * the report instead. Tune with `taskCounts`, `scales`, `tolerance`, or `skip` (say why).
 *
 * Also exported: seeded random Jacobians of a chosen rank and scale ({@link randomJacobian}), random losses, and
 * the Gramian of plain rows.
 * @module @multitask/weighting/testing
 * @packageDocumentation
 */

export { assertConformance, checkConformance, declaredPropertyNames } from './conformance.ts';
export type {
  ConformanceCheck,
  ConformanceCheckResult,
  ConformanceOptions,
  ConformanceReport,
  DeclaredProperty,
} from './conformance.ts';
export { randomJacobian, randomLosses } from './random-problems.ts';
export type { RandomJacobianOptions } from './random-problems.ts';
export { gramianFromRows } from './gramian-from-rows.ts';
