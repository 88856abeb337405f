// The playground on a phone (390×844: panes stacked, nothing wider than the screen, in every
// tab) and in dark mode following the system, in headless Chromium. Screenshots to look at:
// test/.tmp/playground-layout/.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { result, UI, usePlayground } from './playground-browser.js';

// Callbacks given to page.evaluate run in the page; this program has no DOM types of its own.
declare const document: any;
declare const window: any;

const pw = usePlayground('playground-layout');

describe('playground layout in Chromium', { timeout: 120_000 }, () => {
  it('at 390×844 the panes stack and nothing is wider than the screen, in every tab', async () => {
    const ctx = await pw.fresh({ width: 390, height: 844 });
    const page = await pw.open('', ctx);
    await result(page, 'huber');
    const overflow = (): Promise<number> => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    const left = await page.locator('section.left').boundingBox();
    const right = await page.locator('section.right').boundingBox();
    expect(right!.y).toBeGreaterThanOrEqual(left!.y + left!.height - 1);
    expect(right!.width).toBeGreaterThan(370);
    await pw.shot(page, '04-phone-run');
    await page.screenshot({ path: join(pw.shots, '04-phone-run-full.png'), fullPage: true });
    for (const tab of ['plots', 'code', 'ir', 'stability'] as const) {
      await page.click(`#tab-${tab}`);
      if (tab === 'plots') {
        await page.click('#preset-regression');
        await page.locator('#plot-canvas[data-drawn="true"]').waitFor(UI);
      }
      if (tab === 'ir') await page.locator('#pane-ir details.ir').first().waitFor(UI);
      expect(await overflow(), `tab ${tab}`).toBeLessThanOrEqual(0);
      await page.locator('section.right').screenshot({ path: join(pw.shots, `05-phone-${tab}.png`) });
    }
    await page.click('#examples-button');
    expect(await overflow()).toBeLessThanOrEqual(0);
    // The panel opens below the header, which wraps into several rows here.
    const header = (await page.locator('header').boundingBox())!;
    expect((await page.locator('#examples').boundingBox())!.y).toBeGreaterThanOrEqual(header.y + header.height);
    await pw.shot(page, '06-phone-examples');
  });

  it('the split between editor and panes moves with a drag and with the arrow keys', async () => {
    const page = await pw.open();
    const width = async (): Promise<number> => (await page.locator('section.left').boundingBox())!.width;
    const before = await width();
    const bar = (await page.locator('#splitter').boundingBox())!;
    await page.mouse.move(bar.x + bar.width / 2, bar.y + 200);
    await page.mouse.down();
    await page.mouse.move(bar.x - 300, bar.y + 200, { steps: 5 });
    await page.mouse.up();
    expect(Math.abs(await width() - (before - 300))).toBeLessThan(20);
    await page.focus('#splitter');
    const dragged = await width();
    await page.keyboard.press('ArrowRight');
    expect(await width()).toBeGreaterThan(dragged + 40);
    // Never beyond 80%: the panes stay usable.
    const moved = (await page.locator('#splitter').boundingBox())!;
    await page.mouse.move(moved.x + moved.width / 2, moved.y + 200);
    await page.mouse.down();
    await page.mouse.move(1430, bar.y + 200, { steps: 5 });
    await page.mouse.up();
    expect(await width()).toBeLessThanOrEqual(0.8 * 1440 + 2);
    await pw.shot(page, '01-split-wide');
  });

  it('follows the system\'s dark setting, editor included', async () => {
    const ctx = await pw.fresh({ width: 1440, height: 900 }, 'dark');
    const page = await pw.open('', ctx);
    await result(page, 'huber');
    const rgb = (css: string): number[] => (css.match(/\d+/g) ?? []).slice(0, 3).map(Number);
    const luminance = (css: string): number => rgb(css).reduce((a, b) => a + b, 0) / 3;
    expect(luminance(await page.evaluate(() => window.getComputedStyle(document.body).backgroundColor))).toBeLessThan(60);
    expect(luminance(await page.evaluate(() => window.getComputedStyle(document.querySelector('#editor .monaco-editor-background')).backgroundColor))).toBeLessThan(60);
    expect(luminance(await page.evaluate(() => window.getComputedStyle(document.querySelector('#pane-run')).color))).toBeGreaterThan(180);
    await pw.shot(page, '07-dark');
    await page.click('#tab-plots');
    await page.click('#preset-regression');
    await page.locator('#plot-canvas[data-drawn="true"]').waitFor(UI);
    await pw.shot(page, '08-dark-plots');
  });

  it('never threw an uncaught error in the page', () => {
    expect(pw.pageErrors).toEqual([]);
  });
});
