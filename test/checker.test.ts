import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { evaluate } from '../src/api.js';
import { checkSource } from '../src/check/module.js';
import { fsHost } from '../src/cli/files.js';
import { DIAGNOSTICS } from '../src/diagnostics/codes.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { formatAxes } from '../src/ir/axes.js';
import { printIr } from '../src/ir/print.js';
import type { IrFunction } from '../src/ir/types.js';

/** A bad program, the code it must raise first, and where (1-based line:col). */
interface BadCase {
  readonly name: string;
  readonly src: string;
  readonly code: string;
  readonly at: string;
}

// Each source is a whole module; `at` points where a person would look for the mistake.
const BAD: readonly BadCase[] = [
  { name: 'missing closing parenthesis', src: 'loss f(x: [N]) = mean(x\n', code: 'E1011', at: '2:1' },
  { name: 'missing = before the body', src: 'loss f(x: [N]) mean(x)', code: 'E1010', at: '1:16' },
  { name: 'chained comparison', src: 'loss f(x: [N]) = mean(real(0 < x < 1))', code: 'E1014', at: '1:34' },
  { name: 'stray character', src: 'loss f(x: [N]) = mean(x) $', code: 'E1001', at: '1:26' },
  { name: 'unknown name', src: 'loss f(x: [N]) = mean(y)', code: 'E2001', at: '1:23' },
  { name: 'unknown name with a hint', src: 'loss f(pred: [N]) = mean(prd)', code: 'E2001', at: '1:26' },
  { name: 'unknown function', src: 'loss f(x: [N]) = meen(x)', code: 'E2002', at: '1:18' },
  { name: 'duplicate definition', src: 'loss f(x: [N]) = mean(x)\nloss f(x: [N]) = sum(x)', code: 'E2003', at: '2:6' },
  { name: 'duplicate parameter', src: 'loss f(x: [N], x: [N]) = mean(x)', code: 'E2004', at: '1:16' },
  { name: 'duplicate where binding', src: 'loss f(x: [N]) = mean(a)\n  where a = x\n        a = 2 * x', code: 'E2005', at: '3:9' },
  { name: 'cyclic defs', src: 'def a(x) = b(x)\ndef b(x) = a(x)\nloss f(x: [N]) = mean(a(x))', code: 'E2006', at: '1:5' },
  { name: 'cyclic where bindings', src: 'loss f(x: [N]) = mean(a)\n  where a = b + x\n        b = a * 2', code: 'E2006', at: '2:9' },
  { name: 'redefining a builtin', src: 'def exp(x) = x\nloss f(x: [N]) = mean(exp(x))', code: 'E2009', at: '1:5' },
  { name: 'class index of an unknown dim', src: 'loss f(x: [N, C], t: index[N] of K) = mean(x)', code: 'E2010', at: '1:34' },
  { name: 'unknown component', src: 'dim Box = {x1, y1, x2, y2}\nloss f(b: [N, Box]) = mean(b.z)', code: 'E2011', at: '2:30' },
  { name: 'calling a tensor', src: 'loss f(x: [N]) = mean(x(1))', code: 'E2012', at: '1:23' },
  { name: 'a function as a value', src: 'def g(x) = x\nloss f(x: [N]) = mean(x) + g', code: 'E2013', at: '2:28' },
  { name: 'wrong arity of a builtin', src: 'loss f(x: [N]) = mean(exp(x, x))', code: 'E3001', at: '1:23' },
  { name: 'wrong arity of a def', src: 'def sq(x, y) = (x - y)^2\nloss f(x: [N]) = mean(sq(x))', code: 'E3001', at: '2:23' },
  { name: 'unknown named argument', src: 'loss f(x: [N]) = mean(x, when: x > 0)', code: 'E3002', at: '1:26' },
  { name: 'one-hot where an index is expected', src: 'def nll(lp: [N, C], t: index[N] of C) = -mean(lp[t])\nloss f(x: [N, C], y: [N, C]) = nll(x, y)', code: 'E3005', at: '2:39' },
  { name: 'gathering by a real tensor', src: 'loss f(x: [N, C], y: [N]) = mean(x[y])', code: 'E3004', at: '1:36' },
  { name: 'reducing over an axis the operand lacks', src: 'loss f(x: [N, D], y: [N]) = mean(sum(y, D))', code: 'E4003', at: '1:41' },
  { name: 'arithmetic on a condition', src: 'loss f(x: [N]) = mean((x > 0) + 1)', code: 'E3014', at: '1:23' },
  { name: 'a number where a condition is needed', src: 'loss f(x: [N]) = mean(if x then 1 else 0)', code: 'E3008', at: '1:26' },
  { name: 'loss with a boolean value', src: 'loss f(x: [N]) = any(x > 0)', code: 'E3004', at: '1:18' },
  { name: 'untyped loss parameter', src: 'loss f(x) = mean(x)', code: 'E3013', at: '1:8' },
  { name: 'def called with mismatched dims', src: 'def sq(x: [..., D], y: [..., D]) = sum((x - y)^2, D)\nloss f(a: [N, D], b: [N, E]) = mean(sq(a, b))', code: 'E4002', at: '2:43' },
  { name: 'too many indices', src: 'loss f(x: [N]) = mean(x[i, j])', code: 'E4004', at: '1:23' },
  { name: 'index variable over two dims', src: 'loss f(x: [N], y: [M]) = mean(s)\n  where s[i] = x[i] * y[i]', code: 'E4005', at: '2:25' },
  { name: 'left index variable not on the right', src: 'loss f(x: [N]) = mean(s)\n  where s[i, k] = x[i]', code: 'E4006', at: '2:14' },
  { name: 'two rest groups in one shape', src: 'loss f(x: [..., N, ...]) = mean(x)', code: 'E4009', at: '1:20' },
  { name: 'same dim twice in one shape', src: 'loss f(x: [N, N]) = mean(x)', code: 'E4011', at: '1:15' },
  { name: 'default not constant', src: 'loss f(x: [N], m: real = x) = mean(x + m)', code: 'E5001', at: '1:26' },
  { name: 'default outside its domain', src: 'loss f(x: [N], m: real in (0, inf) = 0) = mean(x + m)', code: 'E5002', at: '1:38' },
  { name: 'tensor default not constant', src: 'loss f(x: [N], y: [N] = 2 * x) = mean(x + y)', code: 'E5003', at: '1:25' },
  { name: 'tensor default another input of another shape', src: 'loss f(x: [N], z: [M], y: [M] = x) = mean(x) + mean(z + y)', code: 'E5023', at: '1:33' },
  { name: 'tensor default a later input', src: 'loss f(x: [N], y: [N] = z, z: [N] = 1) = mean(x + y + z)', code: 'E5024', at: '1:25' },
  { name: 'optional input with a dim no required input has', src: 'loss f(x: [N], w: [M] = 1) = mean(x) + sum(w)', code: 'E5009', at: '1:16' },
  { name: 'learnable parameter without an initial value', src: 'loss f(x: [N], param s: [N]) = mean(x * s)', code: 'E5010', at: '1:22' },
  { name: 'fractional default of an int', src: 'loss f(x: [N], k: int = 1.5) = mean(x * k)', code: 'E5004', at: '1:25' },
  { name: 'empty domain', src: 'loss f(x: [N], m: real in (1, 0) = 1) = mean(x + m)', code: 'E5005', at: '1:27' },
  { name: 'missing import', src: 'import { mse } from "./nowhere"\nloss f(x: [N]) = mse(x, x)', code: 'E2008', at: '1:21' },
  { name: 'index variable used as a value before it has a size', src: 'loss f(x: [N]) = mean(x) + sum(s)\n  where s[i] = real(i)', code: 'E4012', at: '2:21' },
  { name: 'undeclared name in an expression', src: 'loss f(x: [N]) = mean(x * i)', code: 'E2001', at: '1:27' },
];

