import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Definition, Expr, Span } from '../grammar/ast.js';
import { parseExpression, parseModule, tokenize } from '../grammar/index.js';
import { monarchLanguage, lossLanguageConfiguration } from '../grammar/monarch.js';
import { Keyword, RESERVED_WORDS, TOKEN_INFO } from '../grammar/tokens.js';
import { CST_TYPES_PATH, cstTypesSource } from '../grammar/cst-types.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'syntax');

/** An expression as a compact s-expression, so expected trees fit on one line. */
function sx(e: Expr): string {
  switch (e.kind) {
    case 'Number': return e.text;
    case 'String': return JSON.stringify(e.value);
    case 'Name': return e.name;
    case 'Unary': return `(${e.op} ${sx(e.operand)})`;
    case 'Binary': return `(${e.op} ${sx(e.lhs)} ${sx(e.rhs)})`;
    case 'Call': return `(${e.callee.name}${e.args.map((a) => ` ${a.name ? `${a.name.name}:` : ''}${sx(a.value)}`).join('')})`;
    case 'Index': return `(at ${sx(e.target)} ${e.indices.map(sx).join(' ')})`;
    case 'Member': return `(. ${sx(e.target)} ${e.member.name})`;
    case 'Tuple': return `(tuple ${e.items.map(sx).join(' ')})`;
    case 'Conditional': return `(if ${sx(e.cond)} ${sx(e.then)} ${sx(e.else)})`;
    case 'Let': return `(let ${e.bindings.map((b) => `${b.name.name}=${sx(b.value)}`).join(' ')} ${sx(e.body)})`;
  }
}

const at = (s: Span | undefined): string => (s ? `${s.start.line}:${s.start.col}-${s.end.line}:${s.end.col}` : '?');
const clean = (text: string): Definition[] => {
  const r = parseModule(text, 't.loss');
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  return [...r.module.definitions];
};
const expr = (text: string): string => {
  const r = parseExpression(text);
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  return sx(r.expr!);
};

describe('expressions', () => {
  it.each([
    ['-x^2', '(- (^ x 2))'],
    ['a - b - c', '(- (- a b) c)'],
    ['a^b^c', '(^ a (^ b c))'],
    ['2^-1', '(^ 2 (- 1))'],
    ['a + b * c', '(+ a (* b c))'],
    ['a / b * c', '(* (/ a b) c)'],
    ['not a == b and c', '(and (not (== a b)) c)'],
    ['a or b and not c', '(or a (and b (not c)))'],
    ['-a * b', '(* (- a) b)'],
    ['(x - y)^2', '(^ (- x y) 2)'],
    ['x <= 1 + 2', '(<= x (+ 1 2))'],
    ['if a > 0 then a else -a', '(if (> a 0) a (- a))'],
    ['let s = sum(x), n = 2 in s / n', '(let s=(sum x) n=2 (/ s n))'],
    ['mean(max(0, d(a,p)-d(a,n)+m))', '(mean (max 0 (+ (- (d a p) (d a n)) m)))'],
    ['-log(softmax(x, C))[t]', '(- (at (log (softmax x C)) t))'],
    ['b.x2 - b.x1', '(- (. b x2) (. b x1))'],
    ['e[i] - e[j]', '(- (at e i) (at e j))'],
    ['real(difficulty <= epoch)', '(real (<= difficulty epoch))'],
    ['α * β_2', '(* α β_2)'],
  ])('%s', (text, tree) => expect(expr(text)).toBe(tree));

  it.each([
    ['max(d, j, where: pos[i, j])', '(max d j where:(at pos i j))'],
    ['clamp(x, lo: 0, hi: 1)', '(clamp x lo:0 hi:1)'],
    ['f()', '(f)'],
    ['logsumexp(s, (w, b), where: (w, b) != (v, a))', '(logsumexp s (tuple w b) where:(!= (tuple w b) (tuple v a)))'],
    ['((a))', 'a'],
    ['(a, b, c)', '(tuple a b c)'],
  ])('arguments and tuples: %s', (text, tree) => expect(expr(text)).toBe(tree));

  it.each([
    ['1', 1], ['1.0', 1], ['.5', 0.5], ['1e-6', 1e-6], ['2.5E+3', 2500], ['inf', Infinity], ['007', 7],
  ])('number %s', (text, value) => {
    const e = parseExpression(text).expr;
    expect(e).toMatchObject({ kind: 'Number', value, text });
  });
});

