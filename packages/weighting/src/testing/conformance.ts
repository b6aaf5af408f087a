import * as tf from '@tensorflow/tfjs-core';
import {
  Rng,
  type GradientContext,
  type GradientMode,
  type JsonValue,
  type WeightingStrategy,
} from '@multitask/core';
import { combineRows, dot, gramianOfRows, maxAbs } from '../math/linalg.ts';
import { randomJacobian, randomLosses } from './random-problems.ts';

/**
 * A property a strategy declares and the conformance suite checks. "Scaling" means multiplying every task's
 * gradient (loss family: every loss) by the same s > 0.
 * - `scale-invariant`: the weights do not change under scaling (Gramian: `w(s²G) = w(G)`; Jacobian: its
 *   `lastWeights()`; loss family: `currentWeights()`).
 * - `homogeneous`: the output is multiplied by s (Gramian/Jacobian: the direction `d(sJ) = s·d(J)`; loss family:
 *   the combined loss).
 * - `direction-invariant`: the direction does not change under scaling, `d(sJ) = d(J)` (Gramian/Jacobian).
 * - `non-conflicting`: the direction never opposes a task, `d·gᵢ ≥ 0` for every i (Gramian/Jacobian).
 * - `randomized`: the output depends on `context.rng` (checked by the `permutation` check: some task count and
 *   seed must change the output, so a false claim fails). Permutation invariance is then checked in distribution:
 *   the mean output over many seeds of the permuted problem must equal the permuted mean of the original, within
 *   four standard errors (see {@link ConformanceOptions.randomizedSamples}). Determinism is still checked
 *   exactly (same seeds, same outputs).
 */
export type DeclaredProperty =
  'scale-invariant' | 'homogeneous' | 'direction-invariant' | 'non-conflicting' | 'randomized';

/** Every {@link DeclaredProperty}, in the order used by the README table. */
export const declaredPropertyNames: readonly DeclaredProperty[] = [
  'scale-invariant',
  'homogeneous',
  'direction-invariant',
  'non-conflicting',
  'randomized',
];

/** Name of one check of the conformance suite. */
export type ConformanceCheck =
  | 'interface'
  | 'shape-finite'
  | 'permutation'
  | 'scale-invariant'
  | 'homogeneous'
  | 'direction-invariant'
  | 'non-conflicting'
  | 'no-leak'
  | 'state-round-trip'
  | 'deterministic';

/** Options of {@link checkConformance}. */
export interface ConformanceOptions {
  /** Creates a fresh strategy instance (called many times; each instance is disposed by the suite). */
  readonly create: () => WeightingStrategy;
  /** The properties the strategy claims (checked), e.g. `['homogeneous', 'non-conflicting']`. */
  readonly properties: readonly DeclaredProperty[];
  /** Task counts T to try. Default `[2, 3, 5]`. */
  readonly taskCounts?: readonly number[];
  /**
   * Gradient (loss) scales for the shape/finiteness and non-conflict checks. Default
   * `[0, 1e-6, 1, 1e6, 1e15]` (loss family: `[1e-6, 1, 1e6, 1e15]`).
   */
  readonly scales?: readonly number[];
  /** Scale factors s for the scaling checks. Default `[1e-4, 1e6]`. */
  readonly scaleFactors?: readonly number[];
  /** Gradient length n of the random Jacobians. Default 7. */
  readonly dim?: number;
  /** Seed of the problem generator. Default 1. */
  readonly seed?: number;
  /** Steps run before comparisons and the state round-trip (exercises stateful strategies). Default 3. */
  readonly steps?: number;
  /** Relative tolerance of the comparisons. Default 1e-6 (Gramian family) or 1e-4 (tensor families). */
  readonly tolerance?: number;
  /** Number of seeds averaged by the permutation check of `randomized` strategies. Default 256 (Jacobian family: 64). */
  readonly randomizedSamples?: number;
  /**
   * Extra relative slack of that averaged comparison: the means must agree within four standard errors of their
   * difference plus this fraction of the largest mean. Default 0.02.
   */
  readonly randomizedTolerance?: number;
  /** Checks to leave out (say why in your test). */
  readonly skip?: readonly ConformanceCheck[];
}