describe('bad programs give a diagnostic with a code and a place', () => {
  it('has at least 25 distinct cases with distinct codes', () => {
    expect(BAD.length).toBeGreaterThanOrEqual(25);
    expect(new Set(BAD.map((b) => b.code)).size).toBeGreaterThanOrEqual(25);
  });
  it.each(BAD)('$name → $code at $at', ({ src, code, at }) => {
    const result = checkSource(src, 'bad.loss');
    const first = result.diagnostics.find((d) => d.severity === 'error');
    expect(first, `no error for:\n${src}`).toBeDefined();
    const rendered = result.diagnostics.map((d) => formatDiagnostic(d)).join('\n');
    expect(`${first!.code} at ${first!.span ? `${first!.span.start.line}:${first!.span.start.col}` : '-'}`, rendered).toBe(`${code} at ${at}`);
    expect(first!.message.length).toBeGreaterThan(10);
  });
});

// Programs that compiled to a wrong number without a word (a default of 0.5 filling an int
// tensor with 0, logits taken for probabilities), or failed with a misleading message, and
// now get the diagnostic that says why. `at` is code and line:col of every diagnostic.
const SILENT: readonly { name: string; src: string; at: readonly string[] }[] = [
  { name: 'a fractional default fills an int tensor', src: 'loss f(x: [N], w: int[N] = 0.5) = mean(x * w)', at: ['E5004 1:28'] },
  { name: 'a default of 2 fills a bool tensor', src: 'loss f(x: [N], m: bool[N] = 2) = mean(x * real(m))', at: ['E5004 1:29'] },
  { name: 'a fractional class index as a default', src: 'loss f(x: [N, C], t: index[N] of C = 1.5) = mean(x[t])', at: ['E5004 1:38'] },
  { name: 'empty: 0.5 for the max of whole numbers', src: 'loss f(k: int[N], m: bool[N]) = real(max(k, N, where: m, empty: 0.5))', at: ['E3009 1:65'] },
  { name: 'empty: inf for the min of whole numbers', src: 'loss f(k: int[N], m: bool[N]) = real(min(k, N, where: m, empty: inf))', at: ['E3009 1:65'] },
  { name: 'empty: 2 for any', src: 'loss f(c: bool[N], m: bool[N]) = real(any(c, N, where: m, empty: 2))', at: ['E3004 1:66'] },
  { name: 'a fractional number for an int parameter', src: 'def top(x: [N], k: int) = mean(x * k)\nloss f(x: [N]) = top(x, 1/2)', at: ['E3009 2:25'] },
  { name: 'a def default outside its domain', src: 'def g(x, m: real in (0, 1) = 5) = x * m\nloss f(p: [N]) = mean(g(p))', at: ['E5002 1:30'] },
  { name: 'a def default of the wrong type', src: 'def g(x, k: int = 2.5) = x * k\nloss f(p: [N]) = mean(g(p))', at: ['E5004 1:19'] },
  // The loss was left out of the module, and nothing said so.
  { name: 'a def default that is not a constant', src: 'def g(x, m = x) = x * m\nloss f(p: [N]) = mean(g(p))\nloss h(p: [N]) = mean(p)', at: ['E5001 1:14'] },
  // It said "'f' takes 2 to 3 arguments but was given 2".
  { name: 'a required parameter after a defaulted one', src: 'def f(x, m = 2, y) = x * m + y\nloss a(p: [N], q: [N]) = mean(f(p, q))', at: ['E5008 1:17'] },
  { name: 'a required input after an optional one', src: 'loss d(p: [N], w: [N] = 1, q: [N]) = mean(p * w - q)', at: ['E5008 1:28'] },
  { name: 'logits for a parameter declared a probability', src: 'def nll(p: [N] in (0, 1]) = -mean(log(p))\nloss f(x: [N]) = nll(x)', at: ['W5007 2:22'] },
  { name: 'a negative number for a parameter in [0, inf)', src: 'def focal_weight(p: [N] in [0, 1], gamma: real in [0, inf)) = mean((1 - p)^gamma)\nloss f(p: [N] in [0, 1]) = focal_weight(p, -1)', at: ['W5007 2:44'] },
  { name: 'an undeclared hyperparameter passed on to one in [0, 1]', src: 'def mix(a, b, w: real in [0, 1]) = w * a + (1 - w) * b\nloss f(x: [N], y: [N], w: real = 0.5) = mean(mix(x, y, w))', at: ['W5007 2:56'] },
];