describe('definitions', () => {
  it('parses the card formula as written in a loss', () => {
    const [triplet] = clean(
      'loss triplet(a: [N, D], p: [N, D], n: [N, D], m: real = 1.0) = mean(max(0, d(a, p) - d(a, n) + m)) where d = sqdist',
    );
    expect(triplet!.defKind).toBe('loss');
    expect(sx(triplet!.body)).toBe('(mean (max 0 (+ (- (d a p) (d a n)) m)))');
    expect(triplet!.params.map((p) => p.name.name)).toEqual(['a', 'p', 'n', 'm']);
    expect(triplet!.params[3]).toMatchObject({ type: { kind: 'TensorType', element: 'real' }, default: { value: 1, text: '1.0' } });
    expect(triplet!.bindings.map((b) => `${b.name.name}=${sx(b.value)}`)).toEqual(['d=sqdist']);
  });

  it('separates where-bindings by name, newline or comma', () => {
    const [f] = clean('loss f(x) = a + b where a = x\n  b[i] = x[i] * 2, c = 1 d = 2');
    expect(f!.bindings.map((b) => `${b.name.name}[${b.indexVars.map((v) => v.name)}]=${sx(b.value)}`))
      .toEqual(['a[]=x', 'b[i]=(* (at x i) 2)', 'c[]=1', 'd[]=2']);
  });

  it.each([
    ['x: real', { kind: 'TensorType', element: 'real' }],
    ['x: int[N]', { kind: 'TensorType', element: 'int', shape: [{ kind: 'NamedDim', name: 'N' }] }],
    ['x: bool[N, M]', { kind: 'TensorType', element: 'bool', shape: [{ name: 'N' }, { name: 'M' }] }],
    ['x: [..., D]', { kind: 'TensorType', element: 'real', shape: [{ kind: 'RestDim' }, { kind: 'NamedDim', name: 'D' }] }],
    ['x: [N, 4]', { kind: 'TensorType', shape: [{ kind: 'NamedDim' }, { kind: 'SizeDim', size: 4 }] }],
    ['t: index[N, H, W] of C', { kind: 'IndexType', shape: [{ name: 'N' }, { name: 'H' }, { name: 'W' }], of: { name: 'C' } }],
    ['f: fn([N, D]) -> [N, F]', { kind: 'FunctionType', params: [{ kind: 'TensorType' }], result: { shape: [{ name: 'N' }, { name: 'F' }] } }],
    ['f: fn(real, [N]) -> real', { kind: 'FunctionType', params: [{ element: 'real' }, { shape: [{ name: 'N' }] }] }],
  ])('type %s', (param, type) => {
    const [f] = clean(`loss f(${param}) = 0`);
    expect(f!.params[0]!.type).toMatchObject(type);
  });

  it.each([
    ['p: [N] in [0, 1]', { kind: 'IntervalDomain', lo: { value: 0 }, hi: { value: 1 }, loClosed: true, hiClosed: true }],
    ['tau: real in (0, inf)', { kind: 'IntervalDomain', hi: { value: Infinity }, loClosed: false, hiClosed: false }],
    ['x: real in [0, inf)', { kind: 'IntervalDomain', loClosed: true, hiClosed: false }],
    ['x: real in (-1, 1]', { kind: 'IntervalDomain', lo: { kind: 'Unary', op: '-' }, loClosed: false, hiClosed: true }],
    ['y: [N] in {0, 1}', { kind: 'SetDomain', values: [{ value: 0 }, { value: 1 }] }],
  ])('domain %s', (param, domain) => {
    const [f] = clean(`loss f(${param}) = 0`);
    expect(f!.params[0]!.domain).toMatchObject(domain);
  });

  it('reads learnable parameters, untyped def parameters and defaults', () => {
    const [u, d] = clean('loss u(l: [T], param s: [T] = 0) = sum(l)\ndef h(x, y) = x');
    expect(u!.params[1]).toMatchObject({ learnable: true, default: { text: '0' } });
    expect(u!.params[0]!.learnable).toBe(false);
    expect(d!.params[0]!.type).toBeUndefined();
  });

  it('reads imports and dims', () => {
    const r = parseModule('import { cross_entropy, dice } from "./segmentation"\ndim Box = {x1, y1, x2, y2}', 'm.loss');
    expect(r.diagnostics).toEqual([]);
    expect(r.module.imports[0]).toMatchObject({ from: './segmentation', names: [{ name: 'cross_entropy' }, { name: 'dice' }] });
    expect(at(r.module.imports[0]!.fromSpan)).toBe('1:37-1:53');
    expect(r.module.dims[0]!.components.map((c) => c.name)).toEqual(['x1', 'y1', 'x2', 'y2']);
  });

  it('attaches doc comments to the next loss, def or dim', () => {
    const r = parseModule(
      '/// Box corners.\ndim Box = {a, b}\n\n///First line.\n///   indented\n// plain comment\ndef f(x) = x\nloss g(x) = x /// not a doc\n/// orphan\n',
      'd.loss',
    );
    expect(r.module.dims[0]!.doc).toBe('Box corners.');
    expect(r.module.definitions[0]!.doc).toBe('First line.\n  indented');
    expect(r.module.definitions[1]!.doc).toBeUndefined();
    expect(r.diagnostics.map((d) => `${d.code} ${at(d.span)}`)).toEqual(['W1016 8:15-8:28', 'W1016 9:1-9:11']);
  });
});

