// Pure pieces of the playground that need no page: how numbers print, where a slider's ends
// are, the position of a flat element, and the Markdown the served docs are rendered with.
import { describe, expect, it } from 'vitest';
import { renderMarkdown, slug } from '../playground/docs/markdown.js';
import { formatNested, formatValue, unravel } from '../playground/src/format.js';
import { sliderRange } from '../playground/src/plot/sliders.js';

describe('formatValue', () => {
  it('prints six significant digits, an exponent outside [1e-4, 1e6), and the specials by name', () => {
    const cases: [number, string][] = [
      [0.9251988530158997, '0.925199'], [0.31326168751822286, '0.313262'], [2, '2'], [-0.2, '-0.2'], [0, '0'], [-0, '-0'],
      [123456.7, '123457'], [1234567, '1.23457e+6'], [0.000123456, '0.000123456'], [1.5e-8, '1.5e-8'], [-3e-20, '-3e-20'],
      [1e-4, '0.0001'], [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'],
    ];
    for (const [v, want] of cases) expect(formatValue(v), String(v)).toBe(want);
    expect(formatValue(0.123456789, 2)).toBe('0.12');
    expect(formatNested([[1 / 3, 2], [NaN, 1e-9]])).toBe('[[0.333333, 2], [NaN, 1e-9]]');
  });

  it('unravels a flat index row-major', () => {
    expect(unravel(5, [2, 3])).toEqual([1, 2]);
    expect(unravel(0, [4])).toEqual([0]);
    expect(unravel(23, [2, 3, 4])).toEqual([1, 2, 3]);
  });
});

describe('sliderRange', () => {
  it('spans a finite domain, stays inside an open end, and has a span around the default otherwise', () => {
    expect(sliderRange({ name: 'a', elem: 'real', default: 1, domain: { kind: 'interval', lo: 0, hi: 10, loClosed: true, hiClosed: true, text: '[0, 10]' } })).toEqual({ min: 0, max: 10, step: 0.05 });
    const open = sliderRange({ name: 't', elem: 'real', default: 1, domain: { kind: 'interval', lo: 0, hi: Infinity, loClosed: false, hiClosed: false, text: '(0, inf)' } });
    expect(open.min).toBeGreaterThan(0);
    expect(open.max).toBe(5);
    expect(sliderRange({ name: 'k', elem: 'int', default: 3, domain: { kind: 'interval', lo: 1, hi: 8, loClosed: false, hiClosed: true, text: '(1, 8]' } })).toEqual({ min: 2, max: 8, step: 1 });
    // No domain: four times the default's size either side of 0 (at least up to 5).
    expect(sliderRange({ name: 'b', elem: 'real', default: -2 })).toEqual({ min: -8, max: 8, step: 16 / 200 });
    expect(sliderRange({ name: 'c', elem: 'real', default: 0.5 })).toEqual({ min: 0, max: 5, step: 5 / 200 });
  });
});

describe('renderMarkdown', () => {
  it('gives headings their GitHub anchors and renders code, tables, lists and links', () => {
    expect(slug('E4002')).toBe('e4002');
    expect(slug('Bindings: `where` and `let`')).toBe('bindings-where-and-let');
    const html = renderMarkdown([
      '## E4002', '', 'A *b* and **c** with `x < y`, see [the guide](diagnostics-explained.md#e4001) and [code](../src/x.ts).', '',
      '```loss file=a.loss', 'loss f(x: [N]) = mean(x) // <b>', '```', '', '| a | b |', '|---|---|', '| 1 | `2` |', '', '- one', '  more', '- two', '',
    ].join('\n'), (href) => (href.startsWith('diagnostics-explained.md') ? href.replace('diagnostics-explained.md', './diagnostics.html') : undefined));
    expect(html).toContain('<h2 id="e4002">E4002</h2>');
    expect(html).toContain('A <em>b</em> and <strong>c</strong> with <code>x &lt; y</code>, see <a href="./diagnostics.html#e4001">the guide</a> and code.');
    expect(html).toContain('<pre class="lang-loss"><div class="file">a.loss</div><code>loss f(x: [N]) = mean(x) // &lt;b&gt;</code></pre>');
    expect(html).toContain('<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td><code>2</code></td></tr></tbody></table>');
    expect(html).toContain('<ul><li>one more</li><li>two</li></ul>');
  });
});
