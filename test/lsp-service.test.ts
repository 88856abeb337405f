// The language service (src/service) as tables: where each name leads by the language's
// scoping rules, which renames are refused, what the inlay hints say a value's axes and range
// are (written by hand from the math: relu is never negative, sigmoid rounds into [0, 1]),
// and the quick fixes for the corpus of naive forms users reported, which must remove the
// finding when applied, as the compiler itself judges by checking the fixed text again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import * as service from '../src/service/index.js';
import { CORPUS } from './fixtures/naive-corpus/expectations.js';

const ROOT = join(import.meta.dirname, '..');
const files = new Map<string, string>();
const host: service.ServiceHost = {
  readFile: (path) => files.get(path) ?? (() => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  })(),
  stdlib: () => [],
};
const ws: service.Workspace = { host, openFiles: () => [...files.keys()] };

/** Offset of the `nth` occurrence of `needle` in `text`. */
function at(text: string, needle: string, nth = 0): number {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  if (i < 0) throw new Error(`'${needle}' (${nth}) not in the text`);
  return i;
}

// [what, source, the use (needle, nth), its declaration (needle, nth)]
const DEFINITIONS: readonly [string, string, [string, number], [string, number]][] = [
  ['a where binding', 'loss f(x: [N]) = mean(a)\n  where a = x', ['a)', 0], ['a =', 0]],
  ['a parameter inside a binding', 'loss f(x: [N]) = mean(a)\n  where a = x', ['x', 1], ['x:', 0]],
  ['a dimension named in a reduction', 'loss f(x: [N, D]) = mean(sum(x, D))', ['D))', 0], ['D]', 0]],
  ['an index variable to the left side that declares it', 'loss f(e: [N, D]) = mean(d)\n  where d[i, j] = norm(e[i] - e[j], D)', ['i] -', 0], ['i, j]', 0]],
  ['a fresh index variable to its first use', 'loss f(e: [N, D]) = mean(p)\n  where p[i] = sum(e[i] * e[j], (D, j))', ['j))', 0], ['j]', 0]],
  ['the same letter in another binding is another variable', 'loss f(e: [N]) = mean(a + b)\n  where a[i] = e[i]\n        b[i] = e[i] * 2', ['i] * 2', 0], ['i] = e[i] * 2', 0]],
  ['a let binding, inner first', 'loss f(x: [N]) = mean(let a = x, b = a * 2 in b)', ['a * 2', 0], ['a = x', 0]],
  ['a function given as a binding', 'def sq(x) = x^2\nloss f(x: [N]) = mean(g(x))\n  where g = sq', ['g(x)', 0], ['g = sq', 0]],
  ['a def from the binding naming it', 'def sq(x) = x^2\nloss f(x: [N]) = mean(g(x))\n  where g = sq', ['sq', 1], ['sq(x)', 0]],
  ['a dim component', 'dim Box = {x1, x2}\nloss f(b: [N, Box]) = mean(b.x2 - b.x1)', ['x2 -', 0], ['x2}', 0]],
  ['a dim from a shape', 'dim Box = {x1, x2}\nloss f(b: [N, Box]) = mean(b.x2 - b.x1)', ['Box])', 0], ['Box =', 0]],
  ['the classes of an index', 'loss f(x: [N, C], t: index[N] of C) = mean(x[t])', ['C)', 0], ['C]', 0]],
];

describe('go to definition follows the language\'s scoping', () => {
  it.each(DEFINITIONS)('%s', (_, text, [use, useNth], [decl, declNth]) => {
    const doc = service.parsed(text, 'scope.loss');
    const found = service.definition(ws, doc, at(text, use, useNth));
    expect(found.map((l) => l.range.start)).toEqual([at(text, decl, declNth)]);
  });

  it('across an import, to the file imported', () => {
    files.set('/lib/helpers.loss', 'def sq(x) = x^2\n');
    const text = 'import { sq } from "./helpers"\nloss f(x: [N]) = mean(sq(x))';
    const doc = service.parsed(text, '/lib/main.loss');
    files.set('/lib/main.loss', text);
    expect(service.definition(ws, doc, at(text, 'sq(x)'))).toEqual([{ file: '/lib/helpers.loss', range: { start: 4, end: 6 } }]);
    // References of the def: its declaration, the import and the call.
    const refs = service.references(ws, service.parsed(files.get('/lib/helpers.loss')!, '/lib/helpers.loss'), 5, true);
    expect(refs.map((r) => `${r.file}@${r.range.start}`).sort()).toEqual(['/lib/helpers.loss@4', `/lib/main.loss@${at(text, 'sq }')}`, `/lib/main.loss@${at(text, 'sq(x)')}`].sort());
    files.clear();
  });
});

