// An optional input that defaults to another input in the playground's Run pane: left out (the
// Run pane leaves optional inputs out), it is the other input's tensor, so bce(p) is the entropy
// of p, and its gradient the total derivative, checked against the formulas worked out here;
// given, q is used. The signature says
// what fills it. Screenshots: test/.tmp/playground-input-default/.
import { describe, expect, it } from 'vitest';
import { pasteSource, result, UI, usePlayground } from './playground-browser.js';

const pw = usePlayground('playground-input-default');

const SOURCE = 'loss bce(p: [N] in (0, 1), q: [N] in [0, 1] = p) = mean(-(q * log(p) + (1 - q) * log1p(-p)))\n';
const P = [0.2, 0.6, 0.9];
const Q = [0, 0.5, 1];
const bce = (q: readonly number[]): number => -P.reduce((s, p, i) => s + q[i]! * Math.log(p) + (1 - q[i]!) * Math.log(1 - p), 0) / P.length;

describe('an input default in Chromium', { timeout: 120_000 }, () => {
  it('left out, q is p (the entropy); given, the cross-entropy; the signature says so', async () => {
    const page = await pw.open();
    await pasteSource(page, SOURCE);
    await result(page, 'bce');
    await expect.poll(() => page.locator('#pane-run').innerText(), UI).toContain('q: real[N] in [0, 1] (optional: p when left out)');
    await page.click('#run-mode-json');
    const settled = async (want: number): Promise<void> => {
      await expect.poll(async () => {
        const out = page.locator('#run-output[data-state="done"] #run-value');
        return (await out.count()) ? Math.abs(Number(await out.innerText()) - want) < 1e-5 * want : false;
      }, UI).toBe(true);
    };
    await page.fill('#run-json', JSON.stringify({ p: P }));
    await settled(bce(P));
    // The total derivative, -log(p / (1 - p)) / N, for p alone: q has no row.
    const pane = await page.locator('#pane-run').innerText();
    for (const p of P) expect(pane).toContain((-Math.log(p / (1 - p)) / P.length).toPrecision(6));
    expect(pane).not.toContain('q[0]');
    await pw.shot(page, '01-entropy');
    await page.fill('#run-json', JSON.stringify({ p: P, q: Q }));
    await settled(bce(Q));
    await pw.shot(page, '02-cross-entropy');
  });

  it('never threw an uncaught error in the page', () => {
    expect(pw.pageErrors).toEqual([]);
  });
});