describe('spans', () => {
  const text = 'loss triplet(a: [N, D], m: real = 1.0) =\n  mean(max(0, d(a, p) - d(a, n) + m))\n  where d = sqdist\n';
  const [def] = clean(text);
  const body = def!.body as Extract<Expr, { kind: 'Call' }>;
  const diff = (body.args[0]!.value as Extract<Expr, { kind: 'Call' }>).args[1]!.value as Extract<Expr, { kind: 'Binary' }>;
  it.each([
    ['definition', def!.span, '1:1-3:19'],
    ['name', def!.name.span, '1:6-1:13'],
    ['param a', def!.params[0]!.span, '1:14-1:23'],
    ['shape of a', def!.params[0]!.type!.span, '1:17-1:23'],
    ['param m', def!.params[1]!.span, '1:25-1:38'],
    ['body', body.span, '2:3-2:38'],
    ['d(a, p) - d(a, n) + m', diff.span, '2:15-2:36'],
    ['its +', diff.opSpan, '2:33-2:34'],
    ['binding', def!.bindings[0]!.span, '3:9-3:19'],
  ])('%s', (_, span, expected) => expect(at(span)).toBe(expected));

  it.each([
    ['(x - y)^2', '1:1-1:10'],
    ['-x^2', '1:1-1:5'],
    ['a +\n  b', '1:1-2:4'],
    ['f(x)[i].c', '1:1-1:10'],
  ])('%s', (src, expected) => expect(at(parseExpression(src).expr!.span)).toBe(expected));

  it('counts offsets from 0 with an exclusive end', () => {
    const e = parseExpression('  foo', 'x').expr!;
    expect(e.span).toEqual({ file: 'x', start: { offset: 2, line: 1, col: 3 }, end: { offset: 5, line: 1, col: 6 } });
  });
});

describe('the language sketch', () => {
  const dir = join(FIXTURES, 'sketch');
  it.each(readdirSync(dir))('%s parses with no diagnostics', (name) => {
    const r = parseModule(readFileSync(join(dir, name), 'utf8'), name);
    expect(r.diagnostics).toEqual([]);
    expect(r.module.definitions.length).toBeGreaterThan(0);
  });
});