// Programs that use what the checks above guard, correctly: no diagnostic.
const FINE: readonly { name: string; src: string }[] = [
  { name: 'whole numbers for an int parameter, given and by default', src: 'def top(x: [N], k: int = 2) = mean(x * k)\nloss f(x: [N]) = top(x) + top(x, 3) + top(x, -1)' },
  { name: 'a bool default of a def', src: 'def h(x, flag: bool = true) = if flag then x else -x\nloss f(p: [N]) = mean(h(p))' },
  { name: 'whole-number and true/false tensor defaults', src: 'loss f(x: [N], w: int[N] = 2, m: bool[N] = true) = mean(x * w * real(m))' },
  { name: 'whole-number empty: values', src: 'loss f(k: int[N], c: bool[N], m: bool[N]) = real(max(k, N, where: m, empty: -1)) + real(any(c, N, where: m, empty: true))' },
  { name: 'sigmoid of logits for a probability', src: 'def nll(p: [N] in [0, 1]) = -mean(log(max(p, 1e-7)))\nloss f(x: [N]) = nll(sigmoid(x))' },
  { name: 'softmax for a probability', src: 'def nll(p: [N, C] in [0, 1]) = -mean(log(max(p, 1e-7)))\nloss f(x: [N, C]) = nll(softmax(x, C))' },
  { name: 'an input declared inside the domain', src: 'def nll(p: [N] in [0, 1]) = -mean(log(max(p, 1e-7)))\nloss f(p: [N] in (0, 1)) = nll(p)' },
  { name: 'a clamped value', src: 'def nll(p: [N] in [0, 1]) = -mean(log(max(p, 1e-7)))\nloss f(x: [N]) = nll(clamp(x, 0, 1))' },
  { name: 'targets in {0, 1} for targets in [0, 1]', src: 'def bce(p: [N] in [0, 1], y: [N] in [0, 1]) = -mean(y * log(max(p, 1e-7)))\nloss f(x: [N], y: [N] in {0, 1}) = bce(sigmoid(x), y)' },
  { name: 'a required parameter before the defaulted ones', src: 'def lerp(a, b, w = 0.5) = a + w * (b - a)\nloss f(x: [N], y: [N]) = mean(lerp(x, y))' },
];

