// The language service inside the playground, as a person meets it: the BUILT site
// (npm run build:playground) in headless Chromium, a loss typed into Monaco, then the inlay
// hints of its bindings' axes, a hover showing a value's axes and range, a quick fix applied
// from the lightbulb menu, and a rename: the same code `lossc lsp` runs (src/service).
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { UI, usePlayground } from './playground-browser.js';

declare const window: { __lossc: { text: string } };

const browser = usePlayground('lsp-playground');
const { pageErrors } = browser;

const SOURCE = [
  'loss pairs(e: [N, D], margin: real in [0, inf) = 1.0) =',
  '  mean(relu(margin - dist))',
  'where dist[i, j] = norm(e[i] - e[j], D)',
].join('\n');

/** A page in a browser context of its own: empty localStorage, so no earlier test's saved work. */
async function open(): Promise<Page> {
  return browser.open('', await browser.fresh({ width: 1400, height: 900 }));
}

/** Replaces the editor's text with `text` (typed, with Monaco's auto-closing and indentation off the path). */
async function setSource(page: Page, text: string): Promise<void> {
  await page.locator('#editor .view-lines').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  await page.keyboard.press('Escape');
}

const editorText = (page: Page): Promise<string> => page.evaluate(() => window.__lossc.text);
/** Lines without their indentation: Monaco's auto-indent adds some to typed lines. */
const unindented = (text: string): string => text.replace(/^[ \t]+/gm, '');

describe('the language service in the playground', { timeout: 120_000 }, () => {
  it('shows each binding\'s axes and range as an inlay hint, and a value\'s on hover', async () => {
    const page = await open();
    await setSource(page, SOURCE);
    // The hint is text Monaco injects into the line, not the model's.
    await page.locator('#editor .view-lines', { hasText: ': [i, j] ≥ 0' }).waitFor(UI);
    expect(unindented(await editorText(page))).toBe(unindented(SOURCE));
    // Hover over `dist` in the body.
    const word = page.locator('#editor .view-line', { hasText: 'mean(relu(margin - dist))' }).locator('span', { hasText: /dist/ }).last();
    await word.hover();
    const hover = page.locator('.monaco-hover', { hasText: 'real[i: N, j: N] ≥ 0' });
    await hover.waitFor(UI);
    expect(await hover.innerText()).toContain('dist[i, j] = norm(e[i] - e[j], D)');
    await page.close();
  });

  it('applies a quick fix from the lightbulb menu, and renames a binding everywhere', async () => {
    const page = await open();
    await setSource(page, 'loss f(pred: [N], target: [N]) = mean((pred - targte)^2)');
    await page.locator('#editor .squiggly-error').first().waitFor(UI);
    // Put the cursor on the misspelt name and ask for quick fixes.
    const typo = page.locator('#editor .view-line span', { hasText: 'targte' }).last();
    await typo.click();
    await page.keyboard.press('ControlOrMeta+.');
    const fix = page.locator('.action-widget', { hasText: "Change 'targte' to 'target'" });
    await fix.waitFor(UI);
    await page.keyboard.press('Enter');
    await expect.poll(() => editorText(page), UI).toBe('loss f(pred: [N], target: [N]) = mean((pred - target)^2)');

    await setSource(page, SOURCE);
    await page.locator('#editor .view-lines', { hasText: ': [i, j] ≥ 0' }).waitFor(UI);
    await page.locator('#editor .view-line', { hasText: 'mean(relu(margin - dist))' }).locator('span', { hasText: /dist/ }).last().click();
    await page.keyboard.press('F2');
    // The rename box takes the focus once the service has said what the name is.
    await page.waitForFunction(() => (globalThis as unknown as { document: { activeElement: { className: string } | null } }).document.activeElement?.className.includes('rename-input'), undefined, UI);
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('distance');
    await page.keyboard.press('Enter');
    await expect.poll(async () => unindented(await editorText(page)), UI).toBe(unindented(SOURCE.replaceAll('dist', 'distance')));
    await page.close();
  });

  it('never threw an uncaught error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