// [what, source, the name (needle), new name, refused (a part of the reason) or the renamed text]
const RENAMES: readonly [string, string, string, string, { refused: RegExp } | { text: string }][] = [
  ['a binding, everywhere', 'loss f(x: [N]) = mean(a * a)\n  where a = x', 'a =', 'y', { text: 'loss f(x: [N]) = mean(y * y)\n  where y = x' }],
  ['an index variable, in its binding only', 'loss f(e: [N]) = mean(a + b)\n  where a[i] = e[i]\n        b[i] = e[i]', 'i] = e[i]\n', 'k', { text: 'loss f(e: [N]) = mean(a + b)\n  where a[k] = e[k]\n        b[i] = e[i]' }],
  ['a dimension, in shapes and reductions', 'loss f(x: [N, D]) = mean(sum(x, D))', 'D]', 'E', { text: 'loss f(x: [N, E]) = mean(sum(x, E))' }],
  ['a dimension, where an index variable ranges over it too', 'loss f(x: [N, C]) = mean(x * keep)\n  where keep[c: C] = if c > 0 then 1 else 0', 'C]', 'K', { text: 'loss f(x: [N, K]) = mean(x * keep)\n  where keep[c: K] = if c > 0 then 1 else 0' }],
  ['not to a name another binding has', 'loss f(x: [N]) = mean(a + b)\n  where a = x\n        b = x', 'a =', 'b', { refused: /would/ }],
  ['not to a parameter\'s name', 'loss f(x: [N], y: [N]) = mean(a)\n  where a = x', 'a =', 'y', { refused: /would/ }],
  ['not capturing a fresh index variable', 'loss f(e: [N]) = mean(a)\n  where a = sum(e[j], j)', 'a =', 'j', { refused: /would/ }],
  ['not to a builtin', 'loss f(x: [N]) = mean(a)\n  where a = x', 'a =', 'exp', { refused: /builtin/ }],
  ['not to a keyword', 'loss f(x: [N]) = mean(a)\n  where a = x', 'a =', 'where', { refused: /not a name/ }],
  ['not to two definitions of one name', 'def g(x) = x\ndef h(x) = x\nloss f(x: [N]) = mean(g(x) + h(x))', 'g(x) =', 'h', { refused: /already defined|would/ }],
];

describe('rename', () => {
  it.each(RENAMES)('%s', (_, text, needle, newName, want) => {
    const doc = service.parsed(text, 'rename.loss');
    const r = service.rename(ws, doc, at(text, needle), newName);
    if ('refused' in want) {
      expect('error' in r && r.error).toMatch(want.refused);
    } else {
      expect('edits' in r).toBe(true);
      expect(service.applyEdits(text, 'edits' in r ? r.edits : [])).toBe(want.text);
    }
  });
});

// [source with one binding `v`, the hint]: axes by the binding's own index variables and the
// operands', ranges by the math of the ops (in float32: sigmoid rounds to 0 and 1 at the ends).
const HINTS: readonly [string, string][] = [
  ['loss f(x: [N]) = mean(v)\n  where v = relu(x)', ': [N] ≥ 0'],
  ['loss f(x: [N]) = mean(v)\n  where v = -relu(x)', ': [N] ≤ 0'],
  ['loss f(x: [N]) = mean(v)\n  where v = sigmoid(x)', ': [N] in [0, 1]'],
  ['loss f(x: [N]) = mean(v)\n  where v = x^2', ': [N] ≥ 0'],
  ['loss f(x: [N]) = mean(v)\n  where v = x', ': [N]'],
  ['loss f(y: [N] in {0, 1}) = mean(v)\n  where v = 2 * y - 1', ': [N] in {-1, 1}'],
  ['loss f(p: [N] in [0, 1]) = mean(v)\n  where v = 1 - p', ': [N] in [0, 1]'],
  ['loss f(x: [N, D]) = mean(v)\n  where v = sum(x, D)', ': [N]'],
  ['loss f(x: [N, D]) = mean(real(v))\n  where v = x > 0', ': bool[N, D]'],
  ['loss f(e: [N, D]) = mean(v)\n  where v[i, j] = norm(e[i] - e[j], D)', ': [i, j] ≥ 0'],
  ['loss f(x: [N, C]) = mean(v)\n  where v = softmax(x, C)', ': [N, C] in [0, 1]'],
  ['loss f(x: [N]) = v\n  where v = mean(abs(x))', ': real ≥ 0'],
];