describe('syntax errors', () => {
  it.each([
    ['missing ) at end', 'loss f(x) = mean(x', 'E1011', '1:19', "expected ')' to close the call to 'mean' opened at line 1 col 17"],
    ['missing ) before where', 'loss f(x) =\n  mean(x where a = 1', 'E1010', '2:10', "to close the call to 'mean' opened at line 2 col 7 but found 'where'"],
    ['missing =', 'loss f(x) mean(x)', 'E1010', '1:11', "expected '=' but found name 'mean'"],
    ['chained comparison', 'loss f(a, b, c) = a < b < c', 'E1014', '1:25', 'do not chain'],
    ['bad character', 'loss f(x) = x $ 2', 'E1001', '1:15', "unexpected character '$'"],
    ['unterminated string', 'import { a } from "./x', 'E1002', '1:19', 'unterminated string'],
    ['unterminated comment', 'loss f(x) = x\n/* no end', 'E1003', '2:1', "'*/' is missing"],
    ['stray top-level token', 'loss f(x) = x\n)', 'E1012', '2:1', "at the top level but found ')'"],
    ['stray name at top', 'x = 1', 'E1012', '1:1', "found name 'x'"],
    ['missing expression after + at end', 'loss f(x) = x +', 'E1011', '1:16', 'expected an expression but the file ended'],
    ['missing expression after +', 'loss f(x) = (x + ) * 2', 'E1010', '1:18', "expected an expression but found ')'"],
    ['where with no binding', 'loss f(x) = x where', 'E1011', '1:20', "a binding such as 'name = value' after 'where'"],
    ['where then def', 'loss f(x) = x where\ndef g(y) = y', 'E1010', '2:1', "after 'where' but found 'def'"],
    ['bad shape entry', 'loss f(x: [N, +]) = x', 'E1010', '1:15', 'expected a dimension'],
    ['fractional size', 'loss f(x: [N, 1.5]) = x', 'E1017', '1:15', "'1.5' cannot be a dimension"],
    ['unclosed shape', 'loss f(x: [N, D) = x', 'E1010', '1:16', "expected ']' to close the shape opened at line 1 col 11 but found ')'"],
    ['number glued to a name', 'loss f(x) = 2x + 1', 'E1015', '1:13', "'2x' is not a number"],
    ['interval without comma', 'loss f(p: real in [0 1]) = p', 'E1010', '1:22', "expected ',' but found number 1"],
    ['empty dim', 'dim Box = {}', 'E1010', '1:12', 'expected a component name'],
    ['let without in', 'loss f(x) = let a = 1 a', 'E1010', '1:23', "expected 'in' but found name 'a'"],
    ['if without else', 'loss f(x) = if x then 1', 'E1011', '1:24', "expected 'else'"],
    ['fn without arrow', 'loss f(x: fn([N]) [N]) = x', 'E1010', '1:19', "expected '->'"],
    ['index without of', 'loss f(t: index[N]) = t', 'E1010', '1:19', "expected 'of'"],
    ['keyword as name', 'loss f(x) = sum(x, dim)', 'E1010', '1:20', "found 'dim' (a reserved word, not a name; reserved: and, bool, broadcast, def, dim, else, fn, from, if, import, in, index, inf, int, let, loss, not, of, or, param, real, then, where)"],
    ['keyword as a parameter name', 'loss f(fn: [N]) = mean(fn)', 'E1010', '1:8', "found 'fn' (a reserved word, not a name; reserved: and, bool, broadcast, def, dim, else, fn, from, if, import, in, index, inf, int, let, loss, not, of, or, param, real, then, where)"],
    ['misplaced doc comment', '/// doc\nimport { a } from "./a"', 'W1016', '1:1', "doc comment must stand directly above"],
  ])('%s', (_, text, code, where, message) => {
    const r = parseModule(text, 'bad.loss');
    expect(r.diagnostics.map((d) => `${d.code} ${d.span?.start.line}:${d.span?.start.col}`)).toEqual([`${code} ${where}`]);
    expect(r.diagnostics[0]!.message).toContain(message);
  });

  it('reports three separate errors in one file and keeps the good declarations', () => {
    const r = parseModule(readFileSync(join(FIXTURES, 'bad', 'three-errors.loss'), 'utf8'), 'three-errors.loss');
    expect(r.diagnostics.map((d) => `${d.code} ${d.span?.start.line}:${d.span?.start.col}`)).toEqual(['E1010 3:1', 'E1010 3:10', 'E1010 4:15']);
    expect(r.module.dims.map((d) => d.name.name)).toEqual(['D']);
    expect(r.module.definitions.map((d) => d.name.name)).toContain('ok');
  });

  it.each([
    ['a b', 'E1013', '1:3'],
    ['', 'E1011', '1:1'],
    ['f(', 'E1011', '1:3'],
  ])('expression %j', (text, code, where) => {
    const r = parseExpression(text);
    expect(r.diagnostics.map((d) => `${d.code} ${d.span?.start.line}:${d.span?.start.col}`)).toEqual([`${code} ${where}`]);
  });
});

