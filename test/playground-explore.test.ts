// Plots to explore and values to read, in headless Chromium: per-element gradients in the Run
// pane, values with six significant digits, hyperparameter sliders that redraw as they move,
// readouts of the curve under the cursor, and gradient arrows on a finer landscape. Every
// number is checked against the loss's formula worked out here, not against the page's code.
// Screenshots: test/.tmp/playground-explore/.
import { describe, expect, it } from 'vitest';
import { pasteSource, result, UI, usePlayground } from './playground-browser.js';

// Callbacks given to page.evaluate run in the page; this program has no DOM types of its own.
declare const document: any;

const pw = usePlayground('playground-explore');
// The page's option for 21 points per sweep instead of 61: the same curves, fewer evaluations.
const QUICK = '?sweep-points=21';

/** At most six significant digits, and a plain or exponent form (never 17 digits). */
const SIX = /^-?(\d+(\.\d+)?|\d\.\d+e[-+]\d+|\d+e[-+]\d+)$/;
const significant = (text: string): number => text.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').length;
// Six significant digits round by up to 5e-6 of the value (a leading 1).
const close = (shown: string, want: number, rel = 6e-6): void => {
  expect(shown, `shown ${shown}, want ${want}`).toMatch(SIX);
  expect(significant(shown)).toBeLessThanOrEqual(6);
  expect(Math.abs(Number(shown) - want), `shown ${shown}, want ${want}`).toBeLessThanOrEqual(rel * Math.max(Math.abs(want), 1e-30) + 1e-12);
};

