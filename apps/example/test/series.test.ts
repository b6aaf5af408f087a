import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { conflictRecorder, summarizeExperiment, type ExperimentReport } from '@multitask/eval';
import { testBackendName } from '@multitask/test-utils';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  main,
  MAX_SEEDS,
  parseSeeds,
  seriesHtml,
  seriesJson,
  seriesMarkdown,
  spreadOf,
  summarizeSeries,
  type SeriesReport,
  type SeriesSummary,
} from '../src/index.ts';

const configs = join(dirname(fileURLToPath(import.meta.url)), '..', 'configs');
const dir = mkdtempSync(join(tmpdir(), 'multitask-series-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tiny penguins config (8-unit MLP, 2 epochs), pinned to the test backend. */
function tinyConfig(): string {
  const c = JSON.parse(readFileSync(join(configs, 'penguins.json'), 'utf8')) as Record<string, unknown>;
  c.backend = testBackendName();
  (c.backbone as { options: { units: number[] } }).options.units = [8];
  (c.training as { epochs: number }).epochs = 2;
  const file = join(dir, 'penguins-tiny.json');
  writeFileSync(file, JSON.stringify(c));
  return file;
}

async function run(
  argv: string[],
  opts: { abortWhen?: (stdout: string, stderr: string) => boolean; progress?: boolean } = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const controller = new AbortController();
  const code = await main(argv, {
    stdout: (t) => {
      out += t;
      if (opts.abortWhen?.(out, err) === true && !controller.signal.aborted) controller.abort();
    },
    stderr: (t) => {
      err += t;
      if (opts.abortWhen?.(out, err) === true && !controller.signal.aborted) controller.abort();
    },
    signal: controller.signal,
    ...(opts.progress === true ? { progress: true, stderrIsTTY: false } : {}),
  });
  return { code, out, err };
}

/** Everything but wall-clock times and the creation timestamp. */
function timeless(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(timeless);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'seconds' && k !== 'createdAt')
        .map(([k, v]) => [k, timeless(v)]),
    );
  }
  return value;
}

interface SavedSeries {
  readonly summary: SeriesSummary;
  readonly series: SeriesReport;
}

const readSaved = (d: string): SavedSeries =>
  JSON.parse(readFileSync(join(d, 'report.json'), 'utf8')) as SavedSeries;

const filesOf = (d: string): Record<string, string> =>
  Object.fromEntries(
    ['report.json', 'report.md', 'report.html'].map((f) => [f, readFileSync(join(d, f), 'utf8')]),
  );

describe('parseSeeds', () => {
  test('lists and ranges, in the order given', () => {
    expect(parseSeeds('1,2,3')).toEqual([1, 2, 3]);
    expect(parseSeeds('1-3')).toEqual([1, 2, 3]);
    expect(parseSeeds(' 7 , 2-4,10 ')).toEqual([7, 2, 3, 4, 10]);
    expect(parseSeeds('5-5')).toEqual([5]);
    expect(parseSeeds(String(Number.MAX_SAFE_INTEGER))).toEqual([Number.MAX_SAFE_INTEGER]);
  });

  test('property: any list of distinct seeds written with commas reads back as itself', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { minLength: 1, maxLength: 20 }),
        (seeds) => {
          expect(parseSeeds(seeds.join(','))).toEqual(seeds);
        },
      ),
    );
  });

  test('property: a range a-b is the seeds a..b', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 0, max: 50 }), (a, len) => {
        const seeds = parseSeeds(`${a}-${a + len}`);
        expect(seeds).toHaveLength(len + 1);
        expect(seeds[0]).toBe(a);
        expect(seeds.at(-1)).toBe(a + len);
      }),
    );
  });

  test.each([
    ['1,2,1', /seed 1 is listed twice/],
    ['1-3,2', /seed 2 is listed twice/],
    ['0', /seed 0 is not allowed — seeds are integers ≥ 1/],
    ['0-2', /seed 0 is not allowed/],
    ['-1', /seed -1 is negative/],
    ['1,-2', /seed -2 is negative/],
    ['1.5', /"1.5" is not an integer or a range/],
    ['1e3', /"1e3" is not an integer or a range/],
    ['abc', /"abc" is not an integer or a range/],
    ['9007199254740992', /seed 9007199254740992 is above 2\^53 − 1 \(9007199254740991\)/],
    ['99999999999999999999', /is above 2\^53 − 1/],
    ['3-1', /range 3-1 runs backwards — write 1-3/],
    ['', /item 1 is empty/],
    ['1,,2', /item 2 is empty/],
    [`1-${MAX_SEEDS + 1}`, new RegExp(`more than ${MAX_SEEDS} seeds`)],
  ])('"%s" is refused, naming --seeds', (text, message) => {
    let error: unknown;
    try {
      parseSeeds(text);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'INVALID_OPTION', details: { option: 'seeds', value: text } });
    expect((error as Error).message).toContain(`--seeds "${text}"`);
    expect((error as Error).message).toMatch(message);
  });

  test('the CLI refuses bad --seeds before training, and --seed with --seeds', async () => {
    const file = tinyConfig();
    const base = ['compare', '--config', file, '--strategies', 'static'];
    const neg = await run([...base, '--seeds', '-1']);
    expect(neg.code).toBe(1);
    expect(neg.err).toBe(
      'multitask: [multitask] --seeds "-1": seed -1 is negative — seeds are integers ≥ 1.\n',
    );
    const dup = await run([...base, '--seeds', '2,2']);
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('--seeds "2,2": seed 2 is listed twice');
    const both = await run([...base, '--seeds', '1,2', '--seed', '3']);
    expect(both.code).toBe(1);
    expect(both.err).toContain('--seeds and --seed exclude each other');
  });
});

