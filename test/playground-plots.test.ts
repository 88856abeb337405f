// The playground's plots after issue 20: the selection follows the file, a preset's hidden
// settings leave with it and are on screen while it is used, and a shared link redraws its
// plot, in headless Chromium. Screenshots: test/.tmp/playground-plots/.
import { describe, expect, it } from 'vitest';
import { encodeState } from '../playground/src/share.js';
import { openExample, result, UI, usePlayground, VERSION } from './playground-browser.js';

// Callbacks given to page.evaluate run in the page; this program has no DOM types of its own.
declare const document: any;
declare const window: any;

const pw = usePlayground('playground-plots');
// 21 points per sweep instead of 61 (the page's ?sweep-points option): the same curves, a third
// of the evaluations; the focal preset's four curves took 97 s on a loaded machine.
const QUICK = '?sweep-points=21';
// 5 points, the fewest the option takes, where a test is about the form and the status line,
// not the curve: the focal preset's four curves are 84 evaluations of classification.loss at
// 21 points (about 16 s of the test on a loaded machine), 20 at 5.
const FEWEST = '?sweep-points=5';

describe('playground plots in Chromium', { timeout: 120_000 }, () => {
  it('bug 1: the plot of an opened example draws its own loss, not the starter\'s', async () => {
    const page = await pw.open(QUICK);
    await openExample(page, 'classification.loss#binary_focal');
    await result(page, 'binary_focal');
    await page.click('#tab-plots');
    await page.click('#plot-kind-sweep');
    // The selection is the opened loss, which has a box to untick; the starter's is gone.
    const checked = page.locator('#plot-losses input[type="checkbox"]:checked');
    await expect.poll(() => checked.evaluateAll((els) => els.map((e) => e.getAttribute('value'))), UI).toEqual(['binary_focal']);
    await page.click('#plot-draw');
    await page.locator('#plot-canvas[data-drawn="true"]').waitFor(UI);
    expect(await page.locator('#plot-status .problem').count()).toBe(0);
    await pw.shot(page, '02-plot-example');
  });

  it('bugs 3 and 8: leaving a preset for the editor\'s losses leaves its γ values too', async () => {
    const page = await pw.open(FEWEST);
    await openExample(page, 'classification.loss#binary_focal');
    await result(page, 'binary_focal');
    await page.click('#tab-plots');
    await page.click('#preset-focal');
    await page.locator('#plot-canvas[data-drawn="true"]').waitFor(UI);
    // Bug 8: what the preset sweeps and what it holds fixed are on screen.
    expect(await page.locator('#preset-held').innerText()).toMatch(/^Sweeps x; held: alpha = 1, y = 1$/);
    expect(await page.locator('#plot-input option:checked').innerText()).toBe('x (first real input)');
    await pw.shot(page, '02-focal-preset');
    await page.click('#pane-plots button.link'); // use the editor's losses instead
    await page.click('#plot-kind-train');
    await page.locator('#plot-draw').waitFor(UI);
    // The form's own steps field: 10 steps show the series as well as the default 100, in a
    // tenth of the time (the draw took 28–35 s of this file under load).
    await page.fill('#plot-steps', '10');
    await page.click('#plot-draw');
    await page.locator('#plot-canvas[data-drawn="true"]').waitFor(UI);
    const status = await page.locator('#plot-status').innerText();
    // One series, binary_focal's, with no hidden γ values.
    expect(status).not.toMatch(/gamma =/);
    expect(status.split(';').length).toBe(1);
    expect(status).toMatch(/^binary_focal: \S+ after 10 steps$/);
  });

  it('bug 11: a multi-class sweep of one element (the true class\'s logit) is not flat', async () => {
    const page = await pw.open(QUICK);
    await openExample(page, 'classification.loss#cross_entropy');
    await result(page, 'cross_entropy');
    await page.click('#tab-plots');
    await page.locator('#plot-element').waitFor(UI);
    const range = async (): Promise<number> => {
      await page.click('#plot-draw');
      await page.locator('#plot-canvas[data-drawn="true"]').waitFor(UI);
      const [lo, hi] = ((await page.locator('#plot-canvas').getAttribute('data-range')) ?? '').split(',').map(Number);
      return hi! - lo!;
    };
    // Every logit equal: softmax is uniform whatever the value, so the curve is flat (log 3).
    expect(await range()).toBeLessThan(1e-4);
    await page.fill('#plot-element', '0');
    expect(await range()).toBeGreaterThan(0.3);
    expect(await page.locator('#plot-status .problem').count()).toBe(0);
    await pw.shot(page, '03-element-sweep');
    await page.fill('#plot-element', '99');
    await page.click('#plot-draw');
    await page.locator('#plot-status .problem[data-code="E7003"]', { hasText: 'no element 99' }).waitFor(UI);
  });

  it('a shared link of a preset draws its plot', async () => {
    const hash = await encodeState({ v: 1, compiler: VERSION, text: 'loss l(a: [N]) = mean(a^2)', settings: { tab: 'plots', plot: 'sweep' }, plot: { preset: 'regression', kind: 'sweep', losses: ['mse', 'mae'], input: 'pred', lo: -3, hi: 3 } });
    const page = await pw.open(FEWEST + hash);
    await page.locator('#plot-canvas[data-drawn="true"]').waitFor(UI);
    expect(await page.locator('#tab-plots').getAttribute('class')).toContain('active');
  });

  it('never threw an uncaught error in the page', () => {
    expect(pw.pageErrors).toEqual([]);
  });
});
