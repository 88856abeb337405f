// The rewrite engine apart from the rule table: common subexpressions, constant folding, dead
// code, the budget against rules that undo each other, exact result types, source spans of
// what it changed, the rule notation's checks, and the value ranges behind side conditions.
import { describe, expect, it } from 'vitest';
import { evaluateReference, type RefTensor } from '../src/reference/evaluate.js';
import type { IrFunction } from '../src/ir/types.js';
import { rewriteToFixedPoint } from '../src/opt/engine.js';
import { optimizeFunction } from '../src/opt/index.js';
import { compileRule, indexRules } from '../src/opt/rules.js';
import { countOps } from '../src/opt/stats.js';
import { formatRange } from '../src/ranges/interval.js';
import { RangeAnalysis } from '../src/ranges/analysis.js';
import { frontEnd } from '../src/pipeline.js';
import { buildIr } from './helpers/ir-fixtures.js';

function lower(source: string, optimize = true) {
  const r = frontEnd(source, 'engine.loss', { optimize, stability: false });
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  return { fn: r.losses[0]!, rewrites: r.rewrites.get(r.losses[0]!.name) ?? [] };
}

const ops = (fn: IrFunction, op: string): number => countOps(fn).byOp[op] ?? 0;

function values(fn: IrFunction, inputs: Record<string, RefTensor>): number[] {
  return Array.from(evaluateReference(fn, inputs, {}).data);
}

const vec = (...xs: number[]): RefTensor => ({ shape: [xs.length], data: Float64Array.from(xs) });

describe('engine', () => {
  it('computes a·b and b·a once', () => {
    const { fn, rewrites } = lower('loss f(x: [N], y: [N]) = mean(x * y + y * x)');
    expect(ops(fn, 'mul')).toBe(1);
    expect(rewrites.map((r) => r.rule)).toContain('cse');
    expect(values(fn, { x: vec(1, 2), y: vec(3, -4) })).toEqual([(6 - 16) / 2]);
  });

  it('folds constants and says so', () => {
    const { fn, rewrites } = lower('loss f(x: [N]) = mean(x * (2 + 3) - log(1))');
    expect(fn.nodes.filter((n) => n.op === 'const').map((n) => n.attrs.value)).toEqual([5]);
    expect(rewrites.filter((r) => r.rule === 'fold').map((r) => r.detail)).toEqual(['2 + 3 → 5', 'log(1) → 0']);
    expect(values(fn, { x: vec(1, 2) })).toEqual([7.5]);
  });

  it('drops nodes the result does not use', () => {
    const fn = buildIr({
      name: 'dead',
      inputs: [{ name: 'x', shape: ['N'] }],
      body: (b, v) => {
        b.op('exp', [v.x!]); // never used
        return b.op('sum', [b.op('square', [v.x!])], { axes: ['N'] });
      },
    });
    const out = optimizeFunction(fn).fn;
    expect(out.nodes.map((n) => n.op)).toEqual(['input', 'square', 'sum']);
    expect(out.reduction?.perSample).toBe(1);
  });

  it('stops rules that undo each other within the budget, with a correct program', () => {
    const flip = indexRules([compileRule(['flip', '(add ?x ?y)', '(add ?y ?x)', 'cost', '', 'loops forever'])]);
    const { fn } = lower('loss f(x: [N], y: [N]) = x + y', false);
    const r = rewriteToFixedPoint(fn, { rules: flip, maxRewrites: 40 });
    expect(r.exhausted).toBe(true);
    expect(r.rewrites.length).toBeLessThanOrEqual(40);
    expect(values(r.fn, { x: vec(1, 2), y: vec(10, 20) })).toEqual([11, 22]);
  });

  it('reaches a fixed point: optimizing twice changes nothing more', () => {
    const once = lower('loss f(x: [N, C], t: index[N] of C) = mean(-log(p[t])) where p = exp(x) / sum(exp(x), C)').fn;
    const twice = optimizeFunction(once);
    expect(twice.rewrites).toEqual([]);
    expect(twice.fn.nodes).toEqual(once.nodes);
  });

  it('keeps every result type exactly, trying commuted operands for the axis order', () => {
    // y * log σ(x) with y: [C], x: [N, C] is laid out [C, N]; the logits form must be too.
    const src = 'loss f(x: [N, C], y: [C] in [0, 1]) = y * log(sigmoid(x)) + (1 - y) * log(1 - sigmoid(x))';
    const before = lower(src, false).fn;
    const { fn, rewrites } = lower(src);
    expect(rewrites.map((r) => r.rule)).toContain('bce-logits');
    expect(fn.nodes[fn.output]!.type).toEqual(before.nodes[before.output]!.type);
    expect(fn.nodes[fn.output]!.type.axes.map((a) => a.name)).toEqual(['C', 'N']);
  });

  it('keeps the outer mean of a loss apart from its per-sample loss', () => {
    const { fn, rewrites } = lower('loss f(x: [N, D]) = mean(mean(x, D))');
    expect(rewrites).toEqual([]);
    expect(fn.nodes[fn.reduction!.perSample]!.type.axes.map((a) => a.name)).toEqual(['N']);
  });

  it('gives each rewrite the source span of the expression it changed', () => {
    const src = 'loss f(x: [N]) =\n  mean(2 * log(sigmoid(x)))';
    const { rewrites } = lower(src);
    const r = rewrites.find((w) => w.rule === 'log-sigmoid')!;
    expect(r.detail).toBe('log(sigmoid(x)) → log_sigmoid(x)');
    expect(r.span).toMatchObject({ file: 'engine.loss', start: { line: 2, col: 12 }, end: { line: 2, col: 27 } });
    expect(r.category).toBe('stability');
  });
});

