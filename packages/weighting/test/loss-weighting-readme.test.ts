/**
 * The README strategies table rows of the loss-weighting strategies and GradNorm must match the strategy
 * objects (family, modes) and the properties passed to the conformance suite.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WeightingStrategy } from '@multitask/core';
import { describe, expect, it } from 'vitest';
import { builtinWeightings } from '../src/index.ts';
import { declaredPropertyNames } from '../src/testing/index.ts';
import { lossWeightingProperties } from './loss-weighting-properties.ts';

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'), 'utf8');
const table =
  /<!-- strategies-table:start -->([\s\S]*?)<!-- strategies-table:end -->/.exec(readme)?.[1] ?? '';
const rows = new Map(
  table
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => {
      const cells = l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      return [cells[0]!.replace(/`/g, ''), cells] as const;
    }),
);
const list = (cell: string): string[] =>
  cell === '' || cell === '—' ? [] : cell.split(',').map((s) => s.trim());

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
