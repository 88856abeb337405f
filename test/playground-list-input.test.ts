// A list input (`preds: list[K] of [N]`) in the playground's Run pane: the signature shows it as
// a list, random values are written as a list of elements, and pasted JSON whose elements are
// `{shape, data}` or nested arrays is read as the stacked tensor, so each element's values and
// gradients are listed as preds[k][n]. Checked against the formula worked out here.
// Screenshots: test/.tmp/playground-list-input/.
import { describe, expect, it } from 'vitest';
import { pasteSource, result, UI, usePlayground } from './playground-browser.js';

const pw = usePlayground('playground-list-input');

const SOURCE = 'loss deep(preds: list[K] of [N], y: [N]) = sum((preds - y)^2)\n';
const PREDS = [[1, 2, 3], [0, 0, 1]];
const Y = [1, 1, 1];
// Σ_k Σ_n (p_kn - y_n)^2 and its gradient 2 (p_kn - y_n).
const VALUE = PREDS.flat().reduce((s, p, i) => s + (p - Y[i % 3]!) ** 2, 0);
const GRAD = PREDS.flat().map((p, i) => 2 * (p - Y[i % 3]!));

describe('a list input in Chromium', { timeout: 120_000 }, () => {
  it('random values come as a list of elements; pasted {shape, data} elements run, each value and gradient listed as preds[k][n]', async () => {
    const page = await pw.open();
    await pasteSource(page, SOURCE);
    await result(page, 'deep');
    await expect.poll(() => page.locator('#pane-run').innerText(), UI).toContain('preds: list[K] of real[N]');
    // Random fill: K elements of [N] in the JSON for lossc eval, and rows named by element.
    const json = JSON.parse(await page.locator('#run-inputs-json').textContent() ?? '{}') as { preds: number[][]; y: number[] };
    expect(json.preds.length).toBe(Number(await page.locator('input[data-dim="K"]').inputValue()));
    expect(json.preds.every((e) => Array.isArray(e) && e.length === json.y.length && e.every((x) => typeof x === 'number'))).toBe(true);
    expect(await page.locator('#run-elements').innerText()).toContain('preds[1][0]');
    await pw.shot(page, '01-random');

    await page.click('#run-mode-json');
    await page.fill('#run-json', JSON.stringify({ preds: [{ shape: [3], data: PREDS[0] }, PREDS[1]], y: Y }));
    await expect.poll(async () => {
      const out = page.locator('#run-output[data-state="done"] #run-value');
      return (await out.count()) ? Number(await out.innerText()) : NaN;
    }, UI).toBeCloseTo(VALUE, 5);
    const rows = await page.locator('#run-elements tr[data-input="preds"]').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rows.map((r) => r[0])).toEqual(['preds[0][0]', 'preds[0][1]', 'preds[0][2]', 'preds[1][0]', 'preds[1][1]', 'preds[1][2]']);
    expect(rows.map((r) => Number(r[1]))).toEqual(PREDS.flat());
    rows.forEach((r, i) => expect(Number(r[2])).toBeCloseTo(GRAD[i]!, 5));
    await pw.shot(page, '02-json-elements');
  });

  it('never threw an uncaught error in the page', () => {
    expect(pw.pageErrors).toEqual([]);
  });
});
