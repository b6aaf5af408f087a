/**
 * The README strategies table rows of the loss-weighting strategies and GradNorm must match the strategy
 * objects (family, modes) and the properties passed to the conformance suite.
 */
import type { WeightingStrategy } from '@multitask/core';
import { describe, expect, it } from 'vitest';
import { builtinWeightings } from '../src/index.ts';
import { list, readmeRows } from './readme-rows.ts';
import { declaredPropertyNames } from '../src/testing/index.ts';
import { lossWeightingProperties } from './loss-weighting-properties.ts';

const rows = readmeRows;

describe('README rows of the loss-weighting strategies and GradNorm', () => {
  for (const [name, properties] of Object.entries(lossWeightingProperties)) {
    it(name, () => {
      const cells = rows.get(name);
      expect(cells, `row for ${name}`).toBeDefined();
      const [, paper, family, modes, cost, props] = cells!;
      const strategy = (builtinWeightings[name] as () => WeightingStrategy)();
      try {
        expect(paper).not.toBe('');
        expect(cost).not.toBe('');
        expect(family).toBe(strategy.family);
        expect(list(modes!)).toEqual(strategy.family === 'loss' ? [] : [...strategy.modes]);
        expect(list(props!)).toEqual(declaredPropertyNames.filter((p) => properties.includes(p)));
      } finally {
        strategy.dispose();
      }
    });
  }
});
