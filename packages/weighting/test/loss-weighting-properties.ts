import type { DeclaredProperty } from '../src/testing/index.ts';

/**
 * The properties each loss-weighting strategy (and GradNorm) declares with default options, from its
 * definition. Used by loss-weighting-conformance.test.ts; the README table must list the same
 * (loss-weighting-readme.test.ts).
 * - static: Σ wₜ·(s·Lₜ) = s·Σ wₜLₜ with fixed weights.
 * - uncertainty: Σ exp(−sₜ)Lₜ + sₜ — the additive sₜ breaks homogeneity; weights move only via the optimizer.
 * - dwa: weights depend on ratios Lₖ(t−1)/Lₖ(t−2), unchanged when every loss is scaled; total linear in L.
 * - rlw: weights softmax(ε) from the rng, independent of the losses.
 * - gls: (Π s·Lₜ)^{1/T} = s·(Π Lₜ)^{1/T}; effective weights G/(T·Lₜ) are loss ratios.
 * - famo: not declared with the default Adam logit update (see the conformance test); its total Σzᵢlog ℓᵢ/c is
 *   not homogeneous.
 * - gradnorm: the plain step lr·Gᵢ depends on the gradient scale.
 */
export const lossWeightingProperties: Readonly<Record<string, readonly DeclaredProperty[]>> = {
  static: ['scale-invariant', 'homogeneous'],
  uncertainty: [],
  dwa: ['scale-invariant', 'homogeneous'],
  rlw: ['scale-invariant', 'homogeneous', 'randomized'],
  gls: ['scale-invariant', 'homogeneous'],
  famo: [],
  gradnorm: [],
};
