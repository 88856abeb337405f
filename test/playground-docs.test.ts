// Errors that teach, in headless Chromium: the header links to the language reference, and each
// diagnostic's code (in the Problems list and in the editor's hover) links to its section of
// the diagnostics guide, both pages served by the playground itself (rendered from docs/*.md
// at build time, so they work offline). Screenshots: test/.tmp/playground-docs/.
import { describe, expect, it } from 'vitest';
import { DIAGNOSTICS } from '../src/diagnostics/codes.js';
import { pasteSource, UI, usePlayground } from './playground-browser.js';

// Callbacks given to page.evaluate run in the page; this program has no DOM types of its own.
declare const document: any;
declare const window: any;

const pw = usePlayground('playground-docs');

describe('playground docs links in Chromium', { timeout: 120_000 }, () => {
  it('a code in the Problems list and in the hover opens its section of the served guide', async () => {
    const page = await pw.open();
    await pasteSource(page, 'loss f(pred: [N]) = mean(prd)\n');
    const code = page.locator('#problems .problem a.code', { hasText: 'E2001' });
    await code.waitFor(UI);
    const href = await code.getAttribute('href');
    expect(href).toBe(new URL('diagnostics.html#e2001', pw.url()).href);
    expect(await code.getAttribute('target')).toBe('_blank');

    // Clicking it opens the guide in a new tab; the work stays in this one.
    const [guide] = await Promise.all([page.context().waitForEvent('page'), code.click()]);
    await guide.waitForLoadState();
    expect(guide.url()).toBe(href);
    const section = guide.locator('h2#e2001');
    await section.waitFor(UI);
    // The section holds an example and its fix, as code.
    expect(await guide.evaluate(() => {
      const start = document.getElementById('e2001');
      const blocks: string[] = [];
      for (let el = start.nextElementSibling; el && el.tagName !== 'H2'; el = el.nextElementSibling) if (el.tagName === 'PRE') blocks.push(el.innerText);
      return blocks;
    })).toEqual(['loss f(pred: [N]) = mean(prd)', 'loss f(pred: [N]) = mean(pred)']);
    // The section is scrolled to, under the sticky bar.
    const box = (await section.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeLessThan(200);
    await pw.shot(guide, '02-guide-e2001');
    await guide.close();
    expect(await page.evaluate(() => window.__lossc.text)).toBe('loss f(pred: [N]) = mean(prd)\n');

    // The editor's hover shows the code as a link to the same section.
    const squiggle = (await page.locator('#editor .squiggly-error').first().boundingBox())!;
    await page.mouse.move(squiggle.x + squiggle.width / 2, squiggle.y + squiggle.height / 2);
    const hoverLink = page.locator('.monaco-hover a', { hasText: 'E2001' });
    await hoverLink.waitFor(UI);
    expect(await hoverLink.getAttribute('href')).toBe(href);
    // No loss checks, so the Run pane shows no value: not even the starter's, whose run was
    // still in flight when the text was replaced (it used to appear here, undimmed).
    expect(await page.locator('#run-value').count()).toBe(0);
    await pw.shot(page, '01-problem-links');
  });

  it('the guide has a section for every code of the table, and the header links to the language reference', async () => {
    const page = await pw.open();
    const ids: string[] = await page.evaluate(async () => {
      const html = await (await fetch('diagnostics.html')).text();
      const doc = new window.DOMParser().parseFromString(html, 'text/html');
      return [...doc.querySelectorAll('h2[id]')].map((e: any) => e.id);
    });
    const codes = Object.values(DIAGNOSTICS).map((d) => d.code.toLowerCase());
    expect(codes.filter((c) => !ids.includes(c))).toEqual([]);

    const link = page.locator('header #docs-link');
    expect(await link.innerText()).toBe('Language reference');
    const [ref] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await ref.waitForLoadState();
    expect(ref.url()).toBe(new URL('language.html', pw.url()).href);
    expect(await ref.locator('h1').innerText()).toBe('The lossc language');
    // Code blocks and tables came through, and links between the served docs stay on the site.
    expect(await ref.locator('pre').count()).toBeGreaterThan(10);
    expect(await ref.locator('table').count()).toBeGreaterThan(0);
    expect(await ref.locator('main a[href$=".md"]').count()).toBe(0);
    await pw.shot(ref, '03-language-reference');
  });

  it('the guide reads on a phone and in dark mode, with nothing wider than the screen', async () => {
    for (const [viewport, scheme, name] of [[{ width: 390, height: 844 }, 'light', '04-guide-phone'], [{ width: 390, height: 844 }, 'dark', '05-guide-phone-dark'], [{ width: 1440, height: 900 }, 'dark', '06-guide-dark']] as const) {
      const ctx = await pw.fresh(viewport, scheme);
      const page = await ctx.newPage();
      await page.goto(new URL('diagnostics.html#e4014', pw.url()).href);
      await page.locator('h2#e4014').waitFor(UI);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), name).toBeLessThanOrEqual(0);
      await pw.shot(page, name);
    }
  });
});