describe('declarations are held to what they say', () => {
  const found = (src: string): string[] => checkSource(src, 'case.loss').diagnostics.map((d) => `${d.code} ${d.span ? `${d.span.start.line}:${d.span.start.col}` : '-'}`);
  it.each(SILENT)('$name', ({ src, at }) => expect(found(src)).toEqual(at));
  it.each(FINE)('$name', ({ src }) => expect(found(src)).toEqual([]));
  it('a stdlib loss given logits where it declares probabilities', () => {
    const src = 'import { bce, bce_with_logits } from "./classification"\nloss mine(x: [N], y: [N] in {0, 1}) = bce(x, y)\nloss right(x: [N], y: [N] in {0, 1}) = bce_with_logits(x, y)';
    const r = checkSource(src, 'stdlib/mine.loss', fsHost);
    expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([
      "stdlib/mine.loss:2:43: warning W5007: argument for 'p' of 'bce' may lie outside its domain [0, 1]: it ranges over (-inf, inf), as logits do, where a probability is expected\n" +
        "  note: if it holds logits, pass sigmoid(x) (or softmax(x, C)), or use the logits form of the loss; if it holds probabilities, declare its input 'in [0, 1]'",
    ]);
  });
  it('a stdlib loss given probabilities where it takes logits, told once, at the call written', () => {
    const src = 'import { bce_with_logits, focal } from "./classification"\nloss twice(x: [N], y: [N] in {0, 1}) = bce_with_logits(sigmoid(x), y)\nloss soft(x: [N, C], t: index[N] of C) = focal(softmax(x, C), t)\nloss right(x: [N], y: [N] in {0, 1}) = bce_with_logits(x, y)';
    const r = checkSource(src, 'stdlib/mine.loss', fsHost);
    expect(r.diagnostics.map((d) => `${d.code} ${d.span!.file}:${d.span!.start.line}:${d.span!.start.col}`)).toEqual(['W5011 stdlib/mine.loss:2:56', 'W5011 stdlib/mine.loss:3:48']);
    expect(r.diagnostics[1]!.message).toBe("argument for 'x' of 'focal' is a probability (it ranges over [0, 1]), but 'focal' takes logits there: it applies log_softmax to it");
  });
  it('an int literal is an int constant of the def, not a real', () => {
    const fn = lossOf('def top(x: [N], k: int) = sum(x, where: k > 0)\nloss f(x: [N]) = top(x, 3)', 'f');
    expect(fn.nodes.filter((n) => n.op === 'const').map((n) => `${n.attrs.value}:${n.type.dtype}`)).toContain('3:int');
  });
});

describe('diagnostic table', () => {
  it('codes are unique and carry their phase in the number', () => {
    const codes = Object.values(DIAGNOSTICS).map((d) => d.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const d of Object.values(DIAGNOSTICS)) expect(d.code).toMatch(/^[EWI]\d{4}$/);
  });
});

