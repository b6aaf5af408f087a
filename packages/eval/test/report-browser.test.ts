/**
 * Opens the HTML report in headless Chromium (Debian's /usr/bin/chromium) and checks that it renders: the DOM
 * holds one SVG per chart with drawn marks and no error text, and a full-page screenshot is produced.
 * Skipped, with a message, when Chromium is not installed. Set EVAL_REPORT_OUT=<dir> to keep the files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { writeReport } from '../src/node/index.ts';
import { reportCharts, summarizeExperiment } from '../src/index.ts';
import { syntheticReport } from './fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `[@multitask/eval] ${CHROMIUM} not found — skipping the headless-browser report test (apt-get install chromium).`,
  );

const keep = process.env.EVAL_REPORT_OUT;
const dir = keep ?? mkdtempSync(join(tmpdir(), 'multitask-eval-report-'));
afterAll(() => {
  if (keep === undefined) rmSync(dir, { recursive: true, force: true });
});

function chromium(args: string[]): { stdout: string; stderr: string; status: number | null } {
  const profile = mkdtempSync(join(tmpdir(), 'multitask-eval-chromium-'));
  try {
    const r = spawnSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { encoding: 'utf8', timeout: 50_000, maxBuffer: 64 * 1024 * 1024 },
    );
    return { stdout: r.stdout, stderr: r.stderr, status: r.status };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

describe.skipIf(!hasChromium)('HTML report in headless Chromium', () => {
  const report = syntheticReport();
  const charts = reportCharts(report.runs, summarizeExperiment(report));

  test('the DOM shows every chart as a drawn SVG and no error text', async () => {
    const files = await writeReport(dir, report);
    expect(JSON.parse(readFileSync(files.json, 'utf8')).summary.best).toBe('pcgrad');
    expect(readFileSync(files.markdown, 'utf8')).toContain('| pcgrad (best) |');
    const r = chromium(['--dump-dom', pathToFileURL(files.html).href]);
    expect(r.status).toBe(0);
    const dom = r.stdout;
    expect(dom).toContain('<h1>Synthetic &lt;digit &amp; depth&gt; report</h1>');
    const svgs = dom.match(/<svg[\s>][\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(charts.length);
    for (const svg of svgs) {
      expect(svg).toMatch(/width="\d+"/);
      expect(svg).toMatch(/<path|<rect|<line/); // marks were drawn
    }
    expect(svgs.filter((s) => s.includes('<path')).length).toBeGreaterThanOrEqual(5); // line and bar marks are paths
    expect(dom).not.toMatch(/NaN|undefined|\[object Object\]|Error/);
  }, 60_000);

  test('a full-page screenshot renders', async () => {
    const files = await writeReport(dir, report);
    const png = join(dir, 'report.png');
    const r = chromium([
      `--screenshot=${png}`,
      '--window-size=1200,2000',
      '--hide-scrollbars',
      pathToFileURL(files.html).href,
    ]);
    expect(r.status).toBe(0);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(bytes.readUInt32BE(16)).toBe(1200); // IHDR width
    expect(bytes.readUInt32BE(20)).toBe(2000); // IHDR height
    expect(statSync(png).size).toBeGreaterThan(50_000); // a blank page compresses to a few kB
  }, 60_000);
});