/** Result of one check. */
export interface ConformanceCheckResult {
  /** The check. */
  readonly check: ConformanceCheck;
  /** `passed`, `failed`, or `skipped` (not applicable to the family, or listed in `skip`). */
  readonly status: 'passed' | 'failed' | 'skipped';
  /** What failed (first failures), or why it was skipped. */
  readonly message?: string;
}

/** Result of {@link checkConformance}. */
export interface ConformanceReport {
  /** The strategy's `name`. */
  readonly strategy: string;
  /** Its family. */
  readonly family: WeightingStrategy['family'];
  /** True when no check failed. */
  readonly passed: boolean;
  /** One entry per check. */
  readonly checks: readonly ConformanceCheckResult[];
  /** Human-readable failures, `"<check>: <message>"`. */
  readonly failures: readonly string[];
}

interface Problem {
  readonly tasks: string[];
  readonly jacobian: number[][];
  readonly losses: number[];
}

interface Outcome {
  readonly weights?: readonly number[];
  readonly direction?: readonly number[];
  readonly total?: number;
}

class CheckFailure extends Error {}

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

function fail(message: string): never {
  throw new CheckFailure(message);
}

function fmt(x: readonly number[] | undefined): string {
  if (x === undefined) return 'undefined';
  return `[${x.map((v) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(4) : v.toFixed(5))).join(', ')}]`;
}

function assertClose(
  what: string,
  actual: readonly number[] | undefined,
  expected: readonly number[] | undefined,
  tol: number,
  floor = 0,
): void {
  if (actual === undefined || expected === undefined) fail(`${what}: missing output`);
  if (actual.length !== expected.length) fail(`${what}: length ${actual.length} ≠ ${expected.length}`);
  const ref = Math.max(maxAbs(actual), maxAbs(expected), floor);
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!);
    if (!(err <= tol * ref))
      fail(`${what}: got ${fmt(actual)}, expected ${fmt(expected)} (tolerance ${tol})`);
  }
}

/**
 * Runs the conformance suite on a strategy of any family (loss, Gramian, Jacobian) and returns a report; it
 * never throws for a failing check. Test-runner agnostic.
 *
 * Checks: interface (kebab-case name, family, modes, JSON config/state); output shape and finiteness on random
 * Jacobians of every rank and on scales 0…1e15; permutation (permuting the tasks permutes the weights and keeps
 * the direction/total; for `randomized` strategies, on the mean over seeds); each declared scaling property;
 * non-conflicting (if declared); no tensor leaks (per call, and `dispose()` frees everything the strategy
 * made); state round-trip through `state()` → JSON → `load()` on a fresh instance; determinism (two fresh
 * instances with the same seeds give bit-identical outputs).
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { mgdaWeighting } from '@multitask/weighting';
 * import { checkConformance } from '@multitask/weighting/testing';
 *
 * const report = checkConformance({ create: () => mgdaWeighting(), properties: ['homogeneous'] });
 * console.log(report.passed, report.failures); // true []
 * ```
 */
