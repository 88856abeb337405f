// The playground as a person uses it: the BUILT site (npm run build:playground) served from a
// sub-path on localhost, in headless Chromium. Screenshots of the main states go to
// test/.tmp/playground/ (gitignored) to be looked at.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic, type StaticSite } from '../playground/serve.js';

// Callbacks given to page.evaluate run in the page; this program has no DOM types of its own.
declare const document: { querySelector(selector: string): any };
declare const window: { __lossc: { text: string } };

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'playground', 'dist');
const SHOTS = join(ROOT, 'test', '.tmp', 'playground');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// Waits are for the page to show something, never assertions about speed.
const UI = { timeout: 60_000 };

let site: StaticSite;
let context: BrowserContext;
let profile: string;
const pageErrors: string[] = [];

async function open(hash = ''): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.addInitScript(CHAR_BOX);
  // Each test starts from the starter text: the work an earlier test left is saved in this
  // profile's localStorage, and the page would bring it back (test/playground-state covers that).
  await page.addInitScript('localStorage.clear()');
  await page.goto(site.url + hash);
  await page.locator('body.ready').waitFor(UI);
  await page.locator('#problem-count', { hasText: /problem|error|warning/ }).waitFor(UI);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Replaces the editor's text by typing it, as a person would. */
async function typeSource(page: Page, text: string): Promise<void> {
  await page.locator('#editor .view-lines').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
  await page.keyboard.press('Escape'); // close the completion list if it is open
}

/** The screen box of the character at `offset` of the first matching line (Range over its text). */
const CHAR_BOX = `window.charBox = (selector, offset) => {
  const line = document.querySelector(selector);
  const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (offset < node.length) {
      const range = document.createRange();
      range.setStart(node, offset);
      range.setEnd(node, offset + 1);
      const r = range.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    }
    offset -= node.length;
  }
  throw new Error('no such character');
};`;
declare function charBox(selector: string, offset: number): { x: number; y: number; width: number; height: number };

const editorText = (page: Page): Promise<string> => page.evaluate(() => window.__lossc.text);

