// The formatter's promises, as properties over every program the project has (the stdlib, the
// language sketches, the docs' examples, the fuzzer's generated programs): formatting keeps the
// syntax tree (so the meaning), changes nothing but whitespace, is idempotent, and is
// canonical (any spacing and indentation of the same lines formats to the same text). Then
// the style itself, as a table of inputs and outputs, and `lossc fmt` as a process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from '../src/api.js';
import { formatSource } from '../src/fmt/index.js';
import { generateProgram, mulberry32 } from './fuzz/gen-program.js';
import { programs, splitTokens } from './fuzz/soup.js';

const ROOT = join(import.meta.dirname, '..');

/** The tree as plain data without places: what the program means, not where it is written. */
function shape(text: string): unknown {
  const strip = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(strip);
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).filter(([k]) => !/span$|^span|Span$|^file$/.test(k)).map(([k, v]) => [k, strip(v)]));
    return x;
  };
  const r = parse(text, 'f.loss');
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return strip(r.module);
}

function formatted(text: string): string {
  const r = formatSource(text, 'f.loss');
  if (!('text' in r)) throw new Error(`not formatted: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.text;
}

/** The formatter's promises on one program. */
function expectWellFormatted(text: string): void {
  const out = formatted(text);
  expect(shape(out)).toEqual(shape(text));
  expect(out.replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
  expect(formatted(out)).toBe(out);
  expect(out.endsWith('\n') && !out.endsWith('\n\n')).toBe(true);
  expect(out.split('\n').filter((l) => /\s$/.test(l))).toEqual([]);
}

/**
 * The same lines with other horizontal spacing: random spaces between the tokens of a plain
 * regex tokenizer (where a space cannot change a token) and random indentation.
 */
function respaced(text: string, seed: number): string {
  const rng = mulberry32(seed);
  const tokens = splitTokens(text);
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (/^\s+$/.test(t)) {
      const breaks = t.match(/\r\n|\r|\n/g) ?? [];
      out += breaks.length ? `${breaks.join('')}${' '.repeat(Math.floor(rng() * 9))}` : ' '.repeat(1 + Math.floor(rng() * 3));
    } else {
      out += t;
      const next = tokens[i + 1];
      // Between two tokens with no space, add one sometimes (never inside a comment's line).
      if (next !== undefined && !/^\s/.test(next) && !t.startsWith('//') && rng() < 0.4) out += ' ';
    }
  }
  return out;
}

const docs = readFileSync(join(ROOT, 'docs/language.md'), 'utf8');
const docExamples = [...docs.matchAll(/```loss\n([\s\S]*?)```/g)].map((m) => m[1]!);
const shipped = programs();
const generated = Array.from({ length: 40 }, (_, k) => generateProgram(1000 + k, 3 + (k % 4)).text);

describe('formatting keeps the program, changes only whitespace, is idempotent and ends lines cleanly', () => {
  it.each(shipped.map((p) => [p.file, p.text] as const))('%s', (_, text) => expectWellFormatted(text));
  it(`on the ${docExamples.length} examples of docs/language.md`, () => {
    expect(docExamples.length).toBeGreaterThan(10);
    for (const text of docExamples) expectWellFormatted(text);
  });
  it(`on ${generated.length} programs of the fuzzer's generator`, () => {
    for (const text of generated) expectWellFormatted(text);
  });
});

describe('formatting is canonical: the same lines spaced and indented anyhow format alike', () => {
  const sources = [...shipped.map((p) => p.text), ...docExamples, ...generated.slice(0, 10)];
  it(`on ${sources.length} programs, respaced at random`, () => {
    fc.assert(fc.property(fc.nat(sources.length - 1), fc.integer(), (k, seed) => {
      const text = sources[k]!;
      expect(formatted(respaced(text, seed))).toBe(formatted(text));
    }), { numRuns: 200, seed: 42 });
  });
});

describe('the stdlib is kept formatted', () => {
  it.each(readdirSync(join(ROOT, 'stdlib')).filter((f) => f.endsWith('.loss')))('%s', (f) => {
    const text = readFileSync(join(ROOT, 'stdlib', f), 'utf8');
    expect(formatted(text)).toBe(text);
  });
});

