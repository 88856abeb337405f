// The browser's own TensorFlow.js backends in headless Chromium: the Run pane evaluates on the
// backend chosen (wasm, webgl or cpu; webgl through SwiftShader here), says which one ran, and
// "Compare backends" prints the value on each, checked against the formula worked out here.
// Screenshots: test/.tmp/playground-backends/.
import { describe, expect, it } from 'vitest';
import { pasteSource, result, UI, usePlayground } from './playground-browser.js';

// Callbacks given to page.evaluate run in the page; this program has no DOM types of its own.
declare const document: any;

const pw = usePlayground('playground-backends');

// Softplus-based logistic loss of logits x against labels y in {0, 1}: mean(log(1 + e^x) - y x).
const SOURCE = 'loss logistic(x: [N], y: [N] in {0, 1}) = mean(softplus(x) - y * x)\n';
const X = [-1.5, 0.25, 2, 0.7];
const Y = [0, 1, 1, 0];
const WANT = X.reduce((s, x, i) => s + Math.log1p(Math.exp(x)) - Y[i]! * x, 0) / X.length;
const DWANT = X.map((x, i) => (1 / (1 + Math.exp(-x)) - Y[i]!) / X.length);

describe('playground backends in Chromium', { timeout: 120_000 }, () => {
  it('runs on the backend chosen, and compares the value on cpu, wasm and webgl', async () => {
    const page = await pw.open();
    await pasteSource(page, SOURCE);
    await result(page, 'logistic');
    await page.click('#run-mode-json');
    await page.fill('#run-json', JSON.stringify({ x: X, y: Y }));
    await page.waitForFunction(() => document.querySelector('#run-output')?.getAttribute('data-state') === 'done' && document.querySelector('#run-inputs-json')?.textContent.includes('0.7'), undefined, UI);
    // float32 throughout: six significant digits agree with the float64 formula.
    const near = (shown: string, want: number): void => expect(Math.abs(Number(shown) - want), `${shown} vs ${want}`).toBeLessThan(1e-5 * Math.abs(want) + 1e-7);
    near(await result(page, 'logistic'), WANT);
    expect(await page.locator('#run-used').innerText()).toMatch(/^on wasm /);

    for (const backend of ['webgl', 'cpu'] as const) {
      await page.selectOption('#run-backend', backend);
      await page.waitForFunction((b: string) => document.querySelector('#run-output')?.getAttribute('data-state') === 'done' && document.querySelector('#run-used')?.textContent.startsWith(`on ${b} `), backend, UI);
      near(await page.locator('#run-value').innerText(), WANT);
      for (let i = 0; i < X.length; i++) near(await page.locator(`[data-grad-element="x:${i}"]`).innerText(), DWANT[i]!);
      expect(await page.locator('#backend').innerText()).toBe(`TensorFlow.js: ${backend}`);
    }

    await page.click('#run-compare');
    const line = page.locator('#run-backends[data-state="done"]');
    await line.waitFor(UI);
    for (const backend of ['cpu', 'wasm', 'webgl']) {
      const text = await page.locator(`#run-backends [data-backend="${backend}"]`).innerText();
      const [, shown] = new RegExp(`${backend} (\\S+)$`).exec(text.replace(/^ · /, '')) ?? [];
      expect(shown, text).toBeDefined();
      near(shown!, WANT);
    }
    expect(await line.innerText()).toMatch(/^cpu \S+ · wasm \S+ · webgl \S+ — largest difference /);
    await pw.shot(page, '01-backends');
    // The choice is kept with the rest of the work.
    await page.reload();
    await page.locator('#run-backend').waitFor(UI);
    expect(await page.locator('#run-backend').inputValue()).toBe('cpu');
  });

  it('never threw an uncaught error in the page', () => {
    expect(pw.pageErrors).toEqual([]);
  });
});
