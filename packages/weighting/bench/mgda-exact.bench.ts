/**
 * MGDA exactness on 10,000 seeded random Gramians (issue 12's must-show; the unit test runs 300 of them):
 * `MGDA_CASES=10000 npx vitest run --config vitest.bench.config.ts bench/mgda-exact.bench.ts`.
 */
import { expect, it } from 'vitest';
import { checkMgdaExactness } from '../test/support/mgda-exactness.ts';

it('MGDA: exact min-norm point on 10,000 random Gramians', () => {
  const cases = Number(process.env.MGDA_CASES ?? 10_000);
  const start = performance.now();
  const r = checkMgdaExactness(cases);
  console.log(
    `MGDA on ${r.cases} Gramians: ${r.exceptions} exceptions, ${r.zeroOptimum} with optimum 0 (0 in the hull), max objective error ${r.maxObjectiveError.toExponential(2)}, ` +
      `max KKT residual (normalised) ${r.maxKkt.toExponential(2)}, worst cases ${r.worstObjectiveCase} / ${r.worstKktCase}, ` +
      `${((performance.now() - start) / 1000).toFixed(1)} s`,
  );
  expect(r.exceptions).toBe(0);
  expect(r.maxObjectiveError).toBeLessThanOrEqual(1e-9);
  expect(r.maxKkt).toBeLessThanOrEqual(1e-8);
});
