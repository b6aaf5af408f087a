/**
 * Every iterative solver, forced not to converge (iteration limit 1), raises SOLVER_NOT_CONVERGED naming the
 * strategy and the residual; with `onNonConvergence: 'skip-step'` the step gets zero weights and is counted.
 */
import { describe, expect, it } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import { Rng, type GradientContext } from '@multitask/core';
import {
  alignedMtlWeighting,
  cagradWeighting,
  dualprojWeighting,
  fairgradWeighting,
  mgdaWeighting,
  nashMtlWeighting,
  upgradWeighting,
} from '../src/index.ts';
import { gramianFromRows, randomJacobian } from '../src/testing/index.ts';

// three conflicting tasks: g₁ conflicts with g₂ and g₃, so every QP needs at least two active-set changes
const G3: number[][] = [
  [1, -0.5, -0.5],
  [-0.5, 1, -0.2],
  [-0.5, -0.2, 1],
];
const G4 = gramianFromRows(randomJacobian(new Rng(3), { tasks: 4, dim: 6 }));
const ctx = (t: number): GradientContext => ({
  step: 0,
  epoch: 0,
  tasks: Array.from({ length: t }, (_, i) => `t${i}`),
  rng: new Rng(1),
  losses: new Array<number>(t).fill(1),
  mode: 'parameters',
});

const cases = [
  { name: 'mgda', solver: 'min-norm active-set', make: mgdaWeighting, g: G4 },
  { name: 'cagrad', solver: 'Newton–bisection', make: cagradWeighting, g: G4 },
  { name: 'upgrad', solver: 'active-set QP', make: upgradWeighting, g: G3 },
  // g₁ = (2, 0), g₂ = (−0.95, 0.312), g₃ = (−0.95, −0.312): the mean conflicts with g₂ and g₃
  {
    name: 'dualproj',
    solver: 'active-set QP',
    make: dualprojWeighting,
    g: gramianFromRows([
      [2, 0],
      [-0.95, 0.312],
      [-0.95, -0.312],
    ]),
  },
  { name: 'nash-mtl', solver: 'Newton', make: nashMtlWeighting, g: G4 },
  { name: 'fairgrad', solver: 'Newton', make: fairgradWeighting, g: G4 },
  { name: 'aligned-mtl', solver: 'Jacobi', make: alignedMtlWeighting, g: G4 },
] as const;

describe('solvers fail loudly', () => {
  for (const c of cases) {
    it(`${c.name}: iteration limit 1 → SOLVER_NOT_CONVERGED`, async () => {
      // converges with the default limit
      const ok = c.make().weights(c.g, ctx(c.g.length));
      expect(ok.every(Number.isFinite)).toBe(true);
      const strategy = c.make({ maxIterations: 1 });
      const error = await expectMultitaskError(
        () => strategy.weights(c.g, ctx(c.g.length)),
        'SOLVER_NOT_CONVERGED',
      );
      expect(error.message).toContain(`${c.name}:`);
      expect(error.message).toContain(c.solver);
      expect(error.message).toMatch(/residual [0-9.e+-]+|residual Infinity/);
      expect(error.details.strategy).toBe(c.name);
      expect(typeof error.details.residual).toBe('number');
    });

    it(`${c.name}: 'skip-step' returns zero weights and counts the step`, () => {
      const strategy = c.make({ maxIterations: 1, onNonConvergence: 'skip-step' });
      expect(strategy.weights(c.g, ctx(c.g.length))).toEqual(new Array<number>(c.g.length).fill(0));
      strategy.weights(c.g, ctx(c.g.length));
      expect(strategy.skippedSteps).toBe(2);
      expect(strategy.state()).toEqual({ skippedSteps: 2 });
      const other = c.make({ maxIterations: 1, onNonConvergence: 'skip-step' });
      other.load(strategy.state());
      expect(other.skippedSteps).toBe(2);
    });
  }
});