// The style, one case a line: input → output.
const STYLE: readonly [what: string, input: string, output: string][] = [
  ['spaces around binary operators, none inside brackets', 'loss f(x:[N],y:[N])=mean( (x-y)*(x+y)/2 )', 'loss f(x: [N], y: [N]) = mean((x - y) * (x + y) / 2)\n'],
  ['powers tight, signs tight', 'loss f(x: [N]) = mean(- x ^ 2 + 2 * - x)', 'loss f(x: [N]) = mean(-x^2 + 2 * -x)\n'],
  ['calls, indexing and members tight; named arguments spaced', 'dim Box = { x1 , x2 }\nloss f(b: [N, Box], m: bool[N]) = mean(b . x2 - b.x1 , N , where : m)', 'dim Box = {x1, x2}\nloss f(b: [N, Box], m: bool[N]) = mean(b.x2 - b.x1, N, where: m)\n'],
  ['imports with spaced braces', 'import {a,b} from "./m"\nloss f(x: [N]) = a(x) + b(x)', 'import { a, b } from "./m"\nloss f(x: [N]) = a(x) + b(x)\n'],
  ['a continued import list under its first name', 'import {a,\n b} from "./m"\nloss f(x: [N]) = a(x) + b(x)', 'import { a,\n         b } from "./m"\nloss f(x: [N]) = a(x) + b(x)\n'],
  ['list types, ragged spaced from its shape', 'loss f(p : list [K] of ragged[B, ...], q: list[K] of [B]) = sum(l)\nwhere\nl[k] = mean(p[k]) + mean(q[k])', 'loss f(p: list[K] of ragged [B, ...], q: list[K] of [B]) = sum(l)\n  where\n    l[k] = mean(p[k]) + mean(q[k])\n'],
  ['types and domains', 'loss f(t : index [N] of C, x: [N,C], k: int in [ 0 , inf ) = 1, p: real in { 1 , 2 } = 2) = mean(x[t])', 'loss f(t: index[N] of C, x: [N, C], k: int in [0, inf) = 1, p: real in {1, 2} = 2) = mean(x[t])\n'],
  ['a body on its own line two in, bindings under where aligned', 'loss f(e: [N, D]) =\nmean(d)\n     where\n  d[i, j] = norm(e[i] - e[j], D)\n        dd = 1', 'loss f(e: [N, D]) =\n  mean(d)\n  where\n    d[i, j] = norm(e[i] - e[j], D)\n    dd      = 1\n'],
  ['index variables ranging over a dim, aligned too', 'loss f(x: [N, C]) = mean(x * keep * w)\nwhere\nkeep[c:C] = if c > 0 then 1 else 0\nw = 2', 'loss f(x: [N, C]) = mean(x * keep * w)\n  where\n    keep[c: C] = if c > 0 then 1 else 0\n    w          = 2\n'],
  ['bindings after `where x = …` under the first', 'loss f(x: [N]) = mean(a * bb)\n where a = x\n bb = 2 * x', 'loss f(x: [N]) = mean(a * bb)\n  where a  = x\n        bb = 2 * x\n'],
  ['a continued parameter list under the first parameter', 'loss f(x: [N],\n y: [N]) = mean(x * y)', 'loss f(x: [N],\n       y: [N]) = mean(x * y)\n'],
  ['comments and doc comments kept, indented with the code after them', '// about the file\n\n\n\n/// The loss.\n   loss f(x: [N]) = // the body follows\n       mean(x) /* all of it */\n', '// about the file\n\n/// The loss.\nloss f(x: [N]) = // the body follows\n  mean(x) /* all of it */\n'],
  ['trailing comments of consecutive lines aligned', 'loss f(x: [N]) = mean(a + bbb)\n  where a = x // one\n        bbb = 2 * x   // two\n', 'loss f(x: [N]) = mean(a + bbb)\n  where a   = x     // one\n        bbb = 2 * x // two\n'],
  ['conditionals, lets and logic', 'loss f(x: [N]) = mean(if x>0 and not x>1 then x else let y=x*2 , z=y in z)', 'loss f(x: [N]) = mean(if x > 0 and not x > 1 then x else let y = x * 2, z = y in z)\n'],
  ['ellipsis and function types', 'loss f(g: fn([...,D])->[...,K], x: [..., D]) = mean(g(x))', 'loss f(g: fn([..., D]) -> [..., K], x: [..., D]) = mean(g(x))\n'],
];

describe('the canonical style', () => {
  it.each(STYLE)('%s', (_, input, output) => {
    expect(formatted(input)).toBe(output);
    expect(formatted(output)).toBe(output);
  });

  it('refuses a file with a syntax error, saying where', () => {
    const r = formatSource('loss f(x: [N]) =\n  mean(x +)\n', 'bad.loss');
    expect('diagnostics' in r && r.diagnostics[0]!.span?.start.line).toBe(2);
  });
});

describe('lossc fmt as a process', () => {
  const lossc = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/lossc.js'), ...args], { encoding: 'utf8' });

  it('--check passes on the stdlib', () => {
    const r = lossc('fmt', '--check', join(ROOT, 'stdlib'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('--check lists the files that are not formatted and exits 1, writing nothing; fmt then formats them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-fmt-'));
    const messy = 'loss f(x:[N]) = mean( x )\n';
    writeFileSync(join(dir, 'a.loss'), messy);
    writeFileSync(join(dir, 'b.loss'), 'loss g(x: [N]) = mean(x)\n');
    const check = lossc('fmt', '--check', dir);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain(join(dir, 'a.loss'));
    expect(check.stdout).not.toContain(join(dir, 'b.loss'));
    expect(readFileSync(join(dir, 'a.loss'), 'utf8')).toBe(messy);
    const write = lossc('fmt', dir);
    expect(write.status).toBe(0);
    expect(readFileSync(join(dir, 'a.loss'), 'utf8')).toBe('loss f(x: [N]) = mean(x)\n');
    expect(readdirSync(dir).sort()).toEqual(['a.loss', 'b.loss']);
    expect(lossc('fmt', '--check', dir).status).toBe(0);
  });

  it('leaves a file with a syntax error as it is and reports it as file:line:col', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-fmt-'));
    const bad = 'loss f(x:[N]) =\n  mean( x +)\n';
    writeFileSync(join(dir, 'bad.loss'), bad);
    const r = lossc('fmt', join(dir, 'bad.loss'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${join(dir, 'bad.loss').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2:\\d+: error E1\\d{3}: `));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(join(dir, 'bad.loss'), 'utf8')).toBe(bad);
  });

  it('bad usage exits 2', () => {
    expect(lossc('fmt').status).toBe(2);
    expect(lossc('fmt', '--nope', 'x.loss').status).toBe(2);
    expect(lossc('fmt', '--help').stdout).toContain('--check');
  });
});