beforeAll(async () => {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error('playground/dist is missing: run `npm run build:playground` first (npm test does)');
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  site = await serveStatic(DIST);
  profile = mkdtempSync(join(tmpdir(), 'lossc-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true, viewport: { width: 1400, height: 900 } });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await site?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('playground in Chromium', { timeout: 120_000 }, () => {
  it('loads, lists every stdlib loss as an example, and starts TensorFlow.js', async () => {
    const page = await open();
    await page.locator('#backend', { hasText: /wasm|cpu/ }).waitFor(UI);
    await page.locator('#run-value').waitFor(UI);
    await shot(page, '01-loaded');
    await page.click('#examples-button');
    const stdlibLosses = readdirSync(join(ROOT, 'stdlib')).filter((f) => f.endsWith('.loss'))
      .flatMap((f) => [...readFileSync(join(ROOT, 'stdlib', f), 'utf8').matchAll(/^loss\s+(\w+)/gm)].map((m) => `${f}#${m[1]}`));
    const listed = await page.locator('#examples [data-example*="#"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-example')));
    expect(listed.sort()).toEqual(stdlibLosses.sort());
    await shot(page, '02-examples');
    await page.close();
  });

  it('marks a mistake where it is, with the checker\'s code and message, then shows the TypeScript once fixed', async () => {
    const page = await open();
    await typeSource(page, 'loss bad(x: [N], w: [N]) = mean(x * w) + y');
    const problem = page.locator('#problems .problem[data-code="E2001"]');
    await problem.waitFor(UI);
    expect(await problem.innerText()).toMatch(/1:42\s+E2001\s+unknown name 'y'/);
    // The squiggle sits under the 'y' (column 42), and hovering it shows code and message.
    const squiggle = page.locator('#editor .squiggly-error').first();
    await squiggle.waitFor(UI);
    const y = await page.evaluate(() => charBox('#editor .view-line', 41), undefined);
    // Monaco may re-render its decorations meanwhile (the element is then briefly detached).
    const under = async (): Promise<boolean> => {
      const s = await squiggle.boundingBox({ timeout: 2_000 }).catch(() => null);
      return s !== null && Math.abs(s.x - y.x) < 2 && Math.abs(s.x + s.width - (y.x + y.width)) < 2;
    };
    await expect.poll(under, { timeout: 15_000, interval: 250 }).toBe(true);
    await page.mouse.move(y.x + y.width / 2, y.y + y.height / 2);
    const hover = page.locator('.monaco-hover', { hasText: "unknown name 'y'" });
    await hover.waitFor(UI);
    expect(await hover.innerText()).toContain('E2001');
    await shot(page, '03-marker');

    await typeSource(page, 'loss bad(x: [N], w: [N]) = mean(x * w) + 1');
    await page.locator('#problem-count', { hasText: 'no problems' }).waitFor(UI);
    expect(await page.locator('#editor .squiggly-error').count()).toBe(0);
    await page.click('#tab-code');
    const code = page.locator('#code-editor .view-lines', { hasText: 'export function bad(' });
    await code.waitFor({ timeout: 90_000 });
    expect(await page.locator('#code-status').innerText()).toMatch(/TypeScript module/);
    await shot(page, '04-typescript');
    await page.close();
  });

  it('runs a stdlib loss on given inputs and shows what `lossc eval` prints', async () => {
    const inputs = { pred: [2.5, 0, 2.1, 10], target: [3, -0.5, 2, 8] };
    const file = join(mkdtempSync(join(tmpdir(), 'lossc-in-')), 'in.json');
    writeFileSync(file, JSON.stringify(inputs));
    const cli = JSON.parse(execFileSync(process.execPath, [join(ROOT, 'bin', 'lossc.js'), 'eval', join(ROOT, 'stdlib', 'regression.loss'), '--loss', 'huber', '--inputs', file, '--json', '--grad'], { encoding: 'utf8' })) as { loss: number; grads: Record<string, number[]> };

    const page = await open();
    await page.click('#examples-button');
    await page.click('#examples [data-example="regression.loss#huber"]');
    await page.locator('#run-loss').waitFor(UI);
    expect(await page.locator('#run-loss').inputValue()).toBe('huber');
    await page.click('#run-mode-json');
    await page.fill('#run-json', 'not json');
    await page.locator('#run-output .problem[data-code="E7004"]').waitFor(UI);
    await page.fill('#run-json', JSON.stringify(inputs));
    await page.click('#run-button');
    const value = page.locator('#run-value');
    await page.waitForFunction(() => document.querySelector('#run-output')?.getAttribute('data-state') === 'done' && document.querySelector('#run-value'), undefined, UI);
    await expect.poll(async () => Number(await value.innerText()), UI).toBeCloseTo(cli.loss, 6);
    for (const [name, g] of Object.entries(cli.grads)) {
      const norm = Math.hypot(...g);
      expect(Number(await page.locator(`[data-grad="${name}"]`).innerText())).toBeCloseTo(norm, 5);
    }
    await shot(page, '05-run');
    await page.close();
  });

  it('draws a sweep of losses and their gradients', async () => {
    // 21 points per sweep instead of 61 (the page's ?sweep-points option, as in
    // test/playground-plots): the same presets drawn, a third of the evaluations; the focal
    // preset's 244 evaluations of classification.loss took 48 s of this test on a loaded machine.
    const page = await open('?sweep-points=21');
    await page.click('#tab-plots');
    await page.click('#preset-regression');
    await page.locator('#plot-canvas[data-drawn="true"]').waitFor(UI);
    // Not blank: coloured (non-grey) pixels, i.e. curves, not just axes and text.
    const coloured = await page.evaluate(() => {
      const c = document.querySelector('#plot-canvas');
      const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height) as { data: Uint8ClampedArray };
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
        if (Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
      }
      return n;
    });
    expect(coloured).toBeGreaterThan(500);
    await shot(page, '06-sweep');
    // The tutorial's other pictures: focal loss against p, training curves, a landscape. The
    // training and the landscape are redrawn at once with the form's own fields, as README says
    // the tests do: 20 steps instead of 100 (60 evaluations, not 300) and a 21 × 21 grid instead
    // of 41 × 41 (441, not 1,681); the newer draw cancels the preset's own.
    const fewer = { convergence: ['#plot-steps', '20', /^mse: \S+ after 20 steps; mae: \S+ after 20 steps; huber: \S+ after 20 steps$/], rosenbrock: ['#plot-grid', '21', /^21 × 21 evaluations$/] } as const;
    for (const [preset, name] of [['focal', '07-focal'], ['convergence', '08-training'], ['rosenbrock', '09-landscape']] as const) {
      await page.click(`#preset-${preset}`);
      if (preset !== 'focal') {
        const [field, value, status] = fewer[preset];
        await page.fill(field, value);
        await page.click('#plot-draw');
        await page.locator('#plot-canvas[data-drawn="true"]').waitFor(UI);
        expect(await page.locator('#plot-status').innerText()).toMatch(status);
      }
      await page.locator('#plot-canvas[data-drawn="true"]').waitFor(UI);
      await shot(page, name);
    }
    await page.close();
  }, 180_000);

  it('lists the IR before and after optimization, and every warning in the stability pane', async () => {
    const page = await open();
    await typeSource(page, 'loss l(p: [N] in [0, 1], y: [N]) = mean(-y * log(p)) where unused = 1');
    await page.locator('#problems .problem[data-code="W2014"]').waitFor(UI);
    await page.click('#tab-ir');
    await page.locator('#pane-ir details.ir pre', { hasText: 'loss l(' }).first().waitFor(UI);
    // The derived backward pass: d/dp = -y/p · dy/N, read from the gradient of the output.
    const grad = page.locator('#pane-ir details.ir .ir-grad pre').first();
    await grad.waitFor(UI);
    expect(await grad.textContent()).toMatch(/gradient of %\d+ given %\d+: d\/dp = %\d+, d\/dy = %\d+/);
    await shot(page, '10-ir');
    await page.click('#tab-stability');
    const warnings = await page.locator('#problems .problem.warning').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')));
    const listed = await page.locator('#stability-list .finding').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')));
    expect(warnings.length).toBeGreaterThan(0);
    expect([...listed].sort()).toEqual([...warnings].sort());
    await shot(page, '11-stability');
    await page.close();
  });

  it('restores the editor content and settings from a share link', async () => {
    const page = await open();
    const source = 'loss shared(a: [N], b: [N], k: real = 3) = mean(k * (a - b)^2)';
    await page.locator('#editor .view-lines').click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.insertText(source); // pasted: this test is about the link, not typing
    await expect.poll(() => editorText(page), UI).toBe(source);
    await page.locator('#run-loss').filter({ has: page.locator('option[value="shared"]') }).waitFor(UI);
    await page.fill('#run-seed', '13');
    await page.click('#tab-ir');
    await page.click('#share-button');
    // The link is compressed asynchronously (CompressionStream): wait for it to appear.
    await expect.poll(() => page.locator('#share-url').inputValue(), UI).toContain('#z=');
    const url = await page.locator('#share-url').inputValue();
    await page.close();

    const again = await context.newPage();
    again.on('pageerror', (e) => pageErrors.push(e.message));
    await again.goto(url);
    await again.locator('body.ready').waitFor(UI);
    await again.locator('#editor .view-lines', { hasText: 'loss shared' }).waitFor(UI);
    expect(await editorText(again)).toBe(source);
    expect(await again.locator('#tab-ir').getAttribute('class')).toContain('active');
    await again.click('#tab-run');
    await again.locator('#run-loss').filter({ has: again.locator('option[value="shared"]') }).waitFor(UI);
    expect(await again.locator('#run-seed').inputValue()).toBe('13');
    await shot(again, '12-shared');
    await again.close();
  });

  it('never threw an uncaught error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