describe('inlay hints: a binding\'s axes and range', () => {
  it.each(HINTS)('%s', (text, label) => {
    const doc = service.parsed(text, 'hints.loss');
    const hints = service.inlayHints(doc, service.valueFacts(ws, doc));
    expect(hints.map((h) => [h.name, h.label])).toEqual([['v', label]]);
    // After the left side, before its `=`.
    expect(text.slice(hints[0]!.offset).trimStart().startsWith('=')).toBe(true);
  });

  it('not for a def whose losses disagree on its axes', () => {
    const text = 'def g(x) = v\n  where v = x * 2\nloss f(a: [N]) = mean(g(a))\nloss h(b: [M, K]) = mean(g(b))';
    const doc = service.parsed(text, 'hints.loss');
    expect(service.inlayHints(doc, service.valueFacts(ws, doc))).toEqual([]);
  });
});

describe('completion', () => {
  it('offers a binding\'s index variables inside that binding only', () => {
    const text = 'loss f(e: [N]) = mean(a + b)\n  where a[i] = e[i]\n        b[k] = e[k]';
    const doc = service.parsed(text, 'complete.loss');
    const inA = service.completions(doc, at(text, 'e[i]'), host).map((c) => c.label);
    expect(inA).toContain('i');
    expect(inA).not.toContain('k');
    for (const name of ['e', 'a', 'b', 'N', 'sum', 'where']) expect(inA).toContain(name);
  });
});

describe('quick fixes for the naive forms users reported', () => {
  const flagged = CORPUS.filter((c) => c.expect.kind === 'flagged');
  const results = flagged.map((c) => {
    const file = join(ROOT, 'test/fixtures/naive-corpus', `${c.id}.loss`);
    const text = readFileSync(file, 'utf8');
    const findings = service.fullCheck(text, file, host).filter((d) => /^W6/.test(d.code));
    return { id: c.id, file, text, findings, actions: service.codeActions(service.parsed(text, file), findings, 0, text.length, host) };
  });

  it('offers one for nearly every flagged form', () => {
    const without = results.filter((r) => r.actions.length === 0).map((r) => r.id);
    expect(flagged.length).toBeGreaterThanOrEqual(10);
    expect(without.length).toBeLessThanOrEqual(1);
  });

  it.each(results.filter((r) => r.actions.length > 0).map((r) => [r.id, r] as const))('%s: each fix, applied, removes its finding and adds no error', (_, r) => {
    for (const a of r.actions) {
      const fixed = service.applyEdits(r.text, a.edits);
      const after = check(fixed, r.file).diagnostics;
      const d = a.diagnostic;
      const shift = a.edits[0]!.text.length - (a.edits[0]!.range.end - a.edits[0]!.range.start);
      const stillThere = after.some((x) => x.code === d.code && x.span?.start.offset === (d.span!.start.offset >= a.edits[0]!.range.end ? d.span!.start.offset + shift : d.span!.start.offset));
      expect(stillThere, `${a.title} left ${d.code}`).toBe(false);
      expect(after.filter((x) => x.severity === 'error')).toEqual([]);
      // The replacement is the compiler's own suggestion, taken from its note.
      const note = d.notes!.find((n) => n.startsWith('fix: '))!;
      expect(note.replace(/\s+/g, '')).toContain(a.edits[0]!.text.replace(/\s+/g, '').replace(/^[-+*/]/, ''));
    }
  });
});

describe('rename across files', () => {
  it('renames a def in its file, and in the import and uses of a file importing it', () => {
    const lib = 'def sq(x) = x^2\n';
    const main = 'import { sq } from "./helpers"\nloss f(x: [N]) = mean(sq(x))\n';
    files.set('/lib/helpers.loss', lib);
    files.set('/lib/main.loss', main);
    const r = service.rename(ws, service.parsed(main, '/lib/main.loss'), at(main, 'sq(x)'), 'square_it');
    files.clear();
    expect('edits' in r).toBe(true);
    const edits = 'edits' in r ? r.edits : [];
    expect(service.applyEdits(lib, edits.filter((e) => e.file === '/lib/helpers.loss'))).toBe('def square_it(x) = x^2\n');
    expect(service.applyEdits(main, edits.filter((e) => e.file === '/lib/main.loss'))).toBe('import { square_it } from "./helpers"\nloss f(x: [N]) = mean(square_it(x))\n');
  });
});

