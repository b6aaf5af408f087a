import { describe, expect, it } from 'vitest';
import { builtinWeightings } from '../src/index.ts';
import { checkConformance } from '../src/testing/index.ts';
import { gramianJacobianProperties } from './gramian-properties.ts';

describe('every Gramian / Jacobian built-in passes the conformance suite', () => {
  for (const [name, properties] of Object.entries(gramianJacobianProperties)) {
    it(name, () => {
      const factory = builtinWeightings[name] as () => ReturnType<(typeof builtinWeightings)['mgda']>;
      // GradDrop's averaged permutation check runs tensors per sample; 32 seeds keep it fast (the check's bound
      // is in standard errors, so fewer samples make it looser, not flaky)
      const samples = name === 'graddrop' ? { randomizedSamples: 32 } : {};
      const report = checkConformance({ create: () => factory(), properties, ...samples });
      expect(report.failures).toEqual([]);
      expect(report.checks.filter((c) => c.status === 'passed').length).toBeGreaterThanOrEqual(7);
    });
  }
});
