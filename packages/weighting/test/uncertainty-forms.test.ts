/**
 * Uncertainty weighting's `form` option (issue 12): the paper's per-task forms and LibMTL's, with their
 * optima σ² = L (regression) and σ² = 2L (classification), derived by hand in the comments.
 */
import { expectMultitaskError } from '@multitask/test-utils';
import { describe, expect, it } from 'vitest';
import { uncertaintyWeighting } from '../src/index.ts';
import { evaluateUncertainty as evaluate } from './support/uncertainty-evaluate.ts';

describe('uncertaintyWeighting forms', () => {
  it("'regression': ½e^{−s}L + ½s, stationary at σ² = e^s = L", () => {
    // L = 3 at s = ln 3: total = ½·(1/3)·3 + ½ ln 3 = ½ + ½ ln 3; ∂/∂L = ½e^{−s} = 1/6; ∂/∂s = −½e^{−s}L + ½ = 0
    const s = uncertaintyWeighting({ tasks: ['a'], form: 'regression' });
    try {
      s.load({ logVariances: { a: Math.log(3) } });
      const r = evaluate(s, [3], ['a']);
      expect(r.total).toBeCloseTo(0.5 + 0.5 * Math.log(3), 5);
      expect(r.dLoss[0]).toBeCloseTo(1 / 6, 6);
      expect(r.dS[0]).toBeCloseTo(0, 6);
      expect(s.currentWeights(['a'])[0]).toBeCloseTo(1 / 6, 6);
      expect(s.getConfig()).toEqual({ initialLogVariance: 0, tasks: ['a'], form: 'regression' });
    } finally {
      s.dispose();
    }
  });

  it("'classification': e^{−s}L + ½s, stationary at σ² = 2L", () => {
    // L = 3 at s = ln 6: ∂/∂s = −e^{−s}L + ½ = −3/6 + ½ = 0; total = 3/6 + ½ ln 6; ∂/∂L = 1/6
    const s = uncertaintyWeighting({ tasks: ['c'], form: 'classification' });
    try {
      s.load({ logVariances: { c: Math.log(6) } });
      const r = evaluate(s, [3], ['c']);
      expect(r.total).toBeCloseTo(0.5 + 0.5 * Math.log(6), 5);
      expect(r.dLoss[0]).toBeCloseTo(1 / 6, 6);
      expect(r.dS[0]).toBeCloseTo(0, 6);
    } finally {
      s.dispose();
    }
  });

  it("per-task forms (Kendall et al.'s depth + segmentation) and the default form for unlisted tasks", () => {
    // s = 0 everywhere: depth ½L, seg L, other L + 0 → total = ½·2 + 4 + 1 = 6; ∂/∂s = (½ − ½·2, ½ − 4, 1 − 1)
    const s = uncertaintyWeighting({
      tasks: ['depth', 'seg', 'other'],
      form: { depth: 'regression', seg: 'classification' },
    });
    try {
      const r = evaluate(s, [2, 4, 1], ['depth', 'seg', 'other']);
      expect(r.total).toBeCloseTo(6, 5);
      expect(r.dS[0]).toBeCloseTo(-0.5, 6);
      expect(r.dS[1]).toBeCloseTo(-3.5, 6);
      expect(r.dS[2]).toBeCloseTo(0, 6);
      expect(s.currentWeights(['depth', 'seg', 'other'])).toEqual([0.5, 1, 1]);
    } finally {
      s.dispose();
    }
  });

  it("'libmtl': LibMTL's UW, ½e^{−s}L + ½s for every task from s = −0.5", () => {
    // s = −0.5: total = Σ ½e^{0.5}Lᵢ − 0.25 per task = ½e^{0.5}(1 + 2) − 0.5
    const s = uncertaintyWeighting({ tasks: ['a', 'b'], form: 'libmtl' });
    try {
      const r = evaluate(s, [1, 2], ['a', 'b']);
      expect(r.total).toBeCloseTo(0.5 * Math.exp(0.5) * 3 - 0.5, 5);
      expect(s.getConfig().initialLogVariance).toBe(-0.5);
      expect(
        uncertaintyWeighting({ form: 'libmtl', initialLogVariance: 0 }).getConfig().initialLogVariance,
      ).toBe(0);
    } finally {
      s.dispose();
    }
  });

  it('the default is unchanged (Σ e^{−s}L + s) and an unknown form is an INVALID_OPTION naming it', async () => {
    const s = uncertaintyWeighting({ tasks: ['a'] });
    try {
      expect(evaluate(s, [2], ['a']).total).toBeCloseTo(2, 6);
      expect(s.getConfig()).toEqual({ initialLogVariance: 0, tasks: ['a'] });
    } finally {
      s.dispose();
    }
    await expectMultitaskError(
      () => uncertaintyWeighting({ form: 'gaussian' as never }),
      'INVALID_OPTION',
      undefined,
      {
        option: 'form',
      },
    );
  });
});