describe('rule notation', () => {
  it.each([
    ['(log (sigmoid ?x)', 'ends early'],
    ['(lg ?x)', "unknown op 'lg'"],
    ['(log ?x))', 'text after its end'],
  ])('rejects %s', (pattern, message) => {
    expect(() => compileRule(['bad', pattern, '?x', 'algebra', '', ''])).toThrow(message);
  });

  it('rejects a replacement or condition that uses what the pattern does not bind', () => {
    expect(() => compileRule(['bad', '(log ?x)', '?y', 'algebra', '', ''])).toThrow('?y is not bound');
    expect(() => compileRule(['bad', '(log ?x)', '(sum:r ?x)', 'algebra', '', ''])).toThrow("'r' are not bound");
    expect(() => compileRule(['bad', '(log ?x)', '?x', 'algebra', 'nonneg ?y', ''])).toThrow('unbound');
    expect(() => compileRule(['bad', '(log ?x)', '?x', 'algebra', 'negative ?x', ''])).toThrow('known NAME');
    expect(() => compileRule(['bad', '(sub ?x ?y)', '(mean:?x-?z ?x)', 'algebra', '', ''])).toThrow('?z is not bound');
  });

  it('computes the attributes :?a-?b from the axes of the two nodes: those of ?a that ?b lacks', () => {
    const centre = indexRules([compileRule(['centre', '(sub ?a ?b)', '(sub (sub ?a (mean:?a-?b ?a)) (sub ?b (mean:?a-?b ?a)))', 'cost', '', 'shifting both by one vector keeps the difference'])]);
    const { fn } = lower('loss f(x: [B, N, D], y: [B, D]) = sum(x - y, N)', false);
    const r = rewriteToFixedPoint(fn, { rules: centre, maxRewrites: 1 });
    const means = r.fn.nodes.filter((n) => n.op === 'mean');
    expect(means.map((n) => n.attrs.axes)).toEqual([['N']]);
    expect(means[0]!.type.axes.map((a) => a.name)).toEqual(['B', 'D']);
    const x: RefTensor = { shape: [1, 2, 2], data: Float64Array.from([1, 2, 5, 7]) };
    const y: RefTensor = { shape: [1, 2], data: Float64Array.from([10, 20]) };
    expect(values(r.fn, { x, y })).toEqual(values(fn, { x, y }));
  });
});

describe('value ranges', () => {
  // The side conditions read the stability analysis's ranges (inputs may hold ±Infinity, never NaN).
  const CASES: readonly [string, string, boolean][] = [
    ['p',                               '[0, 1]',      false],
    ['sigmoid(x)',                      '[0, 1]',      false],
    ['log(p)',                          '(-inf, 0]',   false],
    ['sqrt(x)',                         '[0, inf)',    true],
    ['exp(x) + p',                      '[0, inf)',    false],
    ['square(x - 1)',                   '[0, inf)',    false],
    ['-p',                              '[-1, 0]',     false],
    ['p * (1 - p)',                     '[0, 1]',      false],
    ['softplus(x) / x',                 '(-inf, inf)', true],
    ['if x > 0 then p else 2',          '[0, 2]',      false],
    ['if x > 0 then log(x) else 0',     '(-inf, inf)', false],
    ['x * p',                           '(-inf, inf)', true],  // ∞ · 0
    ['x * x',                           '(-inf, inf)', false],
    ['softmax(x, N)',                   '[0, 1]',      true],  // x - max(x) is ∞ - ∞ at x = ∞
    ['mean(p, where: x > 0)',           '[0, 1]',      false],
  ];
  it.each(CASES)('%s is in %s, NaN possible: %s', (expr, range, nan) => {
    const { fn } = lower(`loss f(x: [N], p: [N] in [0, 1]) = ${expr}`, false);
    const ranges = new RangeAnalysis(fn);
    expect([formatRange(ranges.range(fn.output)), ranges.mayBeNaN(fn.output)]).toEqual([range, nan]);
  });
});
