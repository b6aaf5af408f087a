/* global process, console, window */
// Browser test: builds nothing itself (run `vite build` first; `pnpm test:browser` does), serves dist/ with
// `vite preview`, opens the page in headless Chromium from the system (Debian's `chromium`, driven by
// playwright-core — no browser download), and checks that training ran on WebGL and both task losses fell.
// A screenshot is kept as test-results/page.png. Without Chromium the test is skipped with a message, except in
// CI (CI set), where that is a failure.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const candidates = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];
const executablePath = candidates.find((p) => p && existsSync(p));
const inCI = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';
const skip =
  executablePath === undefined && !inCI
    ? 'Chromium not found (set CHROMIUM_PATH, or `apt-get install -y chromium`); skipped outside CI'
    : false;

test(
  'the page trains a two-task model on WebGL and both losses fall',
  { skip, timeout: 300_000 },
  async () => {
    assert.ok(
      executablePath,
      'Chromium is required in CI: `apt-get install -y chromium` (looked in ' +
        candidates.filter(Boolean).join(', ') +
        ')',
    );
    assert.ok(
      existsSync(join(appDir, 'dist', 'index.html')),
      'build the page first: `vite build` (pnpm test:browser does)',
    );
    const { preview } = await import('vite');
    const { chromium } = await import('playwright-core');
    const server = await preview({
      root: appDir,
      logLevel: 'warn',
      preview: { host: '127.0.0.1', port: 0, strictPort: false },
    });
    const url = server.resolvedUrls?.local[0];
    assert.ok(url, 'vite preview did not report a URL');
    const browser = await chromium.launch({
      executablePath,
      headless: true,
      // Headless Chromium renders WebGL in software through SwiftShader.
      args: [
        '--no-sandbox',
        '--use-angle=swiftshader',
        '--enable-unsafe-swiftshader',
        '--ignore-gpu-blocklist',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 820, height: 640 } });
      const logs = [];
      page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
      await page.goto(url);
      await page.waitForFunction(() => window.multitask?.done === true, undefined, { timeout: 240_000 });
      const state = await page.evaluate(() => window.multitask);
      mkdirSync(join(appDir, 'test-results'), { recursive: true });
      const shot = join(appDir, 'test-results', 'page.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`backend ${state.backend}; screenshot ${shot}`);
      assert.equal(state.error, undefined, `the page failed: ${state.error}\n${logs.join('\n')}`);
      assert.equal(
        state.backend,
        'webgl',
        `expected the webgl backend, got ${state.backend}\n${logs.join('\n')}`,
      );
      for (const [task, losses] of Object.entries(state.losses)) {
        assert.ok(losses.length >= 50, `${task}: only ${losses.length} steps recorded`);
        const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const first = mean(losses.slice(0, 8));
        const last = mean(losses.slice(-8));
        console.log(
          `${task}: loss ${first.toFixed(4)} (first 8 steps) → ${last.toFixed(4)} (last 8), ${losses.length} steps`,
        );
        assert.ok(last < first / 2, `${task}: loss did not fall by half (${first} → ${last})`);
      }
    } finally {
      await browser.close();
      await new Promise((resolve) => server.httpServer.close(resolve));
    }
  },
);