describe('every request answers on any text, never throws', () => {
  it('on token soup, character soup and shipped programs with random token edits, at random places', async () => {
    const fc = (await import('fast-check')).default;
    const { charSoup, editedProgram, programs, tokenSoup } = await import('./fuzz/soup.js');
    const { formatSource } = await import('../src/fmt/index.js');
    const text = fc.oneof(tokenSoup, charSoup, editedProgram(programs()));
    fc.assert(fc.property(text, fc.double({ min: 0, max: 1, noNaN: true }), (t, where) => {
      const doc = service.parsed(t, 'soup.loss');
      const offset = Math.floor(where * t.length);
      service.hover(ws, doc, offset);
      service.completions(doc, offset, host);
      service.signatureHelp(ws, doc, offset);
      service.definition(ws, doc, offset);
      service.references(ws, doc, offset, true);
      const r = service.rename(ws, doc, offset, 'renamed');
      if ('edits' in r) for (const e of r.edits) expect(t.slice(e.range.start, e.range.end)).toMatch(/^[\p{L}_][\p{L}\p{N}_]*$/u);
      service.outline(doc);
      service.foldingRanges(doc);
      service.semanticTokens(doc);
      service.inlayHints(doc, service.valueFacts(ws, doc));
      const f = formatSource(t, 'soup.loss');
      // Whatever parses formats (never the formatter's own refusal), keeping every character but whitespace.
      if (!doc.syntax.some((d) => d.severity === 'error')) expect('text' in f ? 'formatted' : f.diagnostics.map((d) => d.message)).toBe('formatted');
      if ('text' in f) expect(f.text.replace(/\s+/g, '')).toBe(t.replace(/\s+/g, ''));
    }), { numRuns: Number(process.env.LSP_SOUP_RUNS ?? 150), seed: Number(process.env.LSP_SOUP_SEED ?? 2026) });
  }, 60_000);
});

describe('completion after a dot', () => {
  it('offers the components of the dims, and only them', () => {
    const text = 'dim Box = {x1, y1, x2, y2}\nloss f(b: [N, Box]) = mean(b.x';
    const labels = service.completions(service.parsed(text, 'dot.loss'), text.length, host).map((c) => c.label);
    expect(labels).toEqual(['x1', 'y1', 'x2', 'y2']);
  });
});

describe('hover over an expression', () => {
  it('shows the value of the smallest expression there that the checker lowered', () => {
    const text = 'loss f(a: [N, D], b: [N, D]) = mean(relu(sum(a * b, D)))';
    const h = service.hover(ws, service.parsed(text, 'expr.loss'), at(text, '* b'));
    expect(h?.signature).toBe('a * b');
    expect(h?.doc).toBe('Value: `real[N, D]`');
    const outer = service.hover(ws, service.parsed(text, 'expr.loss'), at(text, '(sum'));
    expect(outer?.signature).toBe('relu(sum(a * b, D))');
    expect(outer?.doc).toContain('real[N] ≥ 0');
  });
});

describe('hover over a builtin', () => {
  it('shows its notation as plain code (a loss highlighter marks the ? of axes? invalid), source as loss', () => {
    const text = 'loss f(x: [N]) = sum(x)';
    const builtin = service.hover(ws, service.parsed(text, 'b.loss'), at(text, 'sum'));
    expect(builtin?.signature).toBe('sum(x, axes?, where: mask)');
    expect(builtin?.language).toBe('');
    expect(service.hover(ws, service.parsed(text, 'b.loss'), at(text, 'f('))?.language).toBe('loss');
  });
});

describe('completion in an import list', () => {
  it('offers the definitions of the module imported, even before the line parses', () => {
    files.set('/lib/helpers.loss', '/// Squares.\ndef sq(x) = x^2\nloss l(x: [N]) = mean(x)\n');
    const text = 'import { s } from "./helpers"\n';
    const items = service.completions(service.parsed(text, '/lib/main.loss'), at(text, 's }') + 1, host);
    const empty = 'import {  } from "./helpers"\n';
    const itemsEmpty = service.completions(service.parsed(empty, '/lib/main.loss'), at(empty, ' }'), host);
    files.clear();
    expect(items.map((i) => i.label)).toEqual(['sq', 'l']);
    expect(items[0]!.doc).toBe('Squares.');
    expect(itemsEmpty.map((i) => i.label)).toEqual(['sq', 'l']);
  });
});