test('spreadOf: mean, sample standard deviation (n − 1) and n', () => {
  expect(spreadOf([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3), n: 4, values: [1, 2, 3, 4] });
  const one = spreadOf([0.9, undefined]);
  expect(one).toMatchObject({ mean: 0.9, n: 1, values: [0.9, null] });
  expect(one.std).toBeNaN();
});

describe('multitask compare --seeds (2 seeds × static, mgda + baselines, 2 epochs), --resume, report --from', () => {
  const strategies = 'static,mgda';
  let file: string;
  let args: string[];
  const full = join(dir, 'full');
  let printed: SavedSeries;
  let progress: string;

  beforeAll(async () => {
    file = tinyConfig();
    args = [
      'compare',
      '--config',
      file,
      '--strategies',
      strategies,
      '--seeds',
      '1-2',
      '--baselines',
      '--every',
      '2',
    ];
    const before = tf.memory().numTensors;
    const r = await run([...args, '--out', full, '--json'], { progress: true });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.code).toBe(0);
    progress = r.err;
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    printed = JSON.parse(lines[0]!) as SavedSeries;
  });

  test('every strategy and baseline ran once per seed, each in its own unit directory', () => {
    expect(readdirSync(join(full, 'runs')).sort()).toEqual(
      [1, 2]
        .flatMap((s) => [
          `baseline-body_mass-seed-${s}`,
          `baseline-sex-seed-${s}`,
          `baseline-species-seed-${s}`,
          `strategy-mgda-seed-${s}`,
          `strategy-static-seed-${s}`,
        ])
        .sort(),
    );
    expect(existsSync(join(full, 'series.json'))).toBe(true);
    expect(printed.series.seeds).toEqual([1, 2]);
    expect(printed.series.reports.map((r) => r.runs.map((x) => x.strategy))).toEqual([
      ['static', 'mgda'],
      ['static', 'mgda'],
    ]);
    // The seeds really differ: seed 1 and seed 2 give different final metrics.
    expect(printed.series.reports[0]!.runs[0]!.finalMetrics).not.toEqual(
      printed.series.reports[1]!.runs[0]!.finalMetrics,
    );
  });

  test('progress counts runs across the series and names the seed', () => {
    const lines = progress.split('\n').filter((l) => l.startsWith('[run '));
    const heads = [...new Set(lines.map((l) => l.slice(0, l.indexOf(']') + 1)))];
    expect(heads).toEqual([
      '[run 1/10 · strategy static · seed 1]',
      '[run 2/10 · strategy mgda · seed 1]',
      '[run 3/10 · baseline species · seed 1]',
      '[run 4/10 · baseline sex · seed 1]',
      '[run 5/10 · baseline body_mass · seed 1]',
      '[run 6/10 · strategy static · seed 2]',
      '[run 7/10 · strategy mgda · seed 2]',
      '[run 8/10 · baseline species · seed 2]',
      '[run 9/10 · baseline sex · seed 2]',
      '[run 10/10 · baseline body_mass · seed 2]',
    ]);
  });

  test('aggregates: per task mean ± sample std (n = 2) of each metric, Δm% per seed then mean ± std', () => {
    const { summary, series } = printed;
    expect(summary.seeds).toEqual([1, 2]);
    const perSeed = series.reports.map((r) => summarizeExperiment(r));
    for (const [k, st] of summary.strategies.entries()) {
      const runs = series.reports.map((r) => r.runs[k]!);
      for (const [task, metrics] of Object.entries(st.metrics)) {
        for (const [metric, spread] of Object.entries(metrics)) {
          const [a, b] = runs.map((r) => r.finalMetrics[task]![metric]!);
          expect(spread.n).toBe(2);
          expect(spread.values).toEqual([a, b]);
          expect(spread.mean).toBeCloseTo((a! + b!) / 2, 12);
          // Sample std of two values: |a − b| / √2.
          expect(spread.std).toBeCloseTo(Math.abs(a! - b!) / Math.SQRT2, 12);
        }
      }
      const dms = perSeed.map((s) => s.strategies[k]!.deltaM!);
      const flats = perSeed.map((s) => s.strategies[k]!.flatDeltaM!);
      expect(st.deltaM!.values).toEqual(dms);
      expect(st.deltaM!.mean).toBeCloseTo((dms[0]! + dms[1]!) / 2, 10);
      expect(st.deltaM!.std).toBeCloseTo(Math.abs(dms[0]! - dms[1]!) / Math.SQRT2, 10);
      expect(st.flatDeltaM!.values).toEqual(flats);
      // Each seed's Δm% is against that seed's own baselines (by hand for the species accuracy part).
      for (const [i, report] of series.reports.entries()) {
        const m = report.runs[k]!.finalMetrics.species!.accuracy!;
        const b = report.baselines!.species!.accuracy!;
        expect(perSeed[i]!.strategies[k]!.perTaskDeltaM!.species).toBeCloseTo((100 * (m - b)) / b, 10);
        expect(st.perTaskDeltaM!.species!.values[i]).toBeCloseTo((100 * (m - b)) / b, 10);
      }
    }
    const base = series.reports.map((r) => r.baselines!.sex!.accuracy!);
    expect(summary.baselines!.sex!.accuracy!.values).toEqual(base);
  });

  test('the Markdown and HTML show mean ± std with n, both Δm% conventions, every seed, one line per seed', () => {
    const md = readFileSync(join(full, 'report.md'), 'utf8');
    const { summary } = printed;
    const mgda = summary.strategies.find((s) => s.strategy === 'mgda')!;
    expect(md).toContain('mean ± sample standard deviation (n − 1) over n = 2 seeds');
    expect(md).toContain(
      '| strategy | species accuracy ↑ | sex accuracy ↑ | body_mass mse ↓ | body_mass mae ↓ | Δm% ↑ | flat Δm% ↓ |',
    );
    const dm = `${mgda.deltaM!.mean > 0 ? '+' : ''}${mgda.deltaM!.mean.toFixed(2)} ± ${mgda.deltaM!.std.toFixed(2)}`;
    expect(md).toMatch(new RegExp(`\\| mgda \\| [^\\n]*\\| ${dm.replace(/[+.]/g, '\\$&')} \\|`));
    expect(md).toContain('## Per seed');
    // Gradient conflicts per pair over seeds: the mean of each seed's mean cosine.
    const cos = printed.series.reports.map((r) => {
      const c = r.runs.find((x) => x.strategy === 'mgda')!.conflicts!;
      return c.cosine[c.tasks.indexOf('species')]![c.tasks.indexOf('sex')]!;
    });
    const meanCos = Number(((cos[0]! + cos[1]!) / 2).toPrecision(4)).toString();
    expect(md).toContain('## Gradient conflicts (over seeds)');
    expect(md).toMatch(new RegExp(`\\| mgda \\| species ↔ sex \\| ${meanCos.replace('.', '\\.')} ± `));
    expect(md.match(/^\| mgda \| [12] \|/gm)).toHaveLength(2);
    const html = readFileSync(join(full, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Training loss per epoch</h2>');
    expect(html).toContain('<h2>Δm% by strategy and seed</h2>');
    expect(html.match(/<svg/g)!.length).toBeGreaterThanOrEqual(3);
  });

  test('killed mid-series and resumed: the same report as uninterrupted; report --from rebuilds it exactly', async () => {
    const parted = join(dir, 'parted');
    // Stop inside the series, inside a run: after the first epoch of seed 2's mgda run (run 7 of 10).
    const a = await run([...args, '--out', parted], {
      progress: true,
      abortWhen: (_out, err) => err.includes('[run 7/10 · strategy mgda · seed 2] epoch 1/2'),
    });
    expect(a.code).toBe(130);
    expect(a.err).toMatch(/Continue the series with:\n {2}multitask compare .*--seeds 1-2.* --resume\n/);
    expect(existsSync(join(parted, 'report.json'))).toBe(false);
    expect(a.err).toMatch(
      /1 completed epoch\(s\) of this run are saved in .*strategy-mgda-seed-2\/checkpoint/,
    );
    expect(existsSync(join(parted, 'runs', 'strategy-static-seed-2', 'run.json'))).toBe(true);
    expect(existsSync(join(parted, 'runs', 'strategy-mgda-seed-2', 'run.json'))).toBe(false);
    expect(existsSync(join(parted, 'runs', 'baseline-species-seed-2'))).toBe(false);
    // Without --resume the series is refused rather than overwritten.
    const again = await run([...args, '--out', parted]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('holds an earlier series (series.json) — pass --resume');
    // report --from an unfinished series names the first missing run.
    const early = await run(['report', '--from', parted]);
    expect(early.code).toBe(1);
    expect(early.err).toMatch(/strategy-mgda-seed-2 holds no finished run \(no run\.json\)/);

    const finished = join(parted, 'runs', 'strategy-static-seed-1', 'run.json');
    const finishedAt = statSync(finished).mtimeMs;
    const before = tf.memory().numTensors;
    const b = await run([...args, '--out', parted, '--resume']);
    // The finished units were read back, not trained again.
    expect(statSync(finished).mtimeMs).toBe(finishedAt);
    expect(tf.memory().numTensors).toBe(before);
    expect(b.code).toBe(0);
    // Only the interrupted run continued from its checkpoint; the six finished ones were read back.
    expect(b.out.match(/resumed from .* after epoch \d+/g)).toEqual([
      expect.stringMatching(/strategy-mgda-seed-2\/checkpoint.* after epoch 1$/),
    ]);
    expect(b.out).toContain('## Strategies (over seeds)');
    expect(timeless(readSaved(parted))).toEqual(timeless(readSaved(full)));

    const written = filesOf(parted);
    const c = await run(['report', '--from', parted]);
    expect(c.code).toBe(0);
    expect(c.err).toBe('');
    expect(filesOf(parted)).toEqual(written);
    const elsewhere = join(dir, 'rerendered');
    const d = await run(['report', '--from', full, '--out', elsewhere]);
    expect(d.code).toBe(0);
    expect(filesOf(elsewhere)).toEqual(filesOf(full));
    expect(d.out).toContain(readFileSync(join(full, 'report.md'), 'utf8').trimEnd());
  });

  test('--resume with more seeds extends a finished series: only the new seed trains', async () => {
    const extended = join(dir, 'extended');
    const first = await run([...args, '--out', extended]);
    expect(first.code).toBe(0);
    const more = args.map((a) => (a === '1-2' ? '1-3' : a));
    const finished = join(extended, 'runs', 'strategy-mgda-seed-2', 'run.json');
    const finishedAt = statSync(finished).mtimeMs;
    const r = await run([...more, '--out', extended, '--resume', '--json']);
    expect(r.code).toBe(0);
    expect(statSync(finished).mtimeMs).toBe(finishedAt);
    expect(readdirSync(join(extended, 'runs'))).toHaveLength(15);
    const saved = JSON.parse(r.out) as SavedSeries;
    expect(saved.series.seeds).toEqual([1, 2, 3]);
    expect(saved.summary.strategies[0]!.deltaM!.n).toBe(3);
    expect(timeless(saved.series.reports.slice(0, 2))).toEqual(timeless(printed.series.reports));
    const rebuilt = await run(['report', '--from', extended]);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.out).toContain('over n = 3 seeds');
  });
});

describe('the series report on fixed numbers (golden)', () => {
  const report = (seed: number, a: number, b: number, baseA: number, baseB: number) => ({
    title: `t seed ${seed}`,
    runs: [
      {
        strategy: 'equal',
        tasks: ['a', 'b'],
        epochs: [{ epoch: 0, trainLosses: { a: 1 / seed, b: 2 / seed }, seconds: 1 }],
        finalMetrics: { a: { accuracy: a }, b: { mse: b } },
      },
    ],
    baselines: { a: { accuracy: baseA }, b: { mse: baseB } },
  });
  // Seed 1: a 0.9 vs 0.8 → +12.5 %, b 0.8 vs 1 → +20 % ⇒ Δm +16.25, flat −16.25.
  // Seed 2: a 0.7 vs 0.7 → 0 %, b 1.1 vs 1 → −10 % ⇒ Δm −5, flat +5.
  const series: SeriesReport = {
    title: 'golden',
    seeds: [1, 2],
    reports: [report(1, 0.9, 0.8, 0.8, 1), report(2, 0.7, 1.1, 0.7, 1)],
  };

  test('aggregates and Markdown cells', () => {
    const s = summarizeSeries(series);
    const equal = s.strategies[0]!;
    expect(equal.deltaM!.values.map((v) => Number(v!.toFixed(10)))).toEqual([16.25, -5]);
    expect(equal.deltaM!.mean).toBeCloseTo(5.625, 12);
    expect(equal.deltaM!.std).toBeCloseTo(21.25 / Math.SQRT2, 12);
    expect(equal.flatDeltaM!.values.map((v) => Number(v!.toFixed(10)))).toEqual([-16.25, 5]);
    expect(equal.perTaskDeltaM!.a!.values.map((v) => Number(v!.toFixed(10)))).toEqual([12.5, 0]);
    expect(equal.metrics.a!.accuracy!.mean).toBeCloseTo(0.8, 12);
    expect(s.baselines!.b!.mse).toMatchObject({ mean: 1, std: 0, n: 2 });
    const md = seriesMarkdown(series);
    // 0.8 ± 0.1414 (std of 0.9 and 0.7), 0.95 ± 0.2121, Δm ±15.03; the mean 5.625 is 5.62499… in floating point.
    expect(md).toContain('| equal | 0.8 ± 0.14 | 0.95 ± 0.21 | +5.62 ± 15.03 | -5.62 ± 15.03 |');
    expect(md).toContain('| single-task baseline | 0.75 ± 0.071 | 1 ± 0 | 0.00 | 0.00 |');
    expect(md).toContain('| equal | 2 | 0.7 | 1.1 | -5.00 | +5.00 |');
  });

  test('one seed: no ±, no std; a seed without a value shows (n=k)', async () => {
    const one: SeriesReport = { title: 'one', seeds: [1], reports: [series.reports[0]!] };
    const md = seriesMarkdown(one);
    expect(md).toContain('| equal | 0.9 | 0.8 | +16.25 | -16.25 |');
    expect(md).toContain('over n = 1 seed (no ± with one seed');
    // Seed 2 without b's metric: that cell averages one seed; seed 2 with a zero baseline: no Δm% for it.
    const second = series.reports[1]!;
    const partial: SeriesReport = {
      ...series,
      reports: [
        series.reports[0]!,
        { ...second, runs: [{ ...second.runs[0]!, finalMetrics: { a: { accuracy: 0.7 } } }] },
      ],
    };
    expect(seriesMarkdown(partial)).toContain('| equal | 0.8 ± 0.14 | 0.8 (n=1) |');
    const zero: SeriesReport = {
      ...series,
      reports: [series.reports[0]!, { ...second, baselines: { a: { accuracy: 0 }, b: { mse: 1 } } }],
    };
    const zmd = seriesMarkdown(zero);
    expect(zmd).toMatch(
      /- equal: Δm% not computed for seed 2: .*metric "accuracy" of task "a" needs a finite, non-zero baseline/,
    );
    expect(zmd).toContain('| +16.25 (n=1) | -16.25 (n=1) |');
    const html = await seriesHtml(series);
    expect(html).toContain('<td>+5.62 ± 15.03</td>');
    expect(html.match(/<svg/g)).toHaveLength(2); // Δm% by seed, training loss per epoch
  });
});

describe('the series report bytes (pinned)', () => {
  /** One seed's report with every section: validation, steps with weights, conflicts, notes, an odd title. */
  const seedReport = (seed: number): ExperimentReport => {
    const run = (strategy: string, tilt: number): ExperimentReport['runs'][number] => {
      const conflicts = conflictRecorder();
      for (let step = 0; step < 12; step++) {
        const w = 0.5 + 0.2 * Math.sin((tilt * step + seed) / 3);
        conflicts.onStepEnd({
          step,
          epoch: Math.floor(step / 4),
          losses: { a: 2 / (step + seed), b: 1 / (step + 1) + 0.1 * tilt },
          weights: { a: w, b: 1 - w },
          totalLoss: 1,
          rows: 8,
        });
        if (step % 2 === 0) {
          const c = Math.cos(((60 + 50 * tilt * (step % 4 === 0 ? 1 : -1)) * Math.PI) / 180);
          conflicts.onGradientStats({
            step,
            epoch: Math.floor(step / 4),
            tasks: ['a', 'b'],
            gramian: [
              [1, 0.5 * c],
              [0.5 * c, 0.25],
            ],
            mode: 'parameters',
          });
        }
      }
      return {
        strategy,
        tasks: ['a', 'b'],
        epochs: [0, 1, 2].map((epoch) => ({
          epoch,
          trainLosses: { a: 1 / (epoch + seed), b: 0.5 / (epoch + tilt) },
          validation: { a: { accuracy: 0.6 + 0.1 * epoch * tilt }, b: { mse: 1 / (epoch + seed + tilt) } },
          step: 4 * (epoch + 1),
          seconds: 1,
        })),
        conflicts: conflicts.summary(),
        finalMetrics: { a: { accuracy: 0.8 + 0.01 * seed * tilt }, b: { mse: 0.5 - 0.02 * seed * tilt } },
        seconds: 2 + seed,
      };
    };
    return {
      title: `seed ${seed}`,
      runs: [run('equal', 1), run('mgda <&> "x"', 2)],
      baselines: { a: { accuracy: 0.8 }, b: { mse: 0.5 } },
    };
  };
  const series: SeriesReport = {
    title: 'Pinned <series> & "report"',
    description: "Two seeds, two strategies, every section; it's escaped.",
    createdAt: '2026-11-27T18:00:00Z',
    seeds: [1, 2],
    reports: [seedReport(1), seedReport(2)],
  };
  // vega numbers its SVG gradients with a process-wide counter (`gradient_0`, `gradient_1`…), so a page's ids
  // depend on what rendered before it: hash them as one placeholder.
  const sha = (text: string): string =>
    createHash('sha256')
      .update(text.replace(/gradient_\d+/g, 'gradient_N'), 'utf8')
      .digest('hex');

  // Recorded at 5f3de70, before report-series.ts took its HTML pieces from @multitask/eval: the pages must
  // stay byte-identical.
  test('HTML, Markdown and JSON are byte-identical to the recorded ones', async () => {
    const html = await seriesHtml(series);
    expect(html.match(/<svg/g)).toHaveLength(4);
    expect(html).toContain('<h2>Gradient conflicts (over seeds)</h2>');
    expect(html).toContain('<tr class="baseline"><td>single-task baseline</td>');
    expect(html).toContain('<title>Pinned &lt;series&gt; &amp; &quot;report&quot;</title>');
    expect(sha(html)).toBe('d83d9db461c4ce594819170f39a6333bdcb9dc609e2c339a3c7fa9d724509ac2');
    expect(sha(seriesMarkdown(series))).toBe(
      '404d045cf182ca163aea474c44d06b72f22945b6e578b28fa0058c0600b36813',
    );
    expect(sha(seriesJson(series))).toBe('9b9c42484f945c948b2db3cd56ba35faeffabf967bca761c727def69c2100d86');
  });
});