function lossOf(src: string, name: string): IrFunction {
  const r = checkSource(src, 'good.loss');
  const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d));
  expect(errors).toEqual([]);
  const fn = r.losses.find((l) => l.name === name);
  expect(fn, `loss ${name}`).toBeDefined();
  return fn!;
}

function axesOfNode(fn: IrFunction, id: number): string {
  return formatAxes(fn.nodes[id]!.type.axes);
}

describe('named axes', () => {
  it('aligns by name, not position: [N, D] + [D, N] is [N, D]', () => {
    const fn = lossOf('loss f(x: [N, D], y: [D, N]) = sum(x + y, D)', 'f');
    expect(axesOfNode(fn, fn.output)).toBe('N');
  });
  it('different names broadcast to an outer product', () => {
    const fn = lossOf('loss f(x: [N], y: [M]) = mean(x * y, M)', 'f');
    expect(axesOfNode(fn, fn.output)).toBe('N');
  });
  it('a def shape variable binds to the caller axis', () => {
    const fn = lossOf('def sq(x: [..., D], y: [..., D]) = sum((x - y)^2, D)\nloss f(a: [N, E], b: [N, E]) = mean(sq(a, b))', 'f');
    const sum = fn.nodes.find((n) => n.op === 'sum')!;
    expect(sum.attrs.axes).toEqual(['E']);
  });
  it('index variables give pairwise forms and masked reductions', () => {
    const src = `
loss batch_hard(e: [N, D], label: int[N], margin: real = 1.0) =
  mean(relu(hardest_pos - hardest_neg + margin), i, where: valid)
  where
    dist[i, j]     = norm(e[i] - e[j], D)
    pos[i, j]      = label[i] == label[j] and i != j
    neg[i, j]      = label[i] != label[j]
    hardest_pos[i] = max(dist[i, j], j, where: pos[i, j])
    hardest_neg[i] = min(dist[i, j], j, where: neg[i, j])
    valid[i]       = any(pos[i, j], j) and any(neg[i, j], j)`;
    const fn = lossOf(src, 'batch_hard');
    const max = fn.nodes.find((n) => n.op === 'max')!;
    expect(max.args.length).toBe(2);
    expect(formatAxes(max.type.axes)).toBe('i:N');
    expect(fn.nodes.some((n) => n.op === 'iota')).toBe(true);
    expect(fn.nodes[fn.output]!.op).toBe('mean');
    // A masked mean takes reduction and weights too, over the samples its mask keeps.
    expect(fn.reduction?.kind).toBe('mean');
  });
  it('a class-index gather removes the class axis', () => {
    const src = `
loss ce(x: [N, C], t: index[N] of C, label_smoothing: real in [0, 1] = 0) =
  mean(-(1 - label_smoothing) * lp[t] - label_smoothing * mean(lp, C))
  where lp = log_softmax(x, C)`;
    const fn = lossOf(src, 'ce');
    const gather = fn.nodes.find((n) => n.op === 'gather')!;
    expect(formatAxes(gather.type.axes)).toBe('N');
    expect(fn.reduction?.kind).toBe('mean');
  });
  it('stack makes a new axis; a left side renames the remaining axes in order', () => {
    const src = `
loss f(zi: [N, D], zj: [N, D]) = mean(s)
  where
    z[v, a]       = stack(zi, zj, V)
    s[v, a, w, b] = dot(z[v, a], z[w, b], D)`;
    const fn = lossOf(src, 'f');
    expect(fn.dims).toContainEqual({ dim: 'V', size: 2 });
    const mean = fn.nodes[fn.output]!;
    expect(formatAxes(fn.nodes[mean.args[0]!]!.type.axes)).toBe('v:V, a:N, w:V, b:N');
  });
  it('a repeated index variable takes the diagonal', () => {
    const fn = lossOf('loss f(x: [N, M]) = sum(d)\n  where s[i, j] = x[i] * x[j]\n        d[i] = s[i, i]', 'f');
    const diag = fn.nodes.find((n) => n.op === 'sum' && n.args.length === 2)!;
    expect(formatAxes(diag.type.axes)).toBe('i:N, M');
  });
  it('a left side in another order is the order positional indexing uses', () => {
    const fn = lossOf('loss f(x: [N, M]) = sum(q[k, l] * 1, k)\n  where q[j, i] = x[i, j]', 'f');
    // q's first position is j (over M), so k ranges over M and the result keeps l over N.
    expect(formatAxes(fn.nodes[fn.output]!.type.axes)).toBe('l:N');
  });
  it('a hyperparameter named like a builtin is that value, and the builtin is still callable', () => {
    const fn = lossOf('loss f(x: [N, C], log_softmax: real = 1.0) = mean(sum(log_softmax(x, C), C) * log_softmax)', 'f');
    expect(fn.nodes.some((n) => n.op === 'log_softmax')).toBe(true);
    expect(fn.nodes.some((n) => n.op === 'input' && n.attrs.name === 'log_softmax')).toBe(true);
    const called = checkSource('loss g(x: [N], scale: real = 1.0) = mean(scale(x))', 'case.loss');
    expect(called.diagnostics.map((d) => formatDiagnostic(d))).toEqual(["case.loss:1:42: error E2012: 'scale' is a value, not a function"]);
  });
  it('a literal size-1 dim is reduced over by its size: sum(x, 1) on [N, 1] (Keras\'s (N, 1) weights)', () => {
    const fn = lossOf('loss f(x: [N, 1]) = mean(sum(x, 1))', 'f');
    expect(fn.nodes.find((n) => n.op === 'sum')!.attrs.axes).toEqual(['1']);
    expect(axesOfNode(fn, fn.nodes.find((n) => n.op === 'sum')!.id)).toBe('N');
    const wrong = checkSource('loss f(x: [N, 1]) = mean(sum(x, 2))', 'case.loss');
    expect(wrong.diagnostics.map((d) => formatDiagnostic(d))).toEqual(['case.loss:1:33: error E3006: the axis argument of sum must name an axis of the operand (one of N, 1)']);
  });
  it('a loss called without its optional tensor input gets the default at every position, as its generated function does', async () => {
    const text = 'loss core(x: [N, C], weight: [C] = 1.0) = mean(sum(x * weight, C)) / sum(weight)\nloss outer(x: [N, C]) = core(x)';
    const inputs = { x: [[1, 2, 3], [4, 5, 6]] };
    const [outer, core] = await Promise.all(['outer', 'core'].map((loss) => evaluate(text, 'case.loss', { loss, inputs, backend: 'cpu' })));
    // mean(6, 15) / sum of three ones: sum(weight) is 3, not 1.
    expect(outer!.loss).toBeCloseTo(3.5, 6);
    expect(core!.loss).toBeCloseTo(3.5, 6);
  });
  it('dims used as numbers read their size', () => {
    const fn = lossOf('loss f(x: [N]) = sum(x) / N', 'f');
    expect(fn.nodes.some((n) => n.op === 'size' && n.attrs.dim === 'N')).toBe(true);
  });
  it('hash-consing shares repeated subexpressions', () => {
    const fn = lossOf('loss f(p: [N], t: [N]) = mean((p - t)^2 + abs(p - t))', 'f');
    expect(fn.nodes.filter((n) => n.op === 'sub').length).toBe(1);
  });
});

