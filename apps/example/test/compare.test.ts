import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ExperimentReport, ExperimentSummary } from '@multitask/eval';
import { testBackendName } from '@multitask/test-utils';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main, type ExperimentResult } from '../src/index.ts';

const configs = join(dirname(fileURLToPath(import.meta.url)), '..', 'configs');
const dir = mkdtempSync(join(tmpdir(), 'multitask-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The penguins config pinned to the test backend, written to a temp file. */
function penguins(): string {
  const c = JSON.parse(readFileSync(join(configs, 'penguins.json'), 'utf8')) as Record<string, unknown>;
  c.backend = testBackendName();
  const file = join(dir, 'penguins.json');
  writeFileSync(file, JSON.stringify(c));
  return file;
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

interface SavedReport {
  readonly summary: ExperimentSummary;
  readonly report: ExperimentReport;
}

const EPOCHS = 8;
const SEED = 4;
const outDir = join(dir, 'report');
let printed: SavedReport;

describe('multitask compare on penguins (static vs mgda, with single-task baselines)', () => {
  beforeAll(async () => {
    const r = await run([
      'compare',
      '--config',
      penguins(),
      '--strategies',
      'static,mgda',
      '--epochs',
      String(EPOCHS),
      '--seed',
      String(SEED),
      '--baselines',
      '--every',
      '3',
      '--out',
      outDir,
      '--json',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    printed = JSON.parse(lines[0]!) as SavedReport;
  });

  test('--json prints { summary, report } with both strategies, Δm% in both conventions, and baselines', () => {
    const { summary, report } = printed;
    expect(summary.strategies.map((s) => s.strategy)).toEqual(['static', 'mgda']);
    expect(Object.keys(report.baselines!).sort()).toEqual(['body_mass', 'sex', 'species']);
    // The trainer's `loss` is left out of tasks that have real metrics.
    expect(Object.keys(report.runs[0]!.finalMetrics.body_mass!).sort()).toEqual(['mae', 'mse']);
    expect(Object.keys(report.baselines!.species!)).toEqual(['accuracy']);
    for (const s of summary.strategies) {
      const run = report.runs.find((r) => r.strategy === s.strategy)!;
      const base = report.baselines!;
      // Δm% by hand (the library's convention): per task the mean of s·(M − B)/|B| over its metrics, s = +1 for
      // accuracy and −1 for mse/mae, then the mean over the 3 tasks, ×100. Flat: the mean over all 4 metrics
      // of −s·(M − B)/|B|, ×100.
      const rel = (task: string, metric: string, sign: number): number =>
        (sign * (run.finalMetrics[task]![metric]! - base[task]![metric]!)) / Math.abs(base[task]![metric]!);
      const species = rel('species', 'accuracy', 1);
      const sex = rel('sex', 'accuracy', 1);
      const mass = [rel('body_mass', 'mse', -1), rel('body_mass', 'mae', -1)];
      const expected = (100 * (species + sex + (mass[0]! + mass[1]!) / 2)) / 3;
      const flat = (-100 * (species + sex + mass[0]! + mass[1]!)) / 4;
      expect(s.deltaM).toBeCloseTo(expected, 9);
      expect(s.flatDeltaM).toBeCloseTo(flat, 9);
    }
  });

  test('every run recorded Gramians every 3 steps, histories, and task weights over time', () => {
    // 273 training rows (penguins, 80 %) in batches of 32 → 9 steps per epoch; steps 0, 3, 6, … → 3 per epoch.
    for (const run of printed.report.runs) {
      expect(run.epochs).toHaveLength(EPOCHS);
      expect(run.conflicts!.steps).toBe(9 * EPOCHS);
      expect(run.conflicts!.events).toBe(3 * EPOCHS);
      expect(run.conflicts!.tasks).toEqual(['species', 'sex', 'body_mass']);
      expect(run.conflicts!.stepHistory.every((s) => s.weights !== undefined)).toBe(true);
    }
    const weights = (strategy: string): number[] =>
      printed.report.runs
        .find((r) => r.strategy === strategy)!
        .conflicts!.stepHistory.map((s) => s.weights!.species!);
    expect(new Set(weights('static')).size).toBe(1); // static weights never change
    expect(new Set(weights('mgda')).size).toBeGreaterThan(5); // MGDA re-solves its weights every step
  });

  test('strategies are trained on the same data from the same seed: static equals `train --strategy static`', async () => {
    const r = await run([
      'train',
      '--config',
      penguins(),
      '--strategy',
      'static',
      '--epochs',
      String(EPOCHS),
      '--seed',
      String(SEED),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const single = JSON.parse(r.out) as ExperimentResult;
    const fromCompare = printed.report.runs[0]!.finalMetrics;
    expect(fromCompare.species!.accuracy).toBe(single.test.species!.accuracy);
    expect(fromCompare.body_mass!.mse).toBe(single.test.body_mass!.mse);
  });

  test('--out wrote report.json (the printed object), report.md and report.html', () => {
    const saved = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as SavedReport;
    expect(saved).toEqual(printed);
    const md = readFileSync(join(outDir, 'report.md'), 'utf8');
    expect(md).toMatch(/^\| static( \(best\))? \|/m);
    expect(md).toMatch(/^\| mgda( \(best\))? \|/m);
    expect(md).toMatch(/Δm% ↑ \| flat Δm% ↓/);
    const html = readFileSync(join(outDir, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
  });

  test('`report --from` re-renders the same Markdown and HTML from report.json', async () => {
    const again = join(dir, 'again');
    const r = await run(['report', '--from', outDir, '--out', again]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('| strategy |');
    for (const f of ['report.md', 'report.json'])
      expect(readFileSync(join(again, f), 'utf8')).toBe(readFileSync(join(outDir, f), 'utf8'));
    // vega numbers SVG gradient ids with a process-wide counter (gradient_0, gradient_1, …): the colour-legend
    // id of the second rendering in this process differs; everything else is identical.
    const html = (d: string): string =>
      readFileSync(join(d, 'report.html'), 'utf8').replace(/gradient_\d+/g, 'gradient_N');
    expect(html(again)).toBe(html(outDir));
  });

  const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
  const hasChromium = existsSync(chromium);
  if (!hasChromium) console.warn(`[compare.test] ${chromium} not found: skipping the headless-browser check`);

  test.skipIf(!hasChromium)('the HTML report renders in headless Chromium with its SVG plots', () => {
    const profile = mkdtempSync(join(dir, 'chromium-'));
    const url = pathToFileURL(join(outDir, 'report.html')).href;
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${profile}`,
      '--enable-logging=stderr',
      '--v=0',
    ];
    const dom = spawnSync(chromium, [...flags, '--dump-dom', url], { encoding: 'utf8', timeout: 60_000 });
    expect(dom.status).toBe(0);
    // No page errors: no console messages, no failed loads (the page is self-contained).
    expect(dom.stderr).not.toMatch(/CONSOLE\(|Uncaught|ERR_FILE_NOT_FOUND|net::ERR/);
    const html = dom.stdout;
    for (const title of [
      'Δm% by strategy',
      'Training loss per epoch',
      'Task weights over time',
      'Gradient conflict matrix',
      'Gradient cosine over time',
    ]) {
      // Each plot section holds a rendered vega SVG with marks in it.
      const at = html.indexOf(`<h2>${title}</h2>`);
      expect(at, title).toBeGreaterThan(0);
      const svg = /<svg[\s\S]*?<\/svg>/.exec(html.slice(at))?.[0] ?? '';
      expect(svg, title).toMatch(/class="[^"]*mark-/);
    }
    expect(html.match(/<svg/g)!.length).toBeGreaterThanOrEqual(6);
    const png = join(dir, 'report.png');
    const shot = spawnSync(chromium, [...flags, '--window-size=1200,2400', `--screenshot=${png}`, url], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(shot.status).toBe(0);
    const header = readFileSync(png).subarray(0, 24);
    expect(header.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(header.readUInt32BE(16)).toBe(1200); // IHDR width
    expect(statSync(png).size).toBeGreaterThan(50_000); // a blank page compresses to a few kB
  });
});

describe('compare text output', () => {
  test('names the backend, one line per run, then the Markdown table', async () => {
    const r = await run(['compare', '--config', penguins(), '--strategies', 'uncertainty', '--epochs', '2']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^backend: ${testBackendName()} `, 'm'));
    expect(r.out).toMatch(/^strategy uncertainty: 18 steps in [\d.]+ s — species accuracy 0\.\d{4}/m);
    expect(r.out).toMatch(/^\| uncertainty \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|$/m); // no Δm% columns
    expect(r.out).not.toMatch(/report written/);
  });
});

describe('compare usage and bad input stop before training', () => {
  test('missing --strategies, unknown or repeated strategy, missing report.json', async () => {
    const none = await run(['compare', '--config', penguins()]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/--strategies A,B is required/);
    const unknown = await run(['compare', '--config', penguins(), '--strategies', 'static,magic']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/Unknown weighting strategy "magic"\. Known: .*mgda/);
    const twice = await run(['compare', '--config', penguins(), '--strategies', 'mgda,mgda']);
    expect(twice.err).toMatch(/"mgda" is listed twice/);
    const noReport = await run(['report', '--from', join(dir, 'nowhere')]);
    expect(noReport.code).toBe(1);
    expect(noReport.err).toMatch(/Cannot read .*nowhere\/report\.json/);
  });
});
