// A hyperparameter of strings in the playground's Run pane: its field takes one of its strings
// (quoted or not) and the value follows it, checked against the formula worked out here; a
// string not in the list is refused with the strings it may be. The plot sliders leave it out.
// Screenshots: test/.tmp/playground-enum/.
import { describe, expect, it } from 'vitest';
import { pasteSource, result, UI, usePlayground } from './playground-browser.js';

// Callbacks given to page.evaluate run in the page; this program has no DOM types of its own.
declare const document: any;

const pw = usePlayground('playground-enum');

const SOURCE = "loss squash(x: [N], y: [N], act: 'none' | 'sigmoid' = 'none', scale: real in [0, 10] = 1) = scale * mean(((if act == 'sigmoid' then sigmoid(x) else x) - y)^2)\n";
const X = [-1.5, 0.25, 2, 0.7];
const Y = [0.1, 0.9, 0.4, 0];
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
const mse = (f: (v: number) => number): number => X.reduce((s, x, i) => s + (f(x) - Y[i]!) ** 2, 0) / X.length;

describe('a hyperparameter of strings in Chromium', { timeout: 120_000 }, () => {
  it('takes one of its strings in the Run pane, refuses others, and gets no slider', async () => {
    const page = await pw.open();
    await pasteSource(page, SOURCE);
    await result(page, 'squash');
    await page.click('#run-mode-json');
    await page.fill('#run-json', JSON.stringify({ x: X, y: Y }));
    const near = (shown: string, want: number): void => expect(Math.abs(Number(shown) - want), `${shown} vs ${want}`).toBeLessThan(1e-5 * Math.abs(want) + 1e-7);
    const field = page.locator('[data-hyper="act"]');
    // The field shows the default string, and the strings it may be.
    expect(await field.getAttribute('placeholder')).toBe('none');
    await expect.poll(() => page.locator('#pane-run').innerText(), UI).toContain("act ∈ 'none' | 'sigmoid'");
    const settled = async (want: number): Promise<void> => {
      await expect.poll(async () => {
        const out = page.locator('#run-output[data-state="done"] #run-value');
        return (await out.count()) ? Math.abs(Number(await out.innerText()) - want) < 1e-5 * want : false;
      }, UI).toBe(true);
    };
    await settled(mse((v) => v));
    for (const text of ['sigmoid', "'sigmoid'"]) {
      await field.fill('none');
      await settled(mse((v) => v));
      await field.fill(text);
      await settled(mse(sigmoid));
    }
    near(await page.locator('#run-value').innerText(), mse(sigmoid));
    await pw.shot(page, '01-string-hyperparameter');

    await field.fill('relu');
    await page.locator('#run-output[data-state="done"]', { hasText: `"relu" for 'act' of loss 'squash' is outside its declared domain 'none' | 'sigmoid'` }).waitFor(UI);
    expect(await page.locator('#run-output #run-value').count()).toBe(0);
    await pw.shot(page, '02-refused');

    // Sliders move numbers: scale gets one, the hyperparameter of strings none, nor a place in Vary.
    await field.fill('');
    await settled(mse((v) => v));
    await page.click('#tab-plots');
    await page.click('#plot-kind-sweep');
    await page.locator('#plot-sliders input[data-slider="scale"]').waitFor(UI);
    expect(await page.locator('#plot-sliders [data-slider="act"]').count()).toBe(0);
    const varied = await page.locator('#pane-plots select option').allInnerTexts();
    expect(varied).toContain('scale');
    expect(varied).not.toContain('act');
  });

  it('never threw an uncaught error in the page', () => {
    expect(pw.pageErrors).toEqual([]);
  });
});
