/**
 * The README strategies table is the documentation of what each Gramian / Jacobian strategy declares: its family,
 * modes and properties must equal the strategy object's and the properties passed to the conformance suite.
 */
import { describe, expect, it } from 'vitest';
import type { WeightingStrategy } from '@multitask/core';
import { builtinWeightings } from '../src/index.ts';
import { list, readmeRows } from './readme-rows.ts';
import { declaredPropertyNames } from '../src/testing/index.ts';
import { gramianJacobianProperties } from './gramian-properties.ts';

const rows = readmeRows;

describe('README strategies table', () => {
  for (const [name, properties] of Object.entries(gramianJacobianProperties)) {
    it(name, () => {
      const cells = rows.get(name);
      expect(cells, `row for ${name}`).toBeDefined();
      const [, paper, family, modes, cost, props] = cells!;
      const strategy = (builtinWeightings[name] as () => WeightingStrategy)();
      expect(paper).not.toBe('');
      expect(cost).not.toBe('');
      expect(family).toBe(strategy.family);
      expect(list(modes!)).toEqual(strategy.family === 'loss' ? [] : [...strategy.modes]);
      expect(list(props!)).toEqual([...properties]);
      // listed in the canonical order
      expect(list(props!)).toEqual(declaredPropertyNames.filter((p) => properties.includes(p)));
      strategy.dispose();
    });
  }
});