describe('the stdlib checks cleanly', () => {
  for (const file of ['stdlib/regression.loss', 'stdlib/metric.loss']) {
    it(file, () => {
      const r = checkSource(readFileSync(file, 'utf8'), file);
      expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
      expect(r.losses.length).toBeGreaterThan(0);
      for (const l of r.losses) expect(printIr(l)).toContain(`loss ${l.name}(`);
    });
  }
});

describe('the checker never throws', () => {
  it('on mangled stdlib text', () => {
    const text = readFileSync('stdlib/metric.loss', 'utf8') + readFileSync('stdlib/regression.loss', 'utf8');
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let k = 0; k < 300; k++) {
      const a = Math.floor(rand() * text.length);
      const b = Math.min(text.length, a + Math.floor(rand() * 12));
      const c = Math.floor(rand() * text.length);
      const mangled = k % 3 === 0 ? text.slice(0, a) + text.slice(b) : k % 3 === 1 ? text.slice(0, c) + text.slice(a, b) + text.slice(c) : text.slice(0, a) + text.slice(a, b).split('').reverse().join('') + text.slice(b);
      const r = checkSource(mangled, 'm.loss');
      expect(r.diagnostics.filter((d) => d.code === 'E9001').map((d) => d.message)).toEqual([]);
      for (const d of r.diagnostics) {
        if (!d.span) continue;
        expect(d.span.start.offset).toBeGreaterThanOrEqual(0);
        expect(d.span.end.offset).toBeLessThanOrEqual(mangled.length);
      }
    }
  });
});
