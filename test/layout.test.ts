// Meaning never depends on layout: the five ways it did (issue: index variables, result axis
// order, silent outer products), each through defs, bindings and imports, now give the right
// value or a diagnostic; and what callers see is laid out by the declarations.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import type { SourceHost } from '../src/check/program.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { evaluateTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { evaluateReference, type RefTensor } from '../src/reference/evaluate.js';
import { importModule } from './fuzz/compare.js';
import type { LossFunction } from './fuzz/inputs.js';

const ref = (data: number[][] | number[]): RefTensor => {
  const rows = Array.isArray(data[0]) ? (data as number[][]) : undefined;
  return rows ? { shape: [rows.length, rows[0]!.length], data: Float64Array.from(rows.flat()) } : { shape: [data.length], data: Float64Array.from(data as number[]) };
};

const hostOf = (files: Record<string, string>): SourceHost => ({ readFile: (p) => files[p.replace(/^.*\//, '')] });

/** The loss `name` of `source` on `inputs`, in float64 (the reference), with no error. */
function value(source: string, name: string, inputs: Record<string, RefTensor>, files: Record<string, string> = {}, options = {}): RefTensor {
  const checked = check(source, 'layout.loss', { host: hostOf(files) });
  expect(checked.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d)), source).toEqual([]);
  const fn = checked.losses.find((l) => l.name === name)!;
  return evaluateReference(fn, inputs, {}, options);
}

/** The diagnostics of `source` as text. */
function problems(source: string): string[] {
  return check(source, 'layout.loss').diagnostics.map((d) => formatDiagnostic(d));
}

const X = ref([[1, 2, 3], [4, 5, 6]]);
const W = ref([1, 1, 1]);

describe('index variables bind by declared order, never by the order a formula produces', () => {
  const chan = 'def chan(f: [B, C]) = sum(f[b, c], (b, c), where: c > 0)\n';
  it.each([
    ['a def pattern, operand order x * w', `${chan}loss a(x: [B, C], w: [C]) = chan(x * w)`],
    ['a def pattern, operand order w * x', `${chan}loss a(x: [B, C], w: [C]) = chan(w * x)`],
    ['a binding left side, w * x', 'loss a(x: [B, C], w: [C]) = sum(v[b, c], where: c > 0)\n  where v[b, c] = w * x'],
    ['a binding left side, x * w', 'loss a(x: [B, C], w: [C]) = sum(v[b, c], where: c > 0)\n  where v[b, c] = x * w'],
    ['indexing the product itself', 'loss a(x: [B, C], w: [C]) = sum(v[b, c], where: c > 0)\n  where v = w * x'],
  ])('%s: 16', (_, source) => {
    // The entries with c > 0 of x * w: 2 + 3 + 5 + 6.
    expect(value(source, 'a', { x: X, w: W }).data[0]).toBe(16);
  });

  it('through an imported def', () => {
    const lib = 'def chan(f: [B, C]) = sum(f[b, c], (b, c), where: c > 0)';
    expect(value('import { chan } from "./lib"\nloss a(x: [B, C], w: [C]) = chan(w * x)', 'a', { x: X, w: W }, { 'lib.loss': lib }).data[0]).toBe(16);
  });

  it('a binding left side matches by name where it can, by declared order for the rest', () => {
    const x = { shape: [2, 3, 4], data: Float64Array.from({ length: 24 }, (_, i) => i) };
    // y[n, k, c] = x: the left side's n, k, c name x's N, C, K in x's declared order.
    const positional = value('loss t(x: [N, C, K]) = y\n  where y[n, k, c] = x', 't', { x });
    expect(positional.shape).toEqual([2, 3, 4]);
    expect(Array.from(positional.data)).toEqual(Array.from(x.data));
    // y[n, k, c] = x[n, c, k]: the same names on both sides, so y is x with C and K swapped.
    const named = value('loss t(x: [N, C, K]) = y\n  where y[n, k, c] = x[n, c, k]', 't', { x });
    expect(named.shape).toEqual([2, 4, 3]);
    expect(named.data[1]).toBe(4); // y[0, 0, 1] = x[0, 1, 0]
  });

  it('indexing skips the leading ... dims and names the first declared axis', () => {
    const lp = { shape: [2, 3], data: Float64Array.of(1, 2, 3, 4, 5, 6) };
    expect(value('loss t(lp: [..., C]) = sum(v[c], where: c == 0)\n  where v = lp', 't', { lp }).data[0]).toBe(1 + 4);
  });

  it('taking axes by position from an outer product is allowed, laid out by declaration, with a warning', () => {
    expect(problems('loss f(x: [N], y: [M]) = sum(p)\n  where p[i, j] = x * y')).toEqual([
      'layout.loss:2:19: warning W4016: axes N, M of [N, M] are taken by position, but no declaration orders them (the value combines several operands): they are taken in the order the loss declares their dims; index the operands themselves instead',
    ]);
    expect(problems('loss f(x: [N], y: [M]) = sum(p)\n  where p[i, j] = x[i] * y[j]')).toEqual([]);
  });
});

describe('what callers see is laid out by the declarations', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  const run = async (source: string, name: string, inputs: Record<string, tf.Tensor>, options = {}): Promise<number[]> => {
    const compiled = await compile(source, 'layout.loss');
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const fn = compiled.losses.find((l) => l.name === name)!;
    const mod = await importModule<Record<string, LossFunction>>(compiled.code!, 'layout');
    const m = mod[name]!(...fn.inputs.filter((i) => i.default === undefined).map((i) => inputs[i.name]), options);
    const e = evaluateTfjs(fn, inputs, {}, options);
    expect(e.shape).toEqual(m.shape);
    const shape = m.shape;
    tf.dispose([m, e]);
    return shape;
  };

  it('w * x and x * w are [B, C], as x declares, with or without reduction none', async () => {
    const x = tf.tensor([[1, 2, 3], [4, 5, 6]]);
    const w = tf.tensor([1, 2, 3]);
    expect(await run('loss a(x: [B, C], w: [C]) = w * x', 'a', { x, w })).toEqual([2, 3]);
    expect(await run('loss a(x: [B, C], w: [C]) = x * w', 'a', { x, w })).toEqual([2, 3]);
    expect(await run('loss a(x: [B, C], w: [C]) = mean(w * x)', 'a', { x, w }, { reduction: 'none' })).toEqual([2, 3]);
    // The same in the reference.
    const r = value('loss a(x: [B, C], w: [C]) = mean(w * x)', 'a', { x: X, w: ref([1, 2, 3]) }, {}, { reduction: 'none' });
    expect(r.shape).toEqual([2, 3]);
    expect(Array.from(r.data)).toEqual([1, 4, 9, 4, 10, 18]);
    tf.dispose([x, w]);
  });

  it('a declared result (-> [C, B]) is the order callers see, and is checked', async () => {
    const x = tf.tensor([[1, 2, 3], [4, 5, 6]]);
    const w = tf.tensor([1, 10, 100]);
    expect(await run('loss a(x: [B, C], w: [C]) -> [C, B] = w * x', 'a', { x, w })).toEqual([3, 2]);
    const r = value('loss a(x: [B, C], w: [C]) -> [C, B] = w * x', 'a', { x: X, w: ref([1, 10, 100]) });
    expect(Array.from(r.data)).toEqual([1, 4, 20, 50, 300, 600]);
    expect(problems('loss b(x: [B, C]) -> [B] = sum(x, B)')).toEqual(["layout.loss:1:22: error E4018: the value of 'b' has axes [C], but its declared result is [B]"]);
    // A def's declared result is in its pattern's dims, and orders what it returns.
    // v[i] names v's first axis: C when t declares [C, B] (the first column, 1 + 4), B without.
    expect(value('def t(x: [B, C]) -> [C, B] = x\nloss f(x: [B, C]) = sum(v[i], where: i == 0)\n  where v = t(x)', 'f', { x: X }).data[0]).toBe(1 + 4);
    expect(value('def t(x: [B, C]) = x\nloss f(x: [B, C]) = sum(v[i], where: i == 0)\n  where v = t(x)', 'f', { x: X }).data[0]).toBe(1 + 2 + 3);
    tf.dispose([x, w]);
  });

  it('an outer product of values of no declared order is in the order the loss declares its dims', async () => {
    const x = tf.tensor([1, 2]);
    const y = tf.tensor([1, 2, 3]);
    expect(await run('loss o(x: [N], y: [M]) = y * x', 'o', { x, y })).toEqual([2, 3]);
    expect(await run('loss o(y: [M], x: [N]) = y * x', 'o', { x, y })).toEqual([3, 2]);
    tf.dispose([x, y]);
  });
});

describe('a def returns the axes of its arguments', () => {
  it('a copy of a dim made inside a def is the argument axis outside it (7, not 6)', () => {
    const source = 'def row_sums(e: [N, F]) = s\n  where s[i] = sum(e[i], F)\nloss good(e: [N, F], w: [N] = 1) = mean(w * row_sums(e))';
    const e = ref([[1, 1], [2, 2]]);
    // mean(w * row_sums) = (1·2 + 3·4) / 2.
    expect(value(source, 'good', { e, w: ref([1, 3]) }).data[0]).toBe(7);
  });

  it('two copies of one dim cannot both go back: an error', () => {
    expect(problems('def pd(e: [N, D]) = norm(e[i] - e[j], D)\nloss f(e: [N, D]) = mean(pd(e))')).toEqual([
      "layout.loss:2:26: error E4017: 'pd' would return axis j, a copy of N made inside it: a def's result has the axes of its arguments; reduce j, or make it one of the arguments' axes",
    ]);
  });
});

describe('copies of one dim that never meet', () => {
  const pairs = (l: string): string => `loss pairs(e: [N, D], labels: int[N]) = mean(${l}, where: same)\n  where same[i, j] = labels[i] == labels[j] and i != j\n        l[a, p]    = norm(e[a] - e[p], D)`;
  const e = ref([[0, 0], [1, 0], [0, 3]]);
  const labels = ref([0, 0, 1]);

  it('a mask with axes its operand lacks is an error, not a silent broadcast', () => {
    expect(problems(pairs('l'))[0]).toMatch(/^layout\.loss:1:56: error E4014: the 'where:' mask of mean has axes \[i:N, j:N\] that its operand \[a:N, p:N\]/);
  });

  it('indexed with the mask\'s variables it is the intended 1.0', () => {
    expect(value(pairs('l[i, j]'), 'pairs', { e, labels }).data[0]).toBe(1);
  });

  it('an elementwise product of the two sets of copies is warned about', () => {
    const warnings = problems('loss f(e: [N, D], label: int[N]) = mean(d * m)\n  where d[i, j] = norm(e[i] - e[j], D)\n        m[a, p] = real(label[a] == label[p])');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/warning W4015: '\*' combines \[i, j\] with \[a, p\], copies of N that share no index variable/);
    // The pairwise form and triplets that share a variable are not.
    expect(problems('loss f(e: [N, D]) = mean(norm(e[i] - e[j], D) * norm(e[k] - e[i], D))')).toEqual([]);
  });

  it('a weight matrix left unindexed beside a pairwise value is warned about, with the indexing meant', () => {
    const weighted = (w: string): string => `loss f(a: [N, D], b: [M, D], w: [N, M]) = mean(${w} * dot(a[i], b[j], D))`;
    const warnings = problems(weighted('w'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/warning W4015: '\*' combines \[N, M\] with \[i, j\], copies of N, M .*did you mean \[N, M\] indexed \[i, j\]\?/);
    // As warned, the value is the mean over [N, M, i, j]: 2·2·2·2 terms, not the 2·2 meant.
    const a = ref([[1, 0], [0, 1]]);
    const b = ref([[1, 1], [2, 0]]);
    const w = ref([[1, 0], [0, 1]]);
    // a·b: [[1, 2], [1, 0]]; meant: mean(w[i, j] · (a·b)[i, j]) = (1 + 0)/4; as written:
    // sum(w)·sum(a·b)/16 = 2·4/16.
    expect(value(weighted('w[i, j]'), 'f', { a, b, w }).data[0]).toBeCloseTo(1 / 4, 12);
    expect(value(weighted('w'), 'f', { a, b, w }).data[0]).toBeCloseTo(1 / 2, 12);
    expect(problems(weighted('w[i, j]'))).toEqual([]);
    // A plain [N, D] beside [i, D] is not warned: D is the same axis in both.
    expect(problems('loss g(e: [N, D]) = mean(e * e[i])')).toEqual([]);
  });

  it('one plain axis beside a copy of it is warned about too: a position-only binding used unindexed', () => {
    // w[n: N] names its axis n; `x * w` is then [N, n], the product of the two sums, where the
    // elementwise product was almost certainly meant.
    const weighted = (body: string): string => `loss f(x: [N]) = sum(${body}) where w[n: N] = n + 1`;
    const warnings = problems(weighted('x * w'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/warning W4015: '\*' combines \[N\] with \[n\], copies of N that share no index variable: the result has all of them, an outer product: did you mean \[N\] indexed \[n\]\?/);
    const x = ref([3, 1, 2]);
    // As written: (3 + 1 + 2)·(1 + 2 + 3) = 36; meant: 3·1 + 1·2 + 2·3 = 11.
    expect(value(weighted('x * w'), 'f', { x }).data[0]).toBe(36);
    expect(value(weighted('x[n] * w'), 'f', { x }).data[0]).toBe(11);
    expect(problems(weighted('x[n] * w'))).toEqual([]);
    // So is the pairwise form with one side left under its dim's name; both copies are not.
    expect(problems('loss g(s: [N]) = mean(relu(1 - (s - s[j])))')).toHaveLength(1);
    expect(problems('loss g(s: [N]) = mean(relu(1 - (s[i] - s[j])))')).toEqual([]);
  });
});

describe('the order of commuting operands never decides whether a formula checks', () => {
  // An index variable takes its size from a tensor indexed with it; which operand comes first
  // must not matter.
  const x = ref([1, 2, 3]);
  it.each([
    ['x[i] * i', 'i * x[i]'],
    ['x[i] * (1 + i)', '(1 + i) * x[i]'],
  ])('%s and %s: both 8/3', (a, b) => {
    for (const body of [a, b]) expect(value(`loss c(x: [N]) = mean(${body})`, 'c', { x }).data[0]).toBeCloseTo(8 / 3 + (body.includes('1 + i') ? 2 : 0), 12);
  });

  it('a pair mask written either way round', () => {
    const e = ref([[1, 2], [3, 4], [5, 6]]);
    const labels = ref([0, 1, 0]);
    for (const mask of ['(label[i] == label[j]) and (i != j)', '(i != j) and (label[i] == label[j])']) {
      const source = `loss c(x: [N, D], label: int[N]) = mean(sum(x[i] * x[j], D), where: pos[i, j])\n  where pos[i, j] = ${mask}`;
      // Only (0, 2) and (2, 0) share a label: x0 . x2 = 17.
      expect(value(source, 'c', { x: e, label: labels }).data[0]).toBe(17);
    }
  });
});
