// The front end on text it was never meant to see: character and token soup, shipped programs
// with random token edits, and pathological shapes (very long, very deep). `check` must return
// well-formed diagnostics every time, the same ones every time, and in time linear in the input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check as checkSource } from '../../src/api.js';
import { check, timeout } from './config.js';
import { expectFrontEndSound } from './invariants.js';
import { bigProgramFile, charSoup, editedProgram, programs, punctuationSoup, tokenSoup } from './soup.js';

const sources = programs();

describe('check never throws and reports well-formed diagnostics', () => {
  it.each([
    ['any code points', charSoup, 100],
    ['lexer punctuation', punctuationSoup, 100],
    ['token soup', tokenSoup, 150],
  ] as const)('on %s', (name, arbitrary, n) => {
    check('soup', fc.property(arbitrary, (text) => void expectFrontEndSound(text)), n);
  }, timeout(30_000));

  it(`on ${sources.length} shipped programs with deleted, duplicated, swapped and replaced tokens`, () => {
    expect(sources.length).toBeGreaterThan(0);
    check('edits', fc.property(editedProgram(sources), (text) => void expectFrontEndSound(text, 'edited.loss')), 150);
  }, timeout(60_000));

  it('gives the same diagnostics for the same text, whatever was checked before', () => {
    const key = (text: string): string => JSON.stringify(checkSource(text, 'same.loss').diagnostics);
    check(
      'edits',
      fc.property(editedProgram(sources), tokenSoup, (text, other) => {
        const first = key(text);
        checkSource(other, 'other.loss');
        expect(key(text)).toBe(first);
      }),
      60,
      // Two texts make the failure: the report shows both, no single corpus file does.
      () => undefined,
    );
  }, timeout(30_000));
});

describe('pathological inputs finish with diagnostics, not a crash', () => {
  const repeat = (s: string, n: number): string => s.repeat(n);
  const defs = (n: number): string =>
    Array.from({ length: n }, (_, i) => `def f${i + 1}(x) = ${i === 0 ? 'x' : `f${i}(x)`}`).join('\n') + `\nloss l(x: [N]) = mean(f${n}(x))`;
  it.each([
    ['a 10,000-term sum', `loss f(x: [N]) = mean(x${repeat(' + x', 10_000)})`],
    ['a 3,000-term product inside a call', `loss f(x: [N]) = mean(exp(x${repeat(' * x', 3_000)}))`],
    ['5,000 nested parentheses', `loss f(x: [N]) = ${repeat('(', 5_000)}x${repeat(')', 5_000)}`],
    ['20,000 unary minuses', `loss f(x: [N]) = mean(${repeat('-', 20_000)}x)`],
    ['2,000 nested lets', `loss f(x: [N]) = mean(${repeat('let a = x in ', 2_000)}a)`],
    ['2,000 nested conditionals', `loss f(x: [N]) = mean(${repeat('if x > 0 then x else ', 2_000)}x)`],
    ['a chain of 3,000 where-bindings', `loss f(x: [N]) = mean(a3000) where a0 = x${Array.from({ length: 3000 }, (_, i) => `, a${i + 1} = a${i} + 1`).join('')}`],
    ['a chain of 1,500 defs each calling the last', defs(1_500)],
    ['30,000 opening brackets', repeat('[', 30_000)],
    ['an unterminated comment of 100 KB', `loss f(x: [N]) = x /*${repeat('x', 100_000)}`],
    ['a 100 KB identifier', `loss ${repeat('a', 100_000)}(x: [N]) = mean(x)`],
    ['a 100 KB number', `loss f(x: [N]) = mean(x) * ${repeat('9', 100_000)}`],
    ['2,000 definitions with the same name', repeat('loss f(x: [N]) = mean(x)\n', 2_000)],
  ])('%s', (_, text) => {
    const started = performance.now();
    expectFrontEndSound(text);
    // Generous: these take well under a second; only a hang or a blow-up fails here.
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 60_000);
});

describe('time', () => {
  it('a 100 KB file of programs and one of garbage each check well within a generous bound', () => {
    const garbage = fc.sample(tokenSoup, { numRuns: 2000, seed: 7 }).join('\n');
    for (const text of [bigProgramFile(100_000), garbage.slice(0, 100_000)]) {
      checkSource(text.slice(0, 1000), 'warm.loss');
      const started = performance.now();
      const r = checkSource(text, 'big.loss');
      const ms = performance.now() - started;
      expect(r.diagnostics.filter((d) => d.code === 'E9001')).toEqual([]);
      // bench/check-speed.ts measures this (a few hundred ms); the bound only catches blow-ups.
      expect(ms, `${text.length} chars took ${ms.toFixed(0)} ms`).toBeLessThan(8_000);
    }
  }, 60_000);
});