describe('exploring losses in Chromium', { timeout: 120_000 }, () => {
  it('the Run pane lists d loss / d input per element, with sensible precision', async () => {
    const page = await pw.open();
    await pasteSource(page, 'loss sq(pred: [N], target: [N]) = mean((pred - target)^2)\n');
    await result(page, 'sq');
    const pred = [0.1, 0.2, 0.7];
    const target = [0, 0, 1];
    await page.click('#run-mode-json');
    await page.fill('#run-json', JSON.stringify({ pred, target }));
    await page.waitForFunction(() => document.querySelector('#run-output')?.getAttribute('data-state') === 'done' && document.querySelector('#run-inputs-json')?.textContent.includes('0.7'), undefined, UI);
    const value = await result(page, 'sq');
    const n = pred.length;
    const want = pred.reduce((s, p, i) => s + (p - target[i]!) ** 2, 0) / n;
    close(value, want);
    for (let i = 0; i < n; i++) {
      close(await page.locator(`[data-grad-element="pred:${i}"]`).innerText(), (2 * (pred[i]! - target[i]!)) / n);
      close(await page.locator(`[data-grad-element="target:${i}"]`).innerText(), (-2 * (pred[i]! - target[i]!)) / n);
    }
    expect(await page.locator('#run-elements tr[data-input="pred"] td').first().innerText()).toBe('pred[0]');
    await pw.shot(page, '01-run-elements');
  });

  it('a hyperparameter slider redraws the sweep, and the readout gives the curve at the cursor', async () => {
    const page = await pw.open(QUICK);
    await pasteSource(page, 'loss scaled(x: [N], a: real in [0, 10] = 1) = mean(a * x^2)\n');
    await result(page, 'scaled');
    await page.click('#tab-plots');
    await page.click('#plot-kind-sweep');
    await page.locator('#plot-sliders input[data-slider="a"]').waitFor(UI);
    await page.click('#plot-draw');
    const top = async (): Promise<number> => Number(((await page.locator('#plot-canvas').getAttribute('data-range')) ?? '').split(',')[1]);
    await page.locator('#plot-canvas[data-drawn="true"]').waitFor(UI);
    // x swept over [-3, 3]: a x² peaks at 9a.
    expect(await top()).toBeCloseTo(9, 4);
    // Moving the slider redraws without pressing Draw.
    await page.locator('#plot-sliders input[data-slider="a"]').evaluate((el: any) => {
      el.value = '3';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(await page.locator('[data-slider-value="a"]').innerText()).toBe('3');
    await expect.poll(top, UI).toBeCloseTo(27, 3);
    await page.locator('#plot-canvas[data-drawn="true"]').waitFor(UI);

    // The readout: the grid point nearest the cursor and the curve's value there.
    const box = (await page.locator('#plot-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
    const readout = page.locator('#plot-canvas-readout');
    await readout.waitFor(UI);
    const [at, line] = (await readout.innerText()).split('\n');
    const x = Number(at!.split(' = ')[1]);
    expect(x).toBeGreaterThan(0);
    expect(line).toMatch(/^scaled: /);
    close(line!.replace('scaled: ', ''), 3 * x * x, 2e-5);
    // The gradient chart's readout: d/dx of mean(3 x²) with every element at x is 6x / N
    // per element, summed over the N elements: 6x.
    const box2 = (await page.locator('#plot-canvas-2').boundingBox())!;
    await page.mouse.move(box2.x + box2.width * 0.7, box2.y + box2.height / 2);
    const [at2, line2] = (await page.locator('#plot-canvas-2-readout').innerText()).split('\n');
    const x2 = Number(at2!.split(' = ')[1]);
    close(line2!.replace(/^.*: /, ''), 6 * x2, 2e-5);
    await pw.shot(page, '02-slider-readout');
  });

  it('a landscape is finer by default and has arrows along -∇; its readout gives the gradient', async () => {
    const page = await pw.open();
    await pasteSource(page, 'loss bowl(u: [N], v: [N]) = mean(u^2 + 4 * v^2)\n');
    await result(page, 'bowl');
    await page.click('#tab-plots');
    await page.click('#plot-kind-landscape');
    await page.locator('#plot-grid').waitFor(UI);
    expect(await page.locator('#plot-grid').inputValue()).toBe('41');
    // A coarser grid keeps the test quick; what is drawn does not depend on it.
    await page.fill('#plot-grid', '21');
    await page.click('#plot-draw');
    await page.locator('#plot-canvas[data-drawn="true"]').waitFor(UI);
    expect(Number(await page.locator('#plot-canvas').getAttribute('data-arrows'))).toBeGreaterThan(50);
    const box = (await page.locator('#plot-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.35);
    const lines = (await page.locator('#plot-canvas-readout').innerText()).split('\n');
    const [u, v] = /^u = (\S+), v = (\S+)$/.exec(lines[0]!)!.slice(1).map(Number) as [number, number];
    close(lines[1]!.replace('loss: ', ''), u * u + 4 * v * v, 2e-5);
    // Every element of u at one value: d/du summed over the elements is 2u, d/dv is 8v.
    const [gu, gv] = /^∇ = \((\S+), (\S+)\)$/.exec(lines[2]!)!.slice(1);
    close(gu!, 2 * u, 2e-5);
    close(gv!, 8 * v, 2e-5);
    await pw.shot(page, '03-landscape-arrows');
  });

  it('looks right on a phone and in dark mode', async () => {
    // One page, its viewport and colour scheme changed: a page load per look took 15 s.
    const ctx = await pw.fresh({ width: 390, height: 844 });
    const page = await pw.open(QUICK, ctx);
    await pasteSource(page, 'loss scaled(x: [N], a: real in [0, 10] = 1) = mean(a * x^2)\n');
    await result(page, 'scaled');
    await page.click('#tab-plots');
    await page.click('#plot-kind-sweep');
    await page.click('#plot-draw');
    await page.locator('#plot-canvas[data-drawn="true"]').waitFor(UI);
    const overflow = (): Promise<number> => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.locator('section.right').screenshot({ path: `${pw.shots}/04-phone-sliders.png` });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.locator('section.right').screenshot({ path: `${pw.shots}/05-phone-dark-sliders.png` });
    await page.setViewportSize({ width: 1440, height: 900 });
    expect(await overflow()).toBeLessThanOrEqual(0);
    await pw.shot(page, '06-dark-sliders');
  });

  it('never threw an uncaught error in the page', () => {
    expect(pw.pageErrors).toEqual([]);
  });
});
