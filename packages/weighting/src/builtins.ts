import type { WeightingStrategy } from '@multitask/core';
import { dynamicWeightAverage } from './loss/dynamic-weight-average.ts';
import { famoWeighting } from './loss/famo-weighting.ts';
import { geometricLossWeighting } from './loss/geometric-loss-weighting.ts';
import { randomLossWeighting } from './loss/random-loss-weighting.ts';
import { staticWeighting } from './loss/static-weighting.ts';
import { uncertaintyWeighting } from './loss/uncertainty-weighting.ts';
import { alignedMtlWeighting } from './gramian/aligned-mtl-weighting.ts';
import { cagradWeighting } from './gramian/cagrad-weighting.ts';
import { dualprojWeighting } from './gramian/dualproj-weighting.ts';
import { fairgradWeighting } from './gramian/fairgrad-weighting.ts';
import { gradNormWeighting } from './gramian/grad-norm-weighting.ts';
import { gradvacAggregator } from './gramian/gradvac-aggregator.ts';
import { imtlGWeighting } from './gramian/imtl-g-weighting.ts';
import { mgdaWeighting } from './gramian/mgda-weighting.ts';
import { nashMtlWeighting } from './gramian/nash-mtl-weighting.ts';
import { pcgradWeighting } from './gramian/pcgrad-weighting.ts';
import { upgradWeighting } from './gramian/upgrad-weighting.ts';
import { graddropAggregator } from './jacobian/graddrop-aggregator.ts';

/** A factory of a built-in strategy, taking its options object (all options optional). */
export type BuiltinWeightingFactory = (options?: never) => WeightingStrategy;

/**
 * Every built-in strategy factory keyed by its kebab-case name. Importing factories by name tree-shakes better;
 * this map is for configs that name strategies as strings.
 */
export const builtinWeightings: Readonly<Record<string, BuiltinWeightingFactory>> = {
  // --- loss family ---
  static: staticWeighting,
  uncertainty: uncertaintyWeighting,
  dwa: dynamicWeightAverage,
  rlw: randomLossWeighting,
  gls: geometricLossWeighting,
  famo: famoWeighting,
  // --- Gramian family ---
  gradnorm: gradNormWeighting,
  mgda: mgdaWeighting,
  pcgrad: pcgradWeighting,
  cagrad: cagradWeighting,
  'imtl-g': imtlGWeighting,
  'aligned-mtl': alignedMtlWeighting,
  upgrad: upgradWeighting,
  dualproj: dualprojWeighting,
  'nash-mtl': nashMtlWeighting,
  fairgrad: fairgradWeighting,
  gradvac: gradvacAggregator,
  // --- Jacobian family ---
  graddrop: graddropAggregator,
};
