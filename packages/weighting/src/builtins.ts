import type { WeightingStrategy } from '@multitask/core';
import { staticWeighting } from './static-weighting.ts';
import { uncertaintyWeighting } from './uncertainty-weighting.ts';
import { dynamicWeightAverage } from './dynamic-weight-average.ts';
import { randomLossWeighting } from './random-loss-weighting.ts';
import { geometricLossWeighting } from './geometric-loss-weighting.ts';
import { famoWeighting } from './famo-weighting.ts';
import { gradNormWeighting } from './grad-norm-weighting.ts';

// gramian / jacobian imports
import { mgdaWeighting } from './mgda-weighting.ts';
import { pcgradWeighting } from './pcgrad-weighting.ts';
import { cagradWeighting } from './cagrad-weighting.ts';
import { imtlGWeighting } from './imtl-g-weighting.ts';
import { alignedMtlWeighting } from './aligned-mtl-weighting.ts';
import { upgradWeighting } from './upgrad-weighting.ts';
import { dualprojWeighting } from './dualproj-weighting.ts';
import { nashMtlWeighting } from './nash-mtl-weighting.ts';
import { fairgradWeighting } from './fairgrad-weighting.ts';
import { graddropAggregator } from './graddrop-aggregator.ts';
import { gradvacAggregator } from './gradvac-aggregator.ts';
// end gramian / jacobian imports

/** A factory of a built-in strategy, taking its options object (all options optional). */
export type BuiltinWeightingFactory = (options?: never) => WeightingStrategy;

/**
 * Every built-in strategy factory keyed by its kebab-case name. Importing factories by name tree-shakes better;
 * this map is for configs that name strategies as strings.
 */
export const builtinWeightings: Readonly<Record<string, BuiltinWeightingFactory>> = {
  // --- loss weighting ---
  static: staticWeighting,
  uncertainty: uncertaintyWeighting,
  dwa: dynamicWeightAverage,
  rlw: randomLossWeighting,
  gls: geometricLossWeighting,
  famo: famoWeighting,
  gradnorm: gradNormWeighting,
  // --- gramian / jacobian ---
  mgda: mgdaWeighting,
  pcgrad: pcgradWeighting,
  cagrad: cagradWeighting,
  'imtl-g': imtlGWeighting,
  'aligned-mtl': alignedMtlWeighting,
  upgrad: upgradWeighting,
  dualproj: dualprojWeighting,
  'nash-mtl': nashMtlWeighting,
  fairgrad: fairgradWeighting,
  graddrop: graddropAggregator,
  gradvac: gradvacAggregator,
};
