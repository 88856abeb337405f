// Shared by the playground's browser tests (test/playground-*.test.ts): the BUILT site
// (npm run build:playground) served from a sub-path on localhost, one headless Chromium per
// test file, and a fresh browser context per test, so work saved in localStorage never leaks
// from one test into the next.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { serveStatic, type StaticSite } from '../playground/serve.js';

// Callbacks given to page.evaluate run in the page; this program has no DOM types of its own.
declare const document: any;
declare const window: any;

export const ROOT = join(import.meta.dirname, '..');
// PLAYGROUND_DIST points the tests at another build (an older commit's, to see them fail there).
const DIST = process.env.PLAYGROUND_DIST ?? join(ROOT, 'playground', 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/**
 * Waits are for the page to show something, never assertions about speed. PLAYGROUND_WAIT_MS
 * shortens them when the tests are run against an older build to see them fail.
 */
export const UI = { timeout: Number(process.env.PLAYGROUND_WAIT_MS ?? 60_000) };

export interface PlaygroundBrowser {
  readonly url: () => string;
  readonly pageErrors: string[];
  fresh(viewport?: { width: number; height: number }, colorScheme?: 'light' | 'dark'): Promise<BrowserContext>;
  open(hash?: string, ctx?: BrowserContext): Promise<Page>;
  shot(page: Page, name: string): Promise<void>;
  readonly shots: string;
}

/** Registers the file's beforeAll/afterEach/afterAll; screenshots go to test/.tmp/<name>/. */
export function usePlayground(name: string): PlaygroundBrowser {
  const shots = join(ROOT, 'test', '.tmp', name);
  let site: StaticSite;
  let browser: Browser;
  let context: BrowserContext | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(DIST, 'index.html'))) throw new Error('playground/dist is missing: run `npm run build:playground` first (npm test does)');
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
    rmSync(shots, { recursive: true, force: true });
    mkdirSync(shots, { recursive: true });
    site = await serveStatic(DIST);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  }, 60_000);
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  const fresh = async (viewport = { width: 1440, height: 900 }, colorScheme: 'light' | 'dark' = 'light'): Promise<BrowserContext> => {
    await context?.close();
    context = await browser.newContext({ viewport, colorScheme });
    return context;
  };
  return {
    url: () => site.url,
    pageErrors,
    shots,
    fresh,
    async open(hash = '', ctx?: BrowserContext): Promise<Page> {
      const page = await (ctx ?? (await fresh())).newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(site.url + hash);
      await ready(page);
      return page;
    },
    async shot(page: Page, file: string): Promise<void> {
      await page.screenshot({ path: join(shots, `${file}.png`) });
    },
  };
}

export async function ready(page: Page): Promise<void> {
  await page.locator('body.ready').waitFor(UI);
  await page.locator('#problem-count', { hasText: /problem|error|warning/ }).waitFor(UI);
}

export async function openExample(page: Page, id: string): Promise<void> {
  await page.click('#examples-button');
  await page.click(`#examples [data-example="${id}"]`);
}

/** Waits for a finished run of `loss` and returns the value as shown. */
export async function result(page: Page, loss: string): Promise<string> {
  await page.waitForFunction((name: string) => {
    const out = document.querySelector('#run-output');
    return out?.getAttribute('data-state') === 'done' && out.getAttribute('data-loss') === name && document.querySelector('#run-value');
  }, loss, UI);
  return page.locator('#run-value').innerText();
}

/** Replaces the editor's text as a paste. */
export async function pasteSource(page: Page, text: string): Promise<void> {
  await page.locator('#editor .view-lines').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(text);
  await expect.poll(() => page.evaluate(() => window.__lossc.text), UI).toBe(text);
}
