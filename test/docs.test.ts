import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkSource } from '../src/check/module.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';

// The language reference promises every ```loss example compiles as shown.
const doc = readFileSync('docs/language.md', 'utf8');
const examples = [...doc.matchAll(/```loss\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('docs/language.md examples', () => {
  it('has examples', () => expect(examples.length).toBeGreaterThanOrEqual(10));
  it.each(examples.map((src, i) => ({ i, src })))('example $i checks without diagnostics', ({ src }) => {
    const r = checkSource(src, 'doc.loss');
    expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    expect(r.losses.length).toBeGreaterThan(0);
  });
});
