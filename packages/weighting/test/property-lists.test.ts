/**
 * Every built-in has exactly one row in the property lists (test/gramian-properties.ts for the Gramian and
 * Jacobian families, test/loss-weighting-properties.ts for the loss family and GradNorm), so a new strategy is
 * conformance-checked and compared with the README table as soon as it is registered.
 */
import { describe, expect, it } from 'vitest';
import { builtinWeightings } from '../src/index.ts';
import { gramianJacobianProperties } from './gramian-properties.ts';
import { lossWeightingProperties } from './loss-weighting-properties.ts';

describe('property lists', () => {
  it('list every registered built-in exactly once', () => {
    const rows = [...Object.keys(gramianJacobianProperties), ...Object.keys(lossWeightingProperties)].sort();
    expect(rows).toEqual(Object.keys(builtinWeightings).sort());
  });
});