describe('robustness', () => {
  /** mulberry32: a tiny seeded PRNG, so failures reproduce. */
  function prng(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const pieces = ['loss', 'def', 'dim', 'where', 'let', 'in', 'if', 'then', 'else', 'x', 'f', '(', ')', '[', ']', '{', '}',
    ',', ':', '=', '.', '...', '->', '+', '-', '*', '/', '^', '<', '==', 'and', 'not', '1', '.5', '1e-6', 'inf', '"s',
    '"s"', '/*', '*/', '///', '//', '\n', ' ', '$', 'α', 'index', 'of', 'fn', 'real', 'param', 'import', 'from', '2x'];
  const sketches = readdirSync(join(FIXTURES, 'sketch')).map((n) => readFileSync(join(FIXTURES, 'sketch', n), 'utf8'));

  function randomText(rand: () => number, i: number): string {
    const pick = <V>(xs: readonly V[]): V => xs[Math.floor(rand() * xs.length)]!;
    if (i % 2 === 0) return Array.from({ length: Math.floor(rand() * 40) }, () => pick(pieces)).join(pick([' ', '']));
    // Half are real programs with a few random cuts and insertions: near-misses users make.
    let text = pick(sketches);
    for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) {
      const at = Math.floor(rand() * text.length);
      text = text.slice(0, at) + (rand() < 0.5 ? pick(pieces) : '') + text.slice(at + Math.floor(rand() * 6));
    }
    return text;
  }

  it('reports absurd nesting as E1018 and parses normally afterwards', () => {
    const deep = parseModule(`loss f(x) = ${'('.repeat(3000)}x${')'.repeat(3000)}`, 'deep.loss');
    expect(deep.diagnostics.map((d) => d.code)).toEqual(['E1018']);
    expect(parseModule('loss f(x) = -x^2', 'ok.loss').diagnostics).toEqual([]);
  });

  it('never throws and keeps every span inside the text (300 random inputs)', () => {
    const rand = prng(20240611);
    for (let i = 0; i < 300; i++) {
      const text = randomText(rand, i);
      for (const r of [parseModule(text, 'r.loss'), parseExpression(text, 'r.loss')]) {
        for (const d of r.diagnostics) {
          expect(d.code, `${JSON.stringify(text)}: ${d.message}`).not.toBe('E9001');
          const s = d.span!;
          expect(s.start.offset >= 0 && s.start.offset <= s.end.offset && s.end.offset <= text.length, JSON.stringify(text)).toBe(true);
        }
        const keys = r.diagnostics.map((d) => `${d.code}@${d.span?.start.offset}`);
        expect(new Set(keys).size).toBe(keys.length);
      }
    }
  });
});

describe('tokens and editor grammar', () => {
  it.each([
    ['lossy', 'Identifier'], ['int', 'Int'], ['index2', 'Identifier'], ['inf', 'Inf'], ['in', 'In'],
    ['α_1', 'Identifier'], ['...', 'Ellipsis'], ['->', 'Arrow'], ['<=', 'LessEq'], ['1e-6', 'NumberLiteral'],
  ])('%s lexes as %s', (text, name) => {
    const r = tokenize(text);
    expect(r.tokens.map((t) => t.tokenType.name)).toEqual([name]);
  });

  it('derives the Monarch keyword lists from the token table', () => {
    const keywords = TOKEN_INFO.filter((t) => t.token.CATEGORIES?.includes(Keyword)).map((t) => t.text).sort();
    const listed = Object.entries(monarchLanguage).filter(([k]) => /eywords$/.test(k)).flatMap(([, v]) => v as string[]).sort();
    expect(listed).toEqual(keywords);
    for (const rules of Object.values(monarchLanguage.tokenizer)) for (const [re] of rules) expect(() => new RegExp(re.source, 'u')).not.toThrow();
    expect(lossLanguageConfiguration.comments).toEqual({ lineComment: '//', blockComment: ['/*', '*/'] });
  });

  it('has current generated CST types (LOSSC_UPDATE=1 rewrites them)', () => {
    const path = join(import.meta.dirname, '..', CST_TYPES_PATH);
    if (process.env.LOSSC_UPDATE) writeFileSync(path, cstTypesSource());
    expect(readFileSync(path, 'utf8')).toBe(cstTypesSource());
  });
});

describe('reserved words', () => {
  it('docs/language.md lists exactly the lexer\'s keywords', () => {
    const doc = readFileSync('docs/language.md', 'utf8').replace(/\s+/g, ' ');
    const listed = /These words are reserved and cannot be names: ([a-z, ]+)\./.exec(doc)?.[1]?.split(', ');
    expect(listed).toEqual([...RESERVED_WORDS]);
    expect(RESERVED_WORDS).toEqual(TOKEN_INFO.filter((t) => t.token.CATEGORIES?.includes(Keyword)).map((t) => t.text).sort());
  });
});

describe('the Monarch grammar takes a number whole', () => {
  // Monarch tries its rules in order at each position and takes the first that matches there,
  // whatever its length: a regex that backtracks `1e-6` to `1e` marks a valid number invalid.
  const firstRule = (text: string): unknown => {
    for (const [regex, action] of monarchLanguage.tokenizer.root as [RegExp, unknown][]) {
      if (!(regex instanceof RegExp)) continue;
      const anchored = new RegExp(`^(?:${regex.source})`, regex.flags);
      const m = anchored.exec(text);
      if (m && m[0].length > 0) return [m[0], action];
    }
    return undefined;
  };
  it.each([['1e-6', 'number'], ['2.5E+3', 'number'], ['.5', 'number'], ['10', 'number'], ['1e', 'invalid'], ['2x', 'invalid'], ['1e-6x', 'invalid']])('%s is %s', (text, kind) => {
    expect(firstRule(text)).toEqual([text, kind]);
  });
});