export function checkConformance(options: ConformanceOptions): ConformanceReport {
  const probe = options.create();
  const family = probe.family;
  const name = probe.name;
  probe.dispose();
  const props = new Set(options.properties);
  const taskCounts = options.taskCounts ?? [2, 3, 5];
  const scales = options.scales ?? (family === 'loss' ? [1e-6, 1, 1e6, 1e15] : [0, 1e-6, 1, 1e6, 1e15]);
  const scaleFactors = options.scaleFactors ?? [1e-4, 1e6];
  const dim = options.dim ?? 7;
  const seed = options.seed ?? 1;
  const steps = Math.max(1, options.steps ?? 3);
  const tol = options.tolerance ?? (family === 'gramian' ? 1e-6 : 1e-4);
  const samples = options.randomizedSamples ?? (family === 'jacobian' ? 64 : 256);
  const randTol = options.randomizedTolerance ?? 0.02;
  const skip = new Set(options.skip ?? []);
  const mode: GradientMode = family === 'loss' ? 'representation' : (probe.modes[0] ?? 'representation');

  const gen = new Rng(seed);
  const makeSequence = (t: number, scale = 1, rank?: number): Problem[] =>
    Array.from({ length: steps + 1 }, () => ({
      tasks: Array.from({ length: t }, (_, i) => `task-${i}`),
      jacobian: randomJacobian(gen, { tasks: t, dim, scale, ...(rank === undefined ? {} : { rank }) }),
      losses: randomLosses(gen, t, family === 'loss' ? scale : 1),
    }));

  const runStep = (s: WeightingStrategy, p: Problem, step: number, rngSeed: number): Outcome => {
    const rng = new Rng(rngSeed);
    const base = { step, epoch: Math.floor(step / 2), tasks: p.tasks, rng };
    let out: Outcome;
    switch (s.family) {
      case 'gramian': {
        const ctx: GradientContext = { ...base, losses: p.losses, mode };
        const w = s.weights(gramianOfRows(p.jacobian), ctx);
        out = { weights: w, direction: combineRows(p.jacobian, w) };
        break;
      }
      case 'jacobian': {
        const ctx: GradientContext = { ...base, losses: p.losses, mode };
        const d = tf.tidy(() => s.aggregate(tf.tensor2d(p.jacobian), ctx));
        const direction = Array.from(d.dataSync());
        d.dispose();
        const w = s.lastWeights?.();
        out = w === undefined ? { direction } : { direction, weights: [...w] };
        break;
      }
      case 'loss': {
        const losses = p.losses.map((l) => tf.scalar(l));
        const total = tf.tidy(() => s.combine(losses, base));
        const value = total.dataSync()[0]!;
        tf.dispose([total, ...losses]);
        const w = s.currentWeights?.(p.tasks);
        out = w === undefined ? { total: value } : { total: value, weights: [...w] };
        break;
      }
    }
    s.afterStep?.({
      ...base,
      losses: p.losses,
      ...(s.needsLossesAfterStep === true ? { lossesAfter: p.losses.map((l) => 0.9 * l) } : {}),
    });
    if (step % 2 === 1) {
      s.afterEpoch?.(Math.floor(step / 2), Object.fromEntries(p.tasks.map((t, i) => [t, p.losses[i]!])));
    }
    return out;
  };

  /** Runs a fresh instance over a sequence; returns every step's outcome. */
  const runSequence = (seq: readonly Problem[], rngSeed: number, count = seq.length): Outcome[] => {
    const s = options.create();
    try {
      return seq.slice(0, count).map((p, step) => runStep(s, p, step, rngSeed * 1000 + step));
    } finally {
      s.dispose();
    }
  };

  const checks: ConformanceCheckResult[] = [];
  const run = (check: ConformanceCheck, applicable: string | true, body: () => void): void => {
    if (skip.has(check)) {
      checks.push({ check, status: 'skipped', message: 'listed in `skip`' });
      return;
    }
    if (applicable !== true) {
      checks.push({ check, status: 'skipped', message: applicable });
      return;
    }
    try {
      body();
      checks.push({ check, status: 'passed' });
    } catch (e) {
      const msg =
        e instanceof CheckFailure
          ? e.message
          : `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
      checks.push({ check, status: 'failed', message: msg });
    }
  };

  const expectFinite = (what: string, o: Outcome, t: number, n: number): void => {
    if (o.weights !== undefined) {
      if (o.weights.length !== t) fail(`${what}: ${o.weights.length} weights for ${t} tasks`);
      if (!o.weights.every(Number.isFinite)) fail(`${what}: non-finite weights ${fmt(o.weights)}`);
    }
    if (o.direction !== undefined) {
      if (o.direction.length !== n) fail(`${what}: direction of length ${o.direction.length}, expected ${n}`);
      if (!o.direction.every(Number.isFinite)) fail(`${what}: non-finite direction`);
    }
    if (o.total !== undefined && !Number.isFinite(o.total)) fail(`${what}: non-finite total loss ${o.total}`);
  };

  // --- interface ---
  run('interface', true, () => {
    const s = options.create();
    try {
      if (!KEBAB.test(s.name)) fail(`name "${s.name}" is not kebab-case`);
      if (s.family !== 'loss') {
        if (s.modes.length === 0) fail('`modes` is empty');
        const known: readonly string[] = ['representation', 'parameters'];
        for (const m of s.modes as readonly string[]) if (!known.includes(m)) fail(`unknown mode "${m}"`);
      }
      const cfg = s.getConfig();
      if (JSON.stringify(JSON.parse(JSON.stringify(cfg))) !== JSON.stringify(cfg))
        fail('getConfig() is not JSON');
      for (const p of options.properties) {
        if (!declaredPropertyNames.includes(p)) fail(`unknown declared property "${p as string}"`);
        if (s.family === 'loss' && (p === 'direction-invariant' || p === 'non-conflicting')) {
          fail(`property "${p}" does not apply to the loss family`);
        }
      }
    } finally {
      s.dispose();
    }
  });

  // --- shape and finiteness, on every rank and scale ---
  run('shape-finite', true, () => {
    for (const t of taskCounts) {
      for (const scale of scales) {
        for (const rank of new Set([0, 1, Math.ceil(t / 2), Math.min(t, dim)])) {
          if (scale === 0 && rank !== 0) continue;
          if (scale !== 0 && rank === 0) continue;
          const seq = makeSequence(t, scale, rank);
          runSequence(seq, seed).forEach((o, i) => {
            expectFinite(`T=${t}, scale=${scale}, rank=${rank}, step ${i}`, o, t, dim);
          });
        }
      }
    }
  });

  /** A `randomized` claim must be borne out: some task count and seed of `context.rng` change the output. */
  const assertRandomized = (): void => {
    const seeds = 8;
    for (const t of taskCounts) {
      const seq = makeSequence(t);
      const a = JSON.stringify(runSequence(seq, seed));
      for (let k = 1; k <= seeds; k++) {
        if (JSON.stringify(runSequence(seq, seed + 7919 * k)) !== a) return;
      }
    }
    fail(
      `declared randomized, but the outputs for T = ${taskCounts.join(', ')} are identical under ${seeds + 1} ` +
        'seeds of context.rng — drop the claim, or draw the randomness from context.rng',
    );
  };

  // --- permutation ---
  run('permutation', true, () => {
    for (const t of taskCounts) {
      const seq = makeSequence(t);
      const perm = gen.permutation(t);
      const permuted = seq.map((p) => ({
        tasks: perm.map((k) => p.tasks[k]!),
        jacobian: perm.map((k) => p.jacobian[k]!),
        losses: perm.map((k) => p.losses[k]!),
      }));
      const what = `T=${t}, permutation ${fmt(perm).replace(/\.0+/g, '')}`;
      if (props.has('randomized')) {
        if (t === taskCounts[0]) assertRandomized();
        const sample = (q: Problem[]): Outcome[] =>
          Array.from({ length: samples }, (_, k) => runSequence(q, seed + 7 * k).at(-1)!);
        const a = sample(seq);
        const b = sample(permuted).map((o) => permuteOutcome(o, inversePermutation(perm)));
        compareMeans(`${what} (mean over ${samples} seeds)`, b, a, randTol);
      } else {
        const a = runSequence(seq, seed);
        const b = runSequence(permuted, seed);
        a.forEach((o, i) => {
          compareOutcomes(`${what}, step ${i}`, b[i]!, permuteOutcome(o, perm), tol);
        });
      }
    }
  });

  // --- scaling ---
  const scaled = (seq: readonly Problem[], f: number): Problem[] =>
    seq.map((p) =>
      family === 'loss'
        ? { ...p, losses: p.losses.map((l) => l * f) }
        : { ...p, jacobian: p.jacobian.map((row) => row.map((x) => x * f)) },
    );
  const scaleCheck = (check: 'scale-invariant' | 'homogeneous' | 'direction-invariant'): void => {
    const applicable = !props.has(check)
      ? 'not declared'
      : check === 'direction-invariant' && family === 'loss'
        ? 'not applicable to the loss family'
        : true;
    run(check, applicable, () => {
      for (const t of taskCounts) {
        const seq = makeSequence(t);
        const a = runSequence(seq, seed);
        for (const f of scaleFactors) {
          const b = runSequence(scaled(seq, f), seed);
          a.forEach((o, i) => {
            const what = `T=${t}, factor ${f}, step ${i}`;
            const r = b[i]!;
            if (check === 'scale-invariant') {
              if (o.weights === undefined) fail(`${what}: the strategy reports no weights to compare`);
              assertClose(`${what}, weights`, r.weights, o.weights, tol);
            } else if (family === 'loss') {
              if (o.total === undefined || r.total === undefined) fail(`${what}: no total`);
              assertClose(`${what}, total loss`, [r.total], [o.total * f], tol);
            } else {
              const expected = o.direction!.map((x) => (check === 'homogeneous' ? x * f : x));
              assertClose(`${what}, direction`, r.direction, expected, tol);
            }
          });
        }
      }
    });
  };
  scaleCheck('scale-invariant');
  scaleCheck('homogeneous');
  scaleCheck('direction-invariant');

  // --- non-conflicting ---
  run(
    'non-conflicting',
    !props.has('non-conflicting')
      ? 'not declared'
      : family === 'loss'
        ? 'not applicable to the loss family'
        : true,
    () => {
      for (const t of taskCounts) {
        for (const scale of scales) {
          for (const rank of new Set([1, Math.ceil(t / 2), Math.min(t, dim)])) {
            const seq = makeSequence(t, scale, rank);
            runSequence(seq, seed).forEach((o, step) => {
              const d = o.direction!;
              const dn = Math.sqrt(dot(d, d));
              const rows = seq[step]!.jacobian;
              const maxNorm = Math.max(...rows.map((g) => Math.sqrt(dot(g, g))));
              rows.forEach((g, i) => {
                const gn = Math.sqrt(dot(g, g));
                const gi = dot(d, g);
                const wsum = o.weights === undefined ? 1 : o.weights.reduce((acc, w) => acc + Math.abs(w), 0);
                // slack: relative error of the direction, plus solver accuracy 1e-9 relative to the largest ‖gᵢ‖²
                const slack = Math.max(tol, 1e-5) * gn * dn + 1e-9 * wsum * maxNorm * maxNorm;
                if (!(gi >= -slack)) {
                  fail(
                    `T=${t}, scale=${scale}, rank=${rank}, step ${step}: d·g${i} = ${gi.toExponential(3)} < 0 (‖d‖ ${dn.toExponential(3)}, ‖g${i}‖ ${gn.toExponential(3)})`,
                  );
                }
              });
            });
          }
        }
      }
    },
  );

  // --- no leaks ---
  run('no-leak', true, () => {
    const t = taskCounts[taskCounts.length - 1] ?? 3;
    const seq = makeSequence(t);
    const before = tf.memory().numTensors;
    const s = options.create();
    try {
      runStep(s, seq[0]!, 0, seed);
      const warm = tf.memory().numTensors;
      for (let i = 1; i < seq.length; i++) runStep(s, seq[i]!, i, seed + i);
      const after = tf.memory().numTensors;
      if (after !== warm) fail(`${after - warm} tensors leaked over ${seq.length - 1} steps`);
      s.state();
    } finally {
      s.dispose();
    }
    const end = tf.memory().numTensors;
    if (end !== before) fail(`${end - before} tensors remain after dispose()`);
  });

  // --- state round-trip ---
  run('state-round-trip', true, () => {
    for (const t of taskCounts) {
      const seq = makeSequence(t);
      const a = options.create();
      const b = options.create();
      try {
        const fresh = b.state();
        b.load(jsonRoundTrip('fresh state()', fresh));
        for (let i = 0; i < steps; i++) runStep(a, seq[i]!, i, seed + i);
        const saved = a.state();
        b.load(jsonRoundTrip('state()', saved));
        if (JSON.stringify(b.state()) !== JSON.stringify(jsonRoundTrip('state()', saved))) {
          fail(`T=${t}: state() after load(state) differs from the saved state`);
        }
        const oa = runStep(a, seq[steps]!, steps, seed + steps);
        const ob = runStep(b, seq[steps]!, steps, seed + steps);
        compareOutcomes(`T=${t}, step after load`, ob, oa, tol);
      } finally {
        a.dispose();
        b.dispose();
      }
    }
  });

  // --- determinism ---
  run('deterministic', true, () => {
    for (const t of taskCounts) {
      const seq = makeSequence(t);
      const a = runSequence(seq, seed + 11);
      const b = runSequence(seq, seed + 11);
      a.forEach((o, i) => {
        if (JSON.stringify(o) !== JSON.stringify(b[i])) {
          fail(
            `T=${t}, step ${i}: two instances with the same seeds differ: ${JSON.stringify(o)} vs ${JSON.stringify(b[i])}`,
          );
        }
      });
    }
  });

  const failures = checks.filter((c) => c.status === 'failed').map((c) => `${c.check}: ${c.message ?? ''}`);
  return { strategy: name, family, passed: failures.length === 0, checks, failures };
}

/**
 * Runs {@link checkConformance} and throws an `Error` listing every failed check; returns the report when all
 * pass. Use it as the body of a test in any test runner.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { mgdaWeighting } from '@multitask/weighting';
 * import { assertConformance } from '@multitask/weighting/testing';
 *
 * // In a test runner: test('mgda conforms', () => { assertConformance(…); });
 * // throws an Error listing the failed checks, if any:
 * const report = assertConformance({ create: () => mgdaWeighting(), properties: ['homogeneous'] });
 * console.log(report.passed); // true
 * ```
 */
export function assertConformance(options: ConformanceOptions): ConformanceReport {
  const report = checkConformance(options);
  if (!report.passed) {
    throw new Error(
      `Strategy "${report.strategy}" (${report.family}) fails ${report.failures.length} conformance check(s):\n` +
        report.failures.map((f) => `  - ${f}`).join('\n'),
    );
  }
  return report;
}

function jsonRoundTrip(what: string, value: JsonValue): JsonValue {
  const text = JSON.stringify(value);
  const back = JSON.parse(text) as JsonValue;
  if (JSON.stringify(back) !== text)
    fail(`${what} does not survive JSON (NaN, Infinity or undefined inside?)`);
  return back;
}

function permuteOutcome(o: Outcome, perm: readonly number[]): Outcome {
  return o.weights === undefined ? o : { ...o, weights: perm.map((k) => o.weights![k]!) };
}

function compareOutcomes(what: string, actual: Outcome, expected: Outcome, tol: number): void {
  if (expected.weights !== undefined) assertClose(`${what}, weights`, actual.weights, expected.weights, tol);
  if (expected.direction !== undefined)
    assertClose(`${what}, direction`, actual.direction, expected.direction, tol);
  if (expected.total !== undefined)
    assertClose(`${what}, total`, [actual.total ?? NaN], [expected.total], tol);
}

function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((k, i) => (inv[k] = i));
  return inv;
}

/**
 * Compares the means of two samples of outcomes, coordinate by coordinate: the difference must be within four
 * standard errors of the difference plus `tol` times the largest mean.
 */
function compareMeans(
  what: string,
  actual: readonly Outcome[],
  expected: readonly Outcome[],
  tol: number,
): void {
  for (const key of ['weights', 'direction', 'total'] as const) {
    const vec = (o: Outcome): readonly number[] | undefined =>
      key === 'total' ? (o.total === undefined ? undefined : [o.total]) : o[key];
    const first = expected[0] === undefined ? undefined : vec(expected[0]);
    if (first === undefined) continue;
    const stats = (xs: readonly Outcome[]): { mean: number[]; se2: number[] } => {
      const n = xs.length;
      const mean = first.map((_, i) => xs.reduce((acc, o) => acc + (vec(o)?.[i] ?? NaN), 0) / n);
      const se2 = first.map(
        (_, i) => xs.reduce((acc, o) => acc + ((vec(o)?.[i] ?? NaN) - mean[i]!) ** 2, 0) / (n - 1) / n,
      );
      return { mean, se2 };
    };
    const a = stats(actual);
    const e = stats(expected);
    const ref = Math.max(maxAbs(a.mean), maxAbs(e.mean));
    a.mean.forEach((m, i) => {
      const bound = 4 * Math.sqrt(a.se2[i]! + e.se2[i]!) + tol * ref;
      if (!(Math.abs(m - e.mean[i]!) <= bound)) {
        fail(
          `${what}, ${key}: means ${fmt(a.mean)} vs ${fmt(e.mean)} differ beyond 4 standard errors + ${tol} relative`,
        );
      }
    });
  }
}
