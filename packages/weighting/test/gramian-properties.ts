import type { DeclaredProperty } from '../src/testing/index.ts';

/**
 * The properties each Gramian / Jacobian strategy declares (default options), from its paper. The README table
 * must list the same (checked by readme-table.test.ts).
 * - MGDA: the min-norm point d satisfies d·gᵢ ≥ ‖d‖² (non-conflicting); weights depend on ratios only.
 * - PCGrad: projections use ratios of dot products (scale-invariant); random order (randomized); not
 *   non-conflicting for T ≥ 3.
 * - CAGrad: d = g₀ + c‖g₀‖ g_w/‖g_w‖, every term linear in the scale (homogeneous); not non-conflicting.
 * - IMTL-G: α solves a system homogeneous of degree 0 in the scale.
 * - Aligned-MTL: w = √λ_min V Λ^{-1/2} Vᵀ1 depends on eigenvalue ratios only.
 * - UPGrad / DualProj: projections onto the dual cone (non-conflicting), cone and projection commute with scaling.
 * - Nash-MTL / FairGrad (α = 1): (Gα)ᵢ = 1/αᵢ, so α(s²G) = α(G)/s and the direction does not change; Gα > 0.
 * - GradDrop: the sign purity is scale-free, masks drawn from the rng (randomized); output linear in the scale.
 * - GradVac: cosines and norm ratios only (scale-invariant); random order (randomized).
 */
export const gramianJacobianProperties: Readonly<Record<string, readonly DeclaredProperty[]>> = {
  mgda: ['scale-invariant', 'homogeneous', 'non-conflicting'],
  pcgrad: ['scale-invariant', 'homogeneous', 'randomized'],
  cagrad: ['scale-invariant', 'homogeneous'],
  'imtl-g': ['scale-invariant', 'homogeneous'],
  'aligned-mtl': ['scale-invariant', 'homogeneous'],
  upgrad: ['scale-invariant', 'homogeneous', 'non-conflicting'],
  dualproj: ['scale-invariant', 'homogeneous', 'non-conflicting'],
  'nash-mtl': ['direction-invariant', 'non-conflicting'],
  fairgrad: ['direction-invariant', 'non-conflicting'],
  graddrop: ['homogeneous', 'randomized'],
  gradvac: ['scale-invariant', 'homogeneous', 'randomized'],
};
