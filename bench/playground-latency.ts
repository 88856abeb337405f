// Keystroke-to-markers latency of the playground, per stdlib file: the built site in headless
// Chromium, each file pasted into the editor, then keystrokes at its end (a stray 'z', which is
// a syntax error, and its deletion, alternately). For each keystroke, the time from the key
// event to the editor's markers being set for that text, as the page records it: first the
// quick pass (syntax, names, types, shapes), then the complete one (with stability findings).
//
//   npm run bench:playground        (builds the site, then runs this)
//
// Prints a table and writes bench/results/playground-latency.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { serveStatic } from '../playground/serve.js';

/** The checkout: the nearest folder up with the playground in it (this runs compiled, from build/). */
const ROOT = ((): string => {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'playground', 'vite.config.ts')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const KEYS = 30;

interface Entry { version: number; key: number; markers?: number; check?: number; complete?: number; stabilityCheck?: number }
declare const window: { __lossc: { latency: Entry[]; version: number } };

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

async function main(): Promise<void> {
  const site = await serveStatic(join(ROOT, 'playground', 'dist'));
  const profile = mkdtempSync(join(tmpdir(), 'lossc-bench-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true, viewport: { width: 1400, height: 900 } });
  const rows: { file: string; lines: number; keys: number; median: number; p95: number; max: number; completeMedian: number; completeP95: number; checkMedian: number; stabilityCheckMedian: number }[] = [];
  try {
    const page = await context.newPage();
    await page.goto(site.url);
    await page.locator('body.ready').waitFor({ timeout: 60_000 });
    const settled = (v: number): Promise<unknown> => page.waitForFunction((x) => window.__lossc.latency.some((l) => l.version === x && l.complete !== undefined), v, { timeout: 60_000 });
    for (const file of readdirSync(join(ROOT, 'stdlib')).filter((f) => f.endsWith('.loss')).sort()) {
      const text = readFileSync(join(ROOT, 'stdlib', file), 'utf8');
      await page.locator('#editor .view-lines').click();
      await page.keyboard.press('ControlOrMeta+a');
      await page.keyboard.insertText(text);
      await settled(await page.evaluate(() => window.__lossc.version));
      await page.keyboard.press('ControlOrMeta+End');
      const latencies: number[] = [];
      const completes: number[] = [];
      const checks: number[] = [];
      const stabilityChecks: number[] = [];
      for (let i = 0; i < KEYS; i++) {
        await page.keyboard.press(i % 2 === 0 ? 'z' : 'Backspace');
        const v = await page.evaluate(() => window.__lossc.version);
        await settled(v);
        const e = await page.evaluate((x) => window.__lossc.latency.find((l) => l.version === x)!, v);
        latencies.push(e.markers! - e.key);
        completes.push(e.complete! - e.key);
        checks.push(e.check ?? NaN);
        stabilityChecks.push(e.stabilityCheck ?? NaN);
      }
      rows.push({ file, lines: text.split('\n').length, keys: KEYS, median: quantile(latencies, 0.5), p95: quantile(latencies, 0.95), max: Math.max(...latencies),
        completeMedian: quantile(completes, 0.5), completeP95: quantile(completes, 0.95), checkMedian: quantile(checks, 0.5), stabilityCheckMedian: quantile(stabilityChecks, 0.5) });
    }
  } finally {
    await context.close();
    await site.close();
    rmSync(profile, { recursive: true, force: true });
  }
  const ms = (x: number): string => x.toFixed(1).padStart(8);
  console.log(`keystroke → markers, ${KEYS} keystrokes per file (ms)\n`);
  console.log(`${''.padEnd(28)}${'first markers'.padStart(24)}${'with stability'.padStart(16)}${'check in the worker'.padStart(22)}`);
  console.log(`${'file'.padEnd(22)}${'lines'.padStart(6)}${'median'.padStart(8)}${'p95'.padStart(8)}${'max'.padStart(8)}${'median'.padStart(8)}${'p95'.padStart(8)}${'quick'.padStart(11)}${'complete'.padStart(11)}`);
  for (const r of rows) {
    console.log(`${r.file.padEnd(22)}${String(r.lines).padStart(6)}${ms(r.median)}${ms(r.p95)}${ms(r.max)}${ms(r.completeMedian)}${ms(r.completeP95)}${ms(r.checkMedian).padStart(11)}${ms(r.stabilityCheckMedian).padStart(11)}`);
  }
  const chromiumVersion = (() => {
    try {
      return execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'unknown';
    }
  })();
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const out = join(ROOT, 'bench', 'results', 'playground-latency.json');
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, chromium: chromiumVersion, cpus: cpus().length, keystrokesPerFile: KEYS, rows }, (_, v: unknown) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v), 2)}\n`);
  console.log(`\nwritten to ${out}`);
}

await main();
