// The playground's second round (issue 20): state that never lies (per-loss settings reset
// visibly, a result only beside the loss that made it), work that is kept (autosave, share
// links that step aside after an edit, the compiler version in links), the Examples menu and
// Ctrl/Cmd+Enter, in headless Chromium. Screenshots: test/.tmp/playground-state/.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from '../playground/src/share.js';
import { REDUCTION_NAMES } from '../src/ir/reduction.js';
import { openExample, pasteSource, ready, result, UI, usePlayground, VERSION } from './playground-browser.js';

// Callbacks given to page.evaluate run in the page; this program has no DOM types of its own.
declare const document: any;
declare const window: any;
declare const localStorage: any;

// autosave.ts's SAVED_KEY, written out: that module needs the DOM's types, which tests go without.
const SAVED_KEY = 'lossc-playground:work';
/** The work the page has saved in localStorage (null before its first save). */
const savedWork = (page: Page): Promise<unknown> => page.evaluate((key: string) => JSON.parse(localStorage.getItem(key) ?? 'null'), SAVED_KEY);

const pw = usePlayground('playground-state');

describe('playground state and saved work in Chromium', { timeout: 120_000 }, () => {
  it('bug 2: a reduction chosen for one loss is reset, visibly, when another loss opens', async () => {
    const page = await pw.open();
    await openExample(page, 'classification.loss#focal');
    await page.locator('#run-reduction').waitFor(UI);
    // The select lists every mode of the lowering's table, after the loss's default.
    const options = await page.locator('#run-reduction option').evaluateAll((els) => els.map((e) => e.getAttribute('value')));
    expect(options).toEqual(['', ...REDUCTION_NAMES]);
    await page.selectOption('#run-reduction', 'none');
    await page.click('#run-button');
    const vector = await result(page, 'focal');
    expect(vector.startsWith('[')).toBe(true); // 'none' gives one loss per sample
    expect(await page.locator('#run-used').innerText()).toContain("reduction 'none'");

    await openExample(page, 'metric.loss#batch_hard_triplet');
    const value = await result(page, 'batch_hard_triplet');
    expect(await page.locator('#run-output .problem').count()).toBe(0);
    expect(Number.isFinite(Number(value))).toBe(true); // a scalar, not the stale 'none' vector
    expect(await page.locator('#run-note').innerText()).toMatch(/Reset to batch_hard_triplet's defaults: reduction 'none' of focal/);
    await pw.shot(page, '01-reduction-reset');

    await openExample(page, 'classification.loss#focal');
    await result(page, 'focal');
    expect(await page.locator('#run-reduction').inputValue()).toBe('');
    expect(Number.isFinite(Number(await page.locator('#run-value').innerText()))).toBe(true);
  });

  it('bug 5: after switching examples no value is shown as done under another loss', async () => {
    const page = await pw.open();
    await result(page, 'huber');
    // Every moment the output says "done", the loss it names is recorded with the value.
    await page.evaluate(() => {
      window.__doneLog = [];
      const out = document.querySelector('#run-output');
      const record = (): void => {
        if (out.getAttribute('data-state') === 'done') window.__doneLog.push([out.getAttribute('data-loss'), document.querySelector('#run-label')?.textContent ?? '']);
      };
      new window.MutationObserver(record).observe(out, { attributes: true, childList: true, subtree: true });
    });
    await openExample(page, 'regression.loss#mse');
    // Synchronously after the click: the old result is gone (or marked), not shown as done.
    const state = await page.evaluate(() => [document.querySelector('#run-output').getAttribute('data-state'), document.querySelector('#run-value')?.textContent ?? null]);
    expect(state[0]).not.toBe('done');
    expect(state[1]).toBeNull();
    await result(page, 'mse');
    const log = (await page.evaluate(() => window.__doneLog)) as [string, string][];
    expect(log.length).toBeGreaterThan(0);
    for (const [loss, label] of log) {
      expect(loss).toBe('mse');
      if (label) expect(label).toBe('mse =');
    }
  });

  it('bug 10: batch_hard_triplet\'s random labels have positives and negatives, so the loss and its gradient are not 0', async () => {
    const page = await pw.open();
    await openExample(page, 'metric.loss#batch_hard_triplet');
    const value = Number(await result(page, 'batch_hard_triplet'));
    const inputs = JSON.parse(await page.locator('#run-inputs-json').textContent() ?? '{}') as { label: number[] };
    const counts = new Map<number, number>();
    for (const l of inputs.label) counts.set(l, (counts.get(l) ?? 0) + 1);
    // Every sample shares its label with another, and there are at least two labels.
    expect([...counts.values()].every((c) => c >= 2)).toBe(true);
    expect(counts.size).toBeGreaterThanOrEqual(2);
    expect(value).toBeGreaterThan(0);
    expect(Number(await page.locator('[data-grad="e"]').innerText())).toBeGreaterThan(0);
  });

  it('bug 9: the Examples panel closes on Escape and on a click outside', async () => {
    const page = await pw.open();
    await page.click('#examples-button');
    await page.locator('#examples').waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await page.locator('#examples').waitFor({ state: 'hidden' });
    await page.click('#examples-button');
    await page.locator('#examples').waitFor({ state: 'visible' });
    await page.mouse.click(1400, 880); // the bottom-right corner, outside the panel
    await page.locator('#examples').waitFor({ state: 'hidden' });
    // A click inside it does not close it.
    await page.click('#examples-button');
    await page.click('#examples h3 >> nth=0');
    expect(await page.locator('#examples').isVisible()).toBe(true);
  });

  it('bug 4: a share link carries the version and steps aside after an edit; a reload keeps the edit', async () => {
    const ctx = await pw.fresh();
    const page = await pw.open('', ctx);
    await pasteSource(page, 'loss first(a: [N], b: [N]) = mean((a - b)^2)');
    await page.click('#share-button');
    await expect.poll(() => page.evaluate(() => window.location.hash), UI).toMatch(/^#z=/);
    const shared = (await decodeState(await page.evaluate(() => window.location.hash))) as { compiler: string; text: string };
    expect(shared.compiler).toBe(VERSION);
    expect(shared.text).toContain('loss first');

    await pasteSource(page, 'loss second(a: [N], b: [N]) = mean(abs(a - b))');
    await expect.poll(() => page.evaluate(() => window.location.hash), UI).toBe('');
    // The save is debounced: the reload waits until it has happened.
    await expect.poll(() => savedWork(page), UI).toMatchObject({ text: 'loss second(a: [N], b: [N]) = mean(abs(a - b))' });
    await page.reload();
    await ready(page);
    await expect.poll(() => page.evaluate(() => window.__lossc.text), UI).toContain('loss second');

    // Without any link, a reload keeps the work too, and the settings with it.
    await page.locator('#run-seed').waitFor(UI);
    await page.fill('#run-seed', '21');
    await expect.poll(() => savedWork(page), UI).toMatchObject({ settings: { seed: 21 } });
    await page.reload();
    await ready(page);
    expect(await page.evaluate(() => window.__lossc.text)).toContain('loss second');
    await expect.poll(() => page.locator('#run-seed').inputValue(), UI).toBe('21');
  });

  it('a link from another compiler version says so, and the work it replaced can be brought back', async () => {
    const ctx = await pw.fresh();
    const page = await pw.open('', ctx);
    await pasteSource(page, 'loss mine(a: [N]) = mean(a^2)');
    await expect.poll(() => savedWork(page), UI).toMatchObject({ text: 'loss mine(a: [N]) = mean(a^2)' });
    const hash = await encodeState({ v: 1, compiler: '0.0.1', text: 'loss theirs(a: [N]) = sum(a)', settings: { tab: 'run' } });
    const other = await ctx.newPage();
    other.on('pageerror', (e) => pw.pageErrors.push(e.message));
    await other.goto(pw.url() + hash);
    await ready(other);
    await expect.poll(() => other.evaluate(() => window.__lossc.text), UI).toBe('loss theirs(a: [N]) = sum(a)');
    const note = other.locator('#notice');
    await note.waitFor({ state: 'visible' });
    expect(await note.innerText()).toContain(`made with lossc 0.0.1; this page runs lossc ${VERSION}`);
    await pw.shot(other, '03-version-note');
    await other.click('#restore-previous');
    await expect.poll(() => other.evaluate(() => window.__lossc.text), UI).toBe('loss mine(a: [N]) = mean(a^2)');
    expect(await other.evaluate(() => window.location.hash)).toBe('');
  });

  it('copies and downloads the .loss source, the inputs JSON and the generated TypeScript', async () => {
    const ctx = await pw.fresh();
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(pw.url()).origin });
    const page = await pw.open('', ctx);
    await result(page, 'huber');
    const downloaded = async (button: string): Promise<[string, string]> => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
      return [file.suggestedFilename(), readFileSync((await file.path())!, 'utf8')];
    };
    const source = await page.evaluate(() => window.__lossc.text);
    expect(await downloaded('#source-download')).toEqual(['huber.loss', source]);
    await page.click('#source-copy');
    await page.locator('#source-copied', { hasText: 'Copied.' }).waitFor(UI);
    expect(await page.evaluate(() => window.navigator.clipboard.readText())).toBe(source);

    await page.click('#run-output details.json summary');
    const shown = await page.locator('#run-inputs-json').textContent();
    const [name, inputs] = await downloaded('#inputs-download');
    expect(name).toBe('huber.inputs.json');
    expect(inputs).toBe(shown);
    expect(Object.keys(JSON.parse(inputs) as object).sort()).toEqual(['pred', 'target']);

    await page.click('#tab-code');
    await page.locator('#code-status', { hasText: /TypeScript module/ }).waitFor({ timeout: 90_000 });
    const [tsName, ts] = await downloaded('#code-download');
    expect(tsName).toBe('huber.ts');
    expect(ts).toContain('export function huber(');
  });

  it('Ctrl/Cmd+Enter runs the selected loss, from the editor and from a field', async () => {
    const page = await pw.open();
    await result(page, 'huber');
    const runs = async (): Promise<number> => page.evaluate(() => window.__runs as number);
    await page.evaluate(() => {
      window.__runs = 0;
      const out = document.querySelector('#run-output');
      new window.MutationObserver(() => {
        if (out.getAttribute('data-state') === 'done') window.__runs++;
      }).observe(out, { attributes: true, attributeFilter: ['data-state'] });
    });
    await page.click('#tab-ir');
    await page.locator('#editor .view-lines').click();
    await page.keyboard.press('ControlOrMeta+Enter');
    await expect.poll(runs, UI).toBeGreaterThan(0);
    expect(await page.locator('#tab-run').getAttribute('class')).toContain('active');
    const before = await runs();
    await page.locator('#run-seed').focus();
    await page.keyboard.press('ControlOrMeta+Enter');
    await expect.poll(runs, UI).toBeGreaterThan(before);
    // The editor's text is unchanged by the key (no newline typed).
    expect(await page.evaluate(() => window.__lossc.text)).toMatch(/^\/\/ Write a loss/);
  });

  it('never threw an uncaught error in the page', () => {
    expect(pw.pageErrors).toEqual([]);
  });
});
