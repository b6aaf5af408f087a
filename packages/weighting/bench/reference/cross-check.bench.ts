/**
 * Cross-check against TorchJD (optional): compares our aggregated directions with the ones written by
 * `torchjd_reference.py` and prints the README table. Skipped with a message when `REFERENCE_JSON` is not set.
 *
 *     /work/venv-ref/bin/python bench/reference/torchjd_reference.py --out /tmp/torchjd-reference.json
 *     REFERENCE_JSON=/tmp/torchjd-reference.json npx vitest run --config vitest.bench.config.ts bench/reference
 */
import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { Rng, type GradientContext } from '@multitask/core';
import {
  alignedMtlWeightsFromGramian,
  cagradWeightsFromGramian,
  dualprojWeightsFromGramian,
  fairgradWeightsFromGramian,
  gradvacWeightsFromGramian,
  imtlGWeightsFromGramian,
  mgdaWeightsFromGramian,
  nashMtlWeighting,
  pcgradWeightsFromGramian,
  upgradWeightsFromGramian,
} from '../../src/index.ts';
import { gramianFromRows } from '../../src/testing/index.ts';

interface Reference {
  readonly torchjd: string;
  readonly problems: readonly { readonly kind: string; readonly J: number[][] }[];
  readonly results: Readonly<Record<string, readonly (number[] | null)[]>>;
}

const ctx = (t: number): GradientContext => ({
  step: 0,
  epoch: 0,
  tasks: Array.from({ length: t }, (_, i) => `t${i}`),
  rng: new Rng(1),
  losses: new Array<number>(t).fill(1),
  mode: 'parameters',
});

/** Our weights with TorchJD's hyper-parameters (the conventions are listed in the README table). */
const ours: Record<string, (g: number[][]) => number[]> = {
  upgrad: (g) => upgradWeightsFromGramian(g),
  dualproj: (g) => dualprojWeightsFromGramian(g),
  mgda: (g) => mgdaWeightsFromGramian(g),
  // TorchJD's CAGrad does not rescale: rescale 0
  cagrad: (g) => cagradWeightsFromGramian(g, {}, { c: 0.4, rescale: 0 }),
  'imtl-g': (g) => imtlGWeightsFromGramian(g),
  // TorchJD applies the balance transformation to the mean weights (1/T) and drops eigenvalues below
  // λ_max·T·ε(float64); ours sums (weights 1) with a float32 rank tolerance by default: matched here
  'aligned-mtl': (g) =>
    alignedMtlWeightsFromGramian(g, {}, { scaleMode: 'min', rankTolerance: g.length * Number.EPSILON }).map(
      (w) => w / g.length,
    ),
  'nash-mtl': (g) => nashMtlWeighting({ maxNorm: 1 }).weights(g, ctx(g.length)),
  fairgrad: (g) => fairgradWeightsFromGramian(g, {}, { alpha: 1 }),
  pcgrad: (g) => pcgradWeightsFromGramian(g),
  gradvac: (g) =>
    gradvacWeightsFromGramian(g, { tasks: ['a', 'b'], rng: new Rng(1), targets: {} }, { beta: 0.5 }),
};

it('cross-check against TorchJD', () => {
  const file = process.env.REFERENCE_JSON;
  if (file === undefined) {
    console.log(
      'reference cross-check skipped: set REFERENCE_JSON (see bench/reference/torchjd_reference.py)',
    );
    return;
  }
  const ref = JSON.parse(readFileSync(file, 'utf8')) as Reference;
  const lines = [
    '| strategy | compared | max rel. error, full rank | max rel. error, rank-deficient | max direction error |',
    '|---|---|---|---|---|',
  ];
  const fmt = (x: number): string => (x < 0 ? '—' : x.toExponential(1));
  for (const [name, weightsOf] of Object.entries(ours)) {
    let full = -1;
    let deficient = -1;
    let direction = -1;
    let compared = 0;
    let missing = 0;
    let zeroRef = 0;
    ref.problems.forEach((p, k) => {
      const expected = ref.results[name]?.[k];
      if (expected === undefined) return;
      if (expected === null) {
        if (!(name === 'pcgrad' || name === 'gradvac') || p.J.length === 2) missing++;
        return;
      }
      const w = weightsOf(gramianFromRows(p.J));
      const d = p.J[0]!.map((_, c) => p.J.reduce((s, row, i) => s + w[i]! * row[c]!, 0));
      const en = Math.hypot(...expected);
      const dn = Math.hypot(...d);
      if (en === 0) {
        zeroRef++;
        return;
      }
      const err = Math.hypot(...d.map((x, c) => x - expected[c]!)) / en;
      const dirErr = dn === 0 ? 1 : Math.hypot(...d.map((x, c) => x / dn - expected[c]! / en));
      // rank-deficient: a zero or duplicated row, or fewer columns than tasks
      const deficientRank = p.kind === 'zero-row' || p.kind === 'duplicate' || p.J[0]!.length < p.J.length;
      if (deficientRank) deficient = Math.max(deficient, err);
      else full = Math.max(full, err);
      direction = Math.max(direction, dirErr);
      compared++;
    });
    const notes = [
      missing > 0 ? `${missing} reference failures` : '',
      zeroRef > 0 ? `${zeroRef} zero reference updates skipped` : '',
    ].filter((x) => x !== '');
    lines.push(
      `| \`${name}\` | ${compared}${notes.length > 0 ? ` (${notes.join(', ')})` : ''} | ${fmt(full)} | ${fmt(deficient)} | ${fmt(direction)} |`,
    );
  }
  console.log(`TorchJD ${ref.torchjd}, ${ref.problems.length} problems\n${lines.join('\n')}`);
});
