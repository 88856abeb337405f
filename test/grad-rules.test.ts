// The derivative table (src/grad/derivatives.ts), row by row: for every row a small loss where
// it fires, whose derived gradient (float64, through the reference evaluator) must equal
// central finite differences of the loss's value at random points away from kinks; and at the
// kinks and ties, the conventions the table documents, as exact numbers worked out by hand.
// Which row a case exercises is checked on its IR by a reading of the table's conditions
// written here (not the engine's), and the last test asks that every row has a case.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { gradientsReference, type RefTensor } from '../src/reference/evaluate.js';
import { valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { compileDerivatives, DERIVATIVES, deriveBackward, differentiate, NOT_REAL, type DerivativeRow } from '../src/grad/index.js';
import { IrBuilder } from '../src/ir/graph.js';
import { OPS } from '../src/ir/ops.js';
import { liveNodes } from '../src/ir/live.js';
import type { OpName } from '../src/ir/ops.js';
import type { IrFunction, IrNode, NodeId } from '../src/ir/types.js';
import { optimizeFunction } from '../src/opt/index.js';
import { fdGradient, gradError, refTotal, show, type Tensors } from './helpers/grad-fd.js';
import { buildIr } from './helpers/ir-fixtures.js';
import { mulberry32, randomInts, randomTensor, type Rng } from './oracle/tensor.js';

type When = DerivativeRow[2];
type RowKey = readonly [op: OpName, operand: number, when: When];
const key = ([op, k, when]: RowKey): string => `${op}/${k}/${when || '-'}`;

// ---------------------------------------------------------------------------------------
// Building the losses under test

const compiled = new Map<string, { raw: IrFunction; optimized: IrFunction }>();
/** The one loss of `source`, checked as written (no optimizer) and optimized; no errors allowed. */
function fromSource(source: string): { raw: IrFunction; optimized: IrFunction } {
  const hit = compiled.get(source);
  if (hit) return hit;
  const raw = check(source, 'rules.loss', { optimize: false, stability: false });
  const errors = raw.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d));
  expect(errors, source).toEqual([]);
  expect(raw.losses).toHaveLength(1);
  const optimized = check(source, 'rules.loss', { stability: false }).losses[0]!;
  const out = { raw: raw.losses[0]!, optimized };
  compiled.set(source, out);
  return out;
}

interface RuleCase {
  readonly name: string;
  /** The rows of the table this case is about (each must fire in its IR). */
  readonly rows: readonly RowKey[];
  /** One loss in the language, or an IR fixture for what the language cannot write. */
  readonly source?: string;
  readonly ir?: () => IrFunction;
  /** Random inputs away from every kink of the loss. */
  readonly inputs: (rng: Rng) => Tensors;
  readonly hypers?: Record<string, number>;
  /** Why tfjs's autodiff is no oracle here (it is then not compared). */
  readonly autodiffDiffers?: string;
}

function lossOf(c: { source?: string; ir?: () => IrFunction }): { raw: IrFunction; optimized: IrFunction } {
  if (c.source) return fromSource(c.source);
  const raw = c.ir!();
  return { raw, optimized: optimizeFunction(raw).fn };
}

/**
 * The three ways a gradient reaches users: the table's output as derived (no optimizer), the
 * same simplified by the optimizer, and the derivation of the optimized loss.
 */
function variants(c: { source?: string; ir?: () => IrFunction }): { name: string; fn: IrFunction }[] {
  const { raw, optimized } = lossOf(c);
  const derive = (fn: IrFunction, optimize: boolean): IrFunction => {
    const d = differentiate(fn, { optimize });
    if (!d.fn) throw new Error(`no gradients: ${d.reason}`);
    return d.fn;
  };
  return [
    { name: 'derived as written', fn: derive(raw, false) },
    { name: 'derived, then optimized', fn: derive(raw, true) },
    { name: 'optimized loss, derived', fn: derive(optimized, true) },
  ];
}

// ---------------------------------------------------------------------------------------
// Input generators

const U = (shape: number[], lo: number, hi: number) => (rng: Rng) => randomTensor(shape, rng, { lo, hi });
/** Magnitudes in [lo, hi) with a random sign: away from 0 (a kink of abs, relu, sign). */
const away = (shape: number[], lo: number, hi: number) => (rng: Rng) => {
  const t = randomTensor(shape, rng, { lo, hi });
  return { shape: t.shape, data: t.data.map((v) => (rng.next() < 0.5 ? -v : v)) };
};
/** `base` plus a random offset of magnitude in [lo, hi): away from ties with `base`. */
const offset = (base: RefTensor, rng: Rng, lo = 0.2, hi = 1): RefTensor => ({
  shape: [...base.shape],
  data: base.data.map((v) => v + (rng.next() < 0.5 ? -1 : 1) * rng.uniform(lo, hi)),
});
const mask = (shape: number[], rng: Rng): RefTensor => {
  const m = randomInts(shape, rng, 2);
  m.data[0] = 1; // at least one element selected somewhere
  return m;
};
const xw = (x: (rng: Rng) => RefTensor, shape = [3]) => (rng: Rng): Tensors => ({ x: x(rng), w: U(shape, -2, 2)(rng) });

const N = [3];
const NK = [3, 4];

/** `sum(w * OP(x))` for a unary op: its row, and mul's, fire. */
const unary = (op: OpName, domain: string, x: (rng: Rng) => RefTensor): RuleCase => ({
  name: `${op}(x)`,
  rows: [[op, 0, ''], ['mul', 1, ''], ['sum', 0, 'unmasked']],
  source: `loss f(x: [N]${domain}, w: [N]) = sum(w * ${op}(x))`,
  inputs: xw(x),
});

const CASES: readonly RuleCase[] = [
  { name: 'neg: w * -x', rows: [['neg', 0, ''], ['mul', 0, ''], ['mul', 1, '']], source: 'loss f(x: [N], w: [N]) = sum(w * -x)', inputs: xw(U(N, -2, 2)) },
  unary('abs', '', away(N, 0.2, 2)),
  unary('exp', '', U(N, -2, 2)),
  unary('log', ' in (0, inf)', U(N, 0.2, 3)),
  unary('log1p', ' in (-1, inf)', U(N, -0.7, 3)),
  unary('expm1', '', U(N, -2, 2)),
  unary('sqrt', ' in [0, inf)', U(N, 0.2, 3)),
  unary('square', '', U(N, -2, 2)),
  unary('sigmoid', '', U(N, -5, 5)),
  unary('softplus', '', U(N, -5, 5)),
  unary('log_sigmoid', '', U(N, -5, 5)),
  unary('tanh', '', U(N, -3, 3)),
  unary('cosh', '', U(N, -3, 3)),
  unary('erf', '', U(N, -2, 2)),
  unary('atan', '', U(N, -3, 3)),
  unary('relu', '', away(N, 0.2, 2)),
  unary('sin', '', U(N, -4, 4)),
  unary('cos', '', U(N, -4, 4)),
  unary('asinh', '', U(N, -5, 5)),
  unary('lgamma', ' in (0, inf)', U(N, 0.2, 12)),
  unary('digamma', ' in (0, inf)', U(N, 0.2, 12)),
  unary('trigamma', ' in (0, inf)', U(N, 0.2, 12)),
  // Negative arguments between the poles: the reflection branches (ψ″'s written out in the table).
  ...(['lgamma', 'digamma', 'trigamma'] as const).map((op) => ({
    ...unary(op, ' in (-4, 0)', (rng: Rng) => ({ shape: N, data: Float64Array.from({ length: N[0]! }, () => -Math.floor(rng.uniform(0, 4)) - rng.uniform(0.2, 0.8)) })),
    name: `${op}(x), x < 0`,
  })),
  {
    // |a| >= 0.2 keeps the points off the cut along the negative b axis, where the angle jumps by 2π.
    name: 'atan2(a, b)',
    rows: [['atan2', 0, ''], ['atan2', 1, ''], ['sum', 0, 'unmasked']],
    source: 'loss f(x: [N], w: [N]) = sum(atan2(x, w))',
    inputs: (rng) => ({ x: away(N, 0.2, 2)(rng), w: U(N, -2, 2)(rng) }),
  },
  {
    // The language never converts a real: `real(x)` of a real is x itself.
    name: 'to_real of a real (IR)',
    rows: [['to_real', 0, ''], ['mul', 1, '']],
    ir: () => buildIr({
      name: 'to_real_real',
      inputs: [{ name: 'x', shape: ['N'] }, { name: 'w', shape: ['N'] }],
      body: (b, v) => b.op('sum', [b.op('mul', [v.w!, b.op('to_real', [b.op('square', [v.x!])])])], { axes: ['N'] }),
    }),
    inputs: xw(U(N, -2, 2)),
  },
  { name: 'add', rows: [['add', 0, ''], ['add', 1, '']], source: 'loss f(x: [N], y: [N], w: [N]) = sum(w * square(x + y))', inputs: (rng) => ({ x: U(N, -2, 2)(rng), y: U(N, -2, 2)(rng), w: U(N, -2, 2)(rng) }) },
  { name: 'sub', rows: [['sub', 0, ''], ['sub', 1, '']], source: 'loss f(x: [N], y: [N], w: [N]) = sum(w * square(x - y))', inputs: (rng) => ({ x: U(N, -2, 2)(rng), y: U(N, -2, 2)(rng), w: U(N, -2, 2)(rng) }) },
  { name: 'mul', rows: [['mul', 0, ''], ['mul', 1, '']], source: 'loss f(x: [N], y: [N], w: [N]) = sum(w * x * y)', inputs: (rng) => ({ x: U(N, -2, 2)(rng), y: U(N, -2, 2)(rng), w: U(N, -2, 2)(rng) }) },
  { name: 'div', rows: [['div', 0, ''], ['div', 1, '']], source: 'loss f(x: [N], y: [N], w: [N]) = sum(w * x / y)', inputs: (rng) => ({ x: U(N, -2, 2)(rng), y: away(N, 0.4, 2)(rng), w: U(N, -2, 2)(rng) }) },
  {
    name: 'a broadcast operand: b [D] against x [N, D] (its gradient sums over N)',
    rows: [['sub', 1, ''], ['pow', 0, '']],
    source: 'loss f(x: [N, D], b: [D], w: [N, D]) = sum(w * (x - b)^2)',
    inputs: (rng) => ({ x: U([4, 3], -2, 2)(rng), b: U([3], -2, 2)(rng), w: U([4, 3], -2, 2)(rng) }),
  },
  {
    // The gradient reaching x + exp(b) is the same everywhere (mean's g/n): b's share must
    // still be summed over the N copies the forward pass broadcast it to.
    name: 'a broadcast operand under a gradient the same along N: mean(x + exp(b))',
    rows: [['add', 1, ''], ['exp', 0, ''], ['mean', 0, 'unmasked']],
    source: 'loss f(x: [N, D], b: [D]) = mean(x + exp(b))',
    inputs: (rng) => ({ x: U([4, 3], -2, 2)(rng), b: U([3], -2, 2)(rng) }),
  },
  {
    name: 'a broadcast operand of max: y [N] against x [N, K]',
    rows: [['maximum', 0, ''], ['maximum', 1, '']],
    source: 'loss f(x: [N, K], y: [N], w: [N, K]) = sum(w * max(x, y))',
    inputs: (rng) => {
      const x = U(NK, -2, 2)(rng);
      // y away from every x of its row
      const y = { shape: [3], data: Float64Array.from({ length: 3 }, (_, n) => {
        for (;;) {
          const v = rng.uniform(-2, 2);
          if (x.data.slice(n * 4, n * 4 + 4).every((e) => Math.abs(e - v) > 0.1)) return v;
        }
      }) };
      return { x, y, w: U(NK, -2, 2)(rng) };
    },
  },
  { name: 'pow, constant exponent', rows: [['pow', 0, '']], source: 'loss f(x: [N] in (0, inf), w: [N]) = sum(w * x^2.5)', inputs: xw(U(N, 0.2, 3)) },
  {
    name: 'pow with an exponent input',
    rows: [['pow', 0, ''], ['pow', 1, '']],
    source: 'loss f(x: [N] in (0, inf), y: [N], w: [N]) = sum(w * x^y)',
    inputs: (rng) => ({ x: U(N, 0.2, 3)(rng), y: U(N, -2, 2)(rng), w: U(N, -2, 2)(rng) }),
  },
  { name: 'max(x, constant)', rows: [['maximum', 0, 'alone']], source: 'loss f(x: [N], w: [N]) = sum(w * max(x, 0.5))', inputs: xw((rng) => offset({ shape: N, data: new Float64Array(3).fill(0.5) }, rng)) },
  { name: 'max(constant, x)', rows: [['maximum', 1, 'alone']], source: 'loss f(x: [N], w: [N]) = sum(w * max(0.5, x))', inputs: xw((rng) => offset({ shape: N, data: new Float64Array(3).fill(0.5) }, rng)) },
  { name: 'max(x, hyperparameter)', rows: [['maximum', 0, 'alone']], source: 'loss f(x: [N], w: [N], c: real = 0.5) = sum(w * max(x, c))', hypers: { c: -0.25 }, inputs: xw((rng) => offset({ shape: N, data: new Float64Array(3).fill(-0.25) }, rng)) },
  {
    name: 'max(x, y) of two inputs',
    rows: [['maximum', 0, ''], ['maximum', 1, '']],
    source: 'loss f(x: [N], y: [N], w: [N]) = sum(w * max(x, y))',
    inputs: (rng) => { const x = U(N, -2, 2)(rng); return { x, y: offset(x, rng), w: U(N, -2, 2)(rng) }; },
  },
  { name: 'min(x, constant)', rows: [['minimum', 0, 'alone']], source: 'loss f(x: [N], w: [N]) = sum(w * min(x, 0.5))', inputs: xw((rng) => offset({ shape: N, data: new Float64Array(3).fill(0.5) }, rng)) },
  { name: 'min(constant, x)', rows: [['minimum', 1, 'alone']], source: 'loss f(x: [N], w: [N]) = sum(w * min(0.5, x))', inputs: xw((rng) => offset({ shape: N, data: new Float64Array(3).fill(0.5) }, rng)) },
  {
    name: 'min(x, y) of two inputs',
    rows: [['minimum', 0, ''], ['minimum', 1, '']],
    source: 'loss f(x: [N], y: [N], w: [N]) = sum(w * min(x, y))',
    inputs: (rng) => { const x = U(N, -2, 2)(rng); return { x, y: offset(x, rng), w: U(N, -2, 2)(rng) }; },
  },
  {
    name: 'clamp(x, lo, hi) = min(max(x, lo), hi)',
    rows: [['maximum', 0, 'alone'], ['minimum', 0, 'alone']],
    source: 'loss f(x: [N], w: [N]) = sum(w * clamp(x, -0.5, 0.5))',
    inputs: xw((rng) => ({ shape: N, data: Float64Array.from([rng.uniform(-2, -0.7), rng.uniform(-0.3, 0.3), rng.uniform(0.7, 2)]) })),
  },
  {
    name: 'select: if x > y then x·y else x - y',
    rows: [['select', 1, ''], ['select', 2, '']],
    source: 'loss f(x: [N], y: [N], w: [N]) = sum(w * (if x > y then x * y else x - y))',
    inputs: (rng) => { const x = U([6], -2, 2)(rng); return { x, y: offset(x, rng), w: U([6], -2, 2)(rng) }; },
  },
  {
    name: 'select on a hyperparameter (both branches differentiable)',
    rows: [['select', 1, ''], ['select', 2, '']],
    source: 'loss f(x: [N], w: [N], flip: bool = false) = sum(w * (if flip then exp(x) else x^3))',
    hypers: { flip: 1 },
    inputs: xw(U(N, -2, 2)),
  },
  {
    name: 'comparisons, sign and floor carry no gradient',
    rows: [['sign', 0, ''], ['floor', 0, '']],
    source: 'loss f(x: [N], y: [N], w: [N]) = sum(w * real(x > y) + w * sign(x) + w * floor(y) + x * y)',
    inputs: (rng) => { const x = away(N, 0.2, 2)(rng); return { x, y: offset(x, rng, 0.2, 0.4), w: U(N, -2, 2)(rng) }; },
  },
  { name: 'sum, unmasked, over one axis', rows: [['sum', 0, 'unmasked']], source: 'loss f(x: [N, K], w: [N]) = sum(w * sum(x^2, K))', inputs: (rng) => ({ x: U(NK, -2, 2)(rng), w: U(N, -2, 2)(rng) }) },
  {
    name: 'sum, masked',
    rows: [['sum', 0, 'masked'], ['sum', 0, 'unmasked']],
    source: 'loss f(x: [N, K], m: bool[N, K], w: [N]) = sum(w * sum(x^2, K, where: m))',
    inputs: (rng) => ({ x: U(NK, -2, 2)(rng), m: mask(NK, rng), w: U(N, -2, 2)(rng) }),
  },
  {
    name: 'mean over the rest axis [...] (the count is size(...))',
    rows: [['mean', 0, 'unmasked']],
    source: 'loss f(x: [...], w: [...]) = mean(w * x^2)',
    inputs: (rng) => ({ x: U([2, 3, 2], -2, 2)(rng), w: U([2, 3, 2], -2, 2)(rng) }),
  },
  {
    name: 'mean over [..., D] along D, then over the rest axis',
    rows: [['mean', 0, 'unmasked']],
    source: 'loss f(x: [..., D], w: [...]) = mean(w * mean(x^3, D))',
    inputs: (rng) => ({ x: U([2, 3, 4], -2, 2)(rng), w: U([2, 3], -2, 2)(rng) }),
  },
  {
    name: 'mean, masked, per row',
    rows: [['mean', 0, 'masked']],
    source: 'loss f(x: [N, K], m: bool[N, K], w: [N]) = sum(w * mean(x^2, K, where: m, empty: 3))',
    inputs: (rng) => ({ x: U(NK, -2, 2)(rng), m: mask(NK, rng), w: U(N, -2, 2)(rng) }),
  },
  {
    name: 'mean, masked by a mask broadcast along a reduced axis (count = selected rows × K)',
    rows: [['mean', 0, 'masked']],
    source: 'loss f(x: [N, K], m: bool[N], w: [N, K]) = mean(w * x^2, where: m)',
    inputs: (rng) => ({ x: U(NK, -2, 2)(rng), m: mask(N, rng), w: U(NK, -2, 2)(rng) }),
  },
  {
    name: 'mean, masked by a mask with an axis the operand lacks (x [N] under m [N, K])',
    rows: [['mean', 0, 'masked']],
    // The language refuses a mask that adds axes (E4014); the IR still has them, and the
    // engine counts each element once per selected copy.
    ir: () => buildIr({
      name: 'mean_broadcast_mask',
      inputs: [{ name: 'x', shape: ['N'] }, { name: 'm', shape: ['N', 'K'], elem: 'bool' }],
      body: (b, v) => b.op('mean', [b.op('pow', [v.x!, b.constant(3)]), v.m!], { axes: ['N', 'K'], empty: 0 }),
    }),
    inputs: (rng) => ({ x: U(N, -2, 2)(rng), m: mask(NK, rng) }),
  },
  {
    name: 'max, masked by a mask with an axis the operand lacks (x [N] under m [N, K])',
    rows: [['max', 0, 'masked']],
    ir: () => buildIr({
      name: 'max_broadcast_mask',
      inputs: [{ name: 'x', shape: ['N'] }, { name: 'm', shape: ['N', 'K'], elem: 'bool' }, { name: 'w', shape: ['M'] }],
      body: (b, v) => b.op('sum', [b.op('mul', [v.w!, b.op('max', [b.op('pow', [v.x!, b.constant(3)]), v.m!], { axes: ['N', 'K'], empty: 0 })])], { axes: ['M'] }),
    }),
    // x_n broadcast along K is a tie of its selected copies: tfjs's Max gradient gives each
    // tied copy the whole gradient, so autodiff counts x_n once per selected copy.
    autodiffDiffers: "tfjs's max gives every tied element the whole gradient",
    inputs: (rng) => ({ x: U(N, -2, 2)(rng), m: mask(NK, rng), w: U([2], -2, 2)(rng) }),
  },
  { name: 'max reduction', rows: [['max', 0, 'unmasked']], source: 'loss f(x: [N, K], w: [N]) = sum(w * max(x^3, K))', inputs: (rng) => ({ x: U(NK, -2, 2)(rng), w: U(N, -2, 2)(rng) }) },
  {
    name: 'max reduction, masked',
    rows: [['max', 0, 'masked']],
    source: 'loss f(x: [N, K], m: bool[N, K], w: [N]) = sum(w * max(x^3, K, where: m))',
    inputs: (rng) => ({ x: U(NK, -2, 2)(rng), m: mask(NK, rng), w: U(N, -2, 2)(rng) }),
  },
  { name: 'min reduction', rows: [['min', 0, 'unmasked']], source: 'loss f(x: [N, K], w: [N]) = sum(w * min(x^3, K))', inputs: (rng) => ({ x: U(NK, -2, 2)(rng), w: U(N, -2, 2)(rng) }) },
  {
    name: 'min reduction, masked',
    rows: [['min', 0, 'masked']],
    source: 'loss f(x: [N, K], m: bool[N, K], w: [N]) = sum(w * min(x^3, K, where: m))',
    inputs: (rng) => ({ x: U(NK, -2, 2)(rng), m: mask(NK, rng), w: U(N, -2, 2)(rng) }),
  },
  { name: 'prod reduction', rows: [['prod', 0, 'unmasked']], source: 'loss f(x: [N, K], w: [N]) = sum(w * prod(x, K))', inputs: (rng) => ({ x: away(NK, 0.3, 1.5)(rng), w: U(N, -2, 2)(rng) }) },
  {
    name: 'prod reduction, masked',
    rows: [['prod', 0, 'masked']],
    source: 'loss f(x: [N, K], m: bool[N, K], w: [N]) = sum(w * prod(x, K, where: m))',
    inputs: (rng) => ({ x: away(NK, 0.3, 1.5)(rng), m: mask(NK, rng), w: U(N, -2, 2)(rng) }),
  },
  { name: 'logsumexp', rows: [['logsumexp', 0, 'unmasked']], source: 'loss f(x: [N, K], w: [N]) = sum(w * logsumexp(x, K))', inputs: (rng) => ({ x: U(NK, -3, 3)(rng), w: U(N, -2, 2)(rng) }) },
  {
    name: 'logsumexp, masked',
    rows: [['logsumexp', 0, 'masked']],
    source: 'loss f(x: [N, K], m: bool[N, K], w: [N]) = sum(w * logsumexp(x, K, where: m))',
    inputs: (rng) => ({ x: U(NK, -3, 3)(rng), m: mask(NK, rng), w: U(N, -2, 2)(rng) }),
  },
  // Orders: random values have no ties, and the finite differences' steps cross none.
  { name: 'sort(x, K): g back where each value came from', rows: [['sort', 0, ''], ['sort', 1, '']], source: 'loss f(x: [N, K], w: [N, K]) = sum(w * sort(x, K))', inputs: (rng) => ({ x: U(NK, -3, 3)(rng), w: U(NK, -2, 2)(rng) }) },
  {
    name: 'sort by a key, descending, the values broadcast along the key\'s N',
    rows: [['sort', 0, ''], ['sort', 1, '']],
    source: 'loss f(x: [K], k: [N, K], w: [N, K]) = sum(w * sort(x, K, by: k, descending: true))',
    inputs: (rng) => ({ x: U([4], -3, 3)(rng), k: U(NK, -3, 3)(rng), w: U(NK, -2, 2)(rng) }),
  },
  {
    name: 'unsort (the gradient of sort, written as IR)',
    rows: [['unsort', 0, ''], ['unsort', 1, '']],
    ir: () => buildIr({
      name: 'unsort',
      inputs: [{ name: 'x', shape: ['N', 'K'] }, { name: 'k', shape: ['N', 'K'] }, { name: 'w', shape: ['N', 'K'] }],
      body: (b, v) => b.op('sum', [b.op('mul', [v.w!, b.op('unsort', [v.x!, v.k!], { axis: 'K', descending: true })])], { axes: ['N', 'K'] }),
    }),
    inputs: (rng) => ({ x: U(NK, -3, 3)(rng), k: U(NK, -3, 3)(rng), w: U(NK, -2, 2)(rng) }),
  },
  { name: 'cumsum(x, K)', rows: [['cumsum', 0, 'full-g']], source: 'loss f(x: [N, K], w: [N, K]) = sum(w * cumsum(x, K))', inputs: (rng) => ({ x: U(NK, -3, 3)(rng), w: U(NK, -2, 2)(rng) }) },
  { name: 'cumsum(x, K), a gradient constant along K', rows: [['cumsum', 0, 'partial-g']], source: 'loss f(x: [N, K], v: [N]) = sum(v * cumsum(x, K))', inputs: (rng) => ({ x: U(NK, -3, 3)(rng), v: U(N, -2, 2)(rng) }) },
  { name: 'cumsum(x, K, reverse: true), a gradient constant along K', rows: [['cumsum', 0, 'partial-g']], source: 'loss f(x: [N, K], v: [N]) = sum(v * cumsum(x, K, reverse: true))', inputs: (rng) => ({ x: U(NK, -3, 3)(rng), v: U(N, -2, 2)(rng) }) },
  { name: 'cumsum reduced whole (the gradient of a sum has no axis at all)', rows: [['cumsum', 0, 'partial-g']], source: 'loss f(x: [N, K]) = mean(cumsum(x, N, reverse: true)) + sum(cumsum(x, K))', inputs: (rng) => ({ x: U(NK, -3, 3)(rng) }) },
  { name: 'cumsum(x, N, reverse: true) of a sorted x', rows: [['cumsum', 0, 'full-g']], source: 'loss f(x: [N, K], w: [N, K]) = sum(w * square(cumsum(sort(x, N), N, reverse: true)))', inputs: (rng) => ({ x: U(NK, -3, 3)(rng), w: U(NK, -2, 2)(rng) }) },
  { name: 'softmax, a gradient along the axis', rows: [['softmax', 0, 'full-g']], source: 'loss f(x: [N, C], w: [N, C]) = sum(w * softmax(x, C))', inputs: (rng) => ({ x: U(NK, -3, 3)(rng), w: U(NK, -2, 2)(rng) }) },
  { name: 'softmax, a gradient constant along the axis', rows: [['softmax', 0, 'partial-g']], source: 'loss f(x: [N, C], v: [N]) = sum(v * softmax(x, C))', inputs: (rng) => ({ x: U(NK, -3, 3)(rng), v: U(N, -2, 2)(rng) }) },
  { name: 'log_softmax, a gradient along the axis', rows: [['log_softmax', 0, 'full-g']], source: 'loss f(x: [N, C], w: [N, C]) = sum(w * log_softmax(x, C))', inputs: (rng) => ({ x: U(NK, -3, 3)(rng), w: U(NK, -2, 2)(rng) }) },
  { name: 'log_softmax, a gradient constant along the axis', rows: [['log_softmax', 0, 'partial-g']], source: 'loss f(x: [N, C], v: [N]) = sum(v * log_softmax(x, C))', inputs: (rng) => ({ x: U(NK, -3, 3)(rng), v: U(N, -2, 2)(rng) }) },
  {
    name: 'log_softmax, a constant gradient over [..., C] with a rest axis',
    rows: [['log_softmax', 0, 'partial-g']],
    source: 'loss f(x: [..., C]) = mean(log_softmax(x, C))',
    inputs: (rng) => ({ x: U([2, 2, 3], -3, 3)(rng) }),
  },
  {
    name: 'gather by a class index',
    rows: [['gather', 0, ''], ['square', 0, '']],
    source: 'loss f(x: [N, C], t: index[N] of C, w: [N]) = sum(w * square(x[t]))',
    inputs: (rng) => ({ x: U(NK, -2, 2)(rng), t: randomInts(N, rng, 4), w: U(N, -2, 2)(rng) }),
  },
  {
    name: 'gather with class indices of more axes than the gathered tensor (x [C], t [N])',
    rows: [['gather', 0, '']],
    source: 'loss f(x: [C], t: index[N] of C, w: [N]) = sum(w * square(x[t]))',
    inputs: (rng) => ({ x: U([4], -2, 2)(rng), t: randomInts([6], rng, 4), w: U([6], -2, 2)(rng) }),
  },
  {
    name: 'gather over a rest axis (x [..., C], t [...])',
    rows: [['gather', 0, '']],
    source: 'loss f(x: [..., C], t: index[...] of C) = mean(exp(x[t]))',
    inputs: (rng) => ({ x: U([2, 3, 4], -2, 2)(rng), t: randomInts([2, 3], rng, 4) }),
  },
  {
    name: 'cross-entropy: a gather of log_softmax',
    rows: [['gather', 0, ''], ['log_softmax', 0, 'full-g'], ['neg', 0, '']],
    source: 'loss f(x: [N, C], t: index[N] of C) = mean(-log_softmax(x, C)[t])',
    inputs: (rng) => ({ x: U(NK, -3, 3)(rng), t: randomInts(N, rng, 4) }),
  },
  {
    name: 'renames: index variables x[i] - y[j]',
    rows: [['rename', 0, '']],
    source: 'loss f(x: [N], y: [M], w: [N, M]) = sum(w * square(x[i] - y[j]))',
    inputs: (rng) => ({ x: U(N, -2, 2)(rng), y: U([4], -2, 2)(rng), w: U([3, 4], -2, 2)(rng) }),
  },
  {
    name: 'a diagonal s[i, i] of a pairwise matrix',
    rows: [['rename', 0, ''], ['sum', 0, 'masked']],
    source: 'loss f(x: [N, D], y: [N, D], w: [N]) = sum(w * square(s[i, i]))\n  where s[i, j] = dot(x[i], y[j], D)',
    inputs: (rng) => ({ x: U([3, 2], -2, 2)(rng), y: U([3, 2], -2, 2)(rng), w: U(N, -2, 2)(rng) }),
  },
  {
    name: 'flatten: axes not adjacent nor in order merged, against weights of the merged axis',
    rows: [['flatten', 0, '']],
    source: 'loss f(x: [N, D, K], w: [S]) = sum(w * square(flatten(x, (K, N), S)))',
    inputs: (rng) => ({ x: U([3, 2, 4], -2, 2)(rng), w: U([12], -2, 2)(rng) }),
  },
  {
    name: 'flatten of the rest axes, its gradient the same along S (a weight per row)',
    rows: [['flatten', 0, '']],
    source: 'loss f(x: [N, ...], v: [N]) = sum(v * flatten(x, ..., S)) + sum(square(x))',
    inputs: (rng) => ({ x: U([3, 2, 4], -2, 2)(rng), v: U(N, -2, 2)(rng) }),
  },
  {
    name: 'flatten of the rest axes reduced over S, then whole',
    rows: [['flatten', 0, '']],
    source: 'loss f(x: [N, ...]) = sum(square(sum(flatten(x, ..., S), S))) + sum(flatten(x, ..., P))',
    inputs: (rng) => ({ x: U([3, 2, 4], -2, 2)(rng) }),
  },
  {
    name: 'unflatten: an axis split into two (D sized by u), weighted along K',
    rows: [['unflatten', 0, '']],
    source: 'loss f(x: [N, S], v: [K], u: [D]) = sum(v * square(unflatten(x, S, (D, K))))',
    inputs: (rng) => ({ x: U([3, 8], -2, 2)(rng), v: U([4], -2, 2)(rng), u: U([2], -2, 2)(rng) }),
  },
  {
    name: 'pick: a named component b.y',
    rows: [['pick', 0, '']],
    source: 'dim B = {u, v, y}\nloss f(b: [N, B], w: [N]) = sum(w * square(b.y - b.u))',
    inputs: (rng) => ({ b: U([3, 3], -2, 2)(rng), w: U(N, -2, 2)(rng) }),
  },
  {
    name: 'pick at a negative position (IR: the last one)',
    rows: [['pick', 0, '']],
    ir: () => buildIr({
      name: 'pick_last',
      inputs: [{ name: 'x', shape: ['N', 'K'] }, { name: 'w', shape: ['N'] }],
      body: (b, v) => b.op('sum', [b.op('mul', [v.w!, b.op('exp', [b.op('pick', [v.x!], { axis: 'K', index: -1 })])])], { axes: ['N'] }),
    }),
    inputs: (rng) => ({ x: U(NK, -2, 2)(rng), w: U(N, -2, 2)(rng) }),
  },
  {
    name: 'contraction a[N, D]·c[M, D] over D (IR), weighted',
    rows: [['contract', 0, ''], ['contract', 1, '']],
    ir: () => buildIr({
      name: 'contract_pairs',
      inputs: [{ name: 'a', shape: ['N', 'D'] }, { name: 'c', shape: ['M', 'D'] }, { name: 'w', shape: ['N', 'M'] }],
      body: (b, v) => b.op('sum', [b.op('mul', [v.w!, b.op('contract', [v.a!, v.c!], { axes: ['D'] })])], { axes: ['N', 'M'] }),
    }),
    inputs: (rng) => ({ a: U([3, 4], -2, 2)(rng), c: U([2, 4], -2, 2)(rng), w: U([3, 2], -2, 2)(rng) }),
  },
  {
    name: 'contraction with a batch axis: a[N, K, D]·c[M, K, D] over D (IR)',
    rows: [['contract', 0, ''], ['contract', 1, '']],
    ir: () => buildIr({
      name: 'contract_batched',
      inputs: [{ name: 'a', shape: ['N', 'K', 'D'] }, { name: 'c', shape: ['M', 'K', 'D'] }],
      body: (b, v) => b.op('sum', [b.op('square', [b.op('contract', [v.a!, v.c!], { axes: ['D'] })])], { axes: ['N', 'M', 'K'] }),
    }),
    inputs: (rng) => ({ a: U([3, 2, 4], -2, 2)(rng), c: U([2, 2, 4], -2, 2)(rng) }),
  },
  {
    name: 'pick along an index-variable axis (IR)',
    rows: [['pick', 0, ''], ['rename', 0, '']],
    ir: () => buildIr({
      name: 'pick_renamed',
      inputs: [{ name: 'x', shape: ['N', 'K'] }],
      body: (b, v) => {
        const r = b.op('rename', [v.x!], { from: 'K', to: 'k' });
        return b.op('sum', [b.op('square', [b.op('pick', [r], { axis: 'k', index: 2 })])], { axes: ['N'] });
      },
    }),
    inputs: (rng) => ({ x: U(NK, -2, 2)(rng) }),
  },
  {
    name: 'an index variable as a value: sum(x[i] * i)',
    rows: [['rename', 0, '']],
    source: 'loss f(x: [N]) = sum(square(x[i]) * i)',
    inputs: (rng) => ({ x: U([4], -2, 2)(rng) }),
  },
  {
    name: 'a mean over index-variable axes with a pairwise mask',
    rows: [['mean', 0, 'masked'], ['rename', 0, '']],
    source: 'loss f(e: [N, D]) = mean(sum((e[i] - e[j])^2, D), where: i != j)',
    inputs: (rng) => ({ e: U([4, 2], -2, 2)(rng) }),
  },
];

// ---------------------------------------------------------------------------------------
// Which rows fire: the table's conditions, read here from its comments

/** Ops whose operand gets no gradient (no row): sign, floor, detach; bool and int values carry none. */
const NO_GRADIENT = new Set<OpName>(['sign', 'floor', 'detach']);

/** Nodes a gradient reaches from a real input (in the live part of the loss). */
function carriers(fn: IrFunction): Set<NodeId> {
  const inputs = new Set(fn.inputs.filter((i) => i.elem === 'real').map((i) => i.node));
  const out = new Set<NodeId>();
  for (const n of fn.nodes) {
    if (inputs.has(n.id)) out.add(n.id);
    else if (n.type.dtype === 'real' && !NO_GRADIENT.has(n.op) && n.op !== 'input' && n.args.some((a) => out.has(a))) out.add(n.id);
  }
  return out;
}

const REDUCE = new Set<OpName>(['sum', 'mean', 'max', 'min', 'prod', 'logsumexp']);

/**
 * Whether the gradient reaching `id` has axis `axis`, for the simple graphs of the cases:
 * through unmasked sum/mean, neg, a product by a tensor (which adds that tensor's axes) and a
 * gather (which adds the gathered axis). Anything else is assumed to pass every axis.
 */
function gradHasAxis(fn: IrFunction, id: NodeId, axis: string, live: Set<NodeId>): boolean {
  if (id === fn.output) return fn.nodes[id]!.type.axes.some((a) => a.name === axis);
  const uses = fn.nodes.filter((n) => live.has(n.id) && n.args.includes(id));
  return uses.some((u) => {
    const others = u.args.filter((a) => a !== id);
    if ((u.op === 'sum' || u.op === 'mean') && u.args.length === 1) return gradHasAxis(fn, u.id, axis, live);
    if (u.op === 'neg') return gradHasAxis(fn, u.id, axis, live);
    if (u.op === 'mul') return others.some((o) => fn.nodes[o]!.type.axes.some((a) => a.name === axis)) || gradHasAxis(fn, u.id, axis, live);
    if (u.op === 'gather') return u.attrs.axis === axis || gradHasAxis(fn, u.id, axis, live);
    return u.type.axes.some((a) => a.name === axis);
  });
}

function fires(fn: IrFunction, [op, k, when]: RowKey): boolean {
  const carries = carriers(fn);
  const live = liveNodes(fn);
  return fn.nodes.some((n: IrNode) => {
    if (!live.has(n.id) || n.op !== op || !carries.has(n.args[k]!)) return false;
    switch (when) {
      case '': return true;
      case 'masked': return REDUCE.has(n.op) && n.args.length === 2;
      case 'unmasked': return REDUCE.has(n.op) && n.args.length === 1;
      case 'alone': return n.args.every((a, j) => j === k || !carries.has(a));
      case 'full-g': return gradHasAxis(fn, n.id, n.attrs.axis!, live);
      case 'partial-g': return !gradHasAxis(fn, n.id, n.attrs.axis!, live);
    }
  });
}

// ---------------------------------------------------------------------------------------

beforeAll(async () => {
  await initBackend('wasm');
});

/** Value and gradients of every real input on tfjs (float32), derived or by tfjs's autodiff. */
function tfjsGrads(fn: IrFunction, x: Tensors, hypers: Record<string, number>, autodiff: boolean): Record<string, Float64Array> {
  const before = tf.memory().numTensors;
  const dtype = (name: string): 'float32' | 'int32' | 'bool' => {
    const elem = fn.inputs.find((i) => i.name === name)!.elem;
    return elem === 'real' ? 'float32' : elem === 'bool' ? 'bool' : 'int32';
  };
  const inputs = Object.fromEntries(Object.entries(x).map(([k, v]) => [k, tf.tensor(Array.from(v.data), v.shape, dtype(k))]));
  const real = fn.inputs.filter((i) => i.elem === 'real').map((i) => i.name);
  const { value, grads } = valueAndGradsTfjs(fn, inputs, hypers, real, { autodiff });
  const out = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, Float64Array.from(g.dataSync())]));
  tf.dispose([value, ...Object.values(grads), ...Object.values(inputs)]);
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

describe.each(CASES)('$name', (c) => {
  it('fires the rows it is about in its IR as written', () => {
    const { raw } = lossOf(c);
    const table = new Set(DERIVATIVES.map(([op, k, when]) => key([op, k, when])));
    for (const row of c.rows) {
      expect(table.has(key(row)), `${key(row)} is a row of DERIVATIVES`).toBe(true);
      expect(fires(raw, row), `${key(row)} fires in ${c.source ?? 'the fixture'}`).toBe(true);
    }
  });

  it('derived gradient (float64) = central finite differences at 4 random points, as written and optimized', () => {
    const { raw } = lossOf(c);
    const real = raw.inputs.filter((i) => i.elem === 'real').map((i) => i.name);
    for (let seed = 1; seed <= 4; seed++) {
      const inputs = c.inputs(mulberry32(seed * 7919 + c.name.length));
      const hypers = c.hypers ?? {};
      const f = (x: Tensors): number => refTotal(raw, x, hypers);
      const noise = 1e-10 * Math.max(1, Math.abs(f(inputs)));
      const want = Object.fromEntries(real.map((name) => [name, fdGradient(f, inputs, name)]));
      for (const v of variants(c)) {
        const got = gradientsReference(v.fn, inputs, hypers);
        expect(got.value.data[0], `${v.name}: value`).toBeCloseTo(f(inputs), 12);
        for (const name of real) {
          const g = got.grads[name]!.data;
          const err = gradError(g.map((a, i) => (Math.abs(a - want[name]![i]!) <= noise ? want[name]![i]! : a)), want[name]!);
          expect(err, `${v.name}, seed ${seed}: d/d${name} = ${show(g)}, finite differences ${show(want[name]!)}`).toBeLessThanOrEqual(1e-6);
        }
      }
    }
  });

  it('tfjs (wasm): the derived gradient = the float64 one and tfjs autodiff, within float32, as written and optimized', () => {
    const x = Object.fromEntries(Object.entries(c.inputs(mulberry32(17))).map(([k, v]) => [k, { shape: [...v.shape], data: v.data.map(Math.fround) }]));
    const hypers = c.hypers ?? {};
    const f = (v: Tensors): number => refTotal(lossOf(c).raw, v, hypers);
    for (const [which, fn] of Object.entries(lossOf(c))) {
      const derived = tfjsGrads(fn, x, hypers, false);
      const auto = c.autodiffDiffers ? undefined : tfjsGrads(fn, x, hypers, true);
      for (const name of Object.keys(derived)) {
        const want = fdGradient(f, x, name);
        expect(gradError(derived[name]!, want, 1e-3, 1e-3), `${which}: d/d${name}: derived ${show(derived[name]!)}, finite differences ${show(want)}`).toBeLessThanOrEqual(1e-4);
        if (auto) expect(gradError(derived[name]!, auto[name]!, 1e-3, 1e-3), `${which}: d/d${name}: derived ${show(derived[name]!)}, autodiff ${show(auto[name]!)}`).toBeLessThanOrEqual(1e-4);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------
// The conventions at kinks and ties, exactly

const t = (data: number[], shape = [data.length]): RefTensor => ({ shape, data: Float64Array.from(data) });

interface Convention {
  readonly name: string;
  readonly rows: readonly RowKey[];
  readonly source?: string;
  readonly ir?: () => IrFunction;
  readonly inputs: Tensors;
  readonly hypers?: Record<string, number>;
  /** Expected gradients, worked out by hand from the documented convention. */
  readonly grads: Record<string, number[]>;
  readonly value?: number;
}

const e = Math.exp;
const softmaxRow = (xs: number[]): number[] => {
  const m = Math.max(...xs);
  const s = xs.reduce((a, v) => a + e(v - m), 0);
  return xs.map((v) => e(v - m) / s);
};

const CONVENTIONS: readonly Convention[] = [
  { name: "relu'(0) = 0", rows: [['relu', 0, '']], source: 'loss f(x: [N]) = sum(relu(x))', inputs: { x: t([-1, 0, 2]) }, grads: { x: [0, 0, 1] } },
  { name: "abs'(0) = 0", rows: [['abs', 0, '']], source: 'loss f(x: [N]) = sum(abs(x))', inputs: { x: t([-1, 0, 2]) }, grads: { x: [-1, 0, 1] } },
  { name: 'max(x, 0) at x = 0 gives 0', rows: [['maximum', 0, 'alone']], source: 'loss f(x: [N]) = sum(max(x, 0))', inputs: { x: t([-1, 0, 2]) }, grads: { x: [0, 0, 1] } },
  { name: 'max(0, x) at x = 0 gives 0', rows: [['maximum', 1, 'alone']], source: 'loss f(x: [N]) = sum(max(0, x))', inputs: { x: t([-1, 0, 2]) }, grads: { x: [0, 0, 1] } },
  { name: 'min(x, 0) at x = 0 gives 0', rows: [['minimum', 0, 'alone']], source: 'loss f(x: [N]) = sum(min(x, 0))', inputs: { x: t([-1, 0, 2]) }, grads: { x: [1, 0, 0] } },
  { name: 'min(0, x) at x = 0 gives 0', rows: [['minimum', 1, 'alone']], source: 'loss f(x: [N]) = sum(min(0, x))', inputs: { x: t([-1, 0, 2]) }, grads: { x: [1, 0, 0] } },
  { name: 'max(x, c) at x = c, c a hyperparameter, gives 0', rows: [['maximum', 0, 'alone']], source: 'loss f(x: [N], c: real = 1) = sum(max(x, c))', hypers: { c: 0.5 }, inputs: { x: t([0.5, 1]) }, grads: { x: [0, 1] } },
  {
    name: 'max(x, detach(y)) at a tie: y is a constant, so the kink gives 0 and y gets nothing',
    rows: [['maximum', 0, 'alone']],
    source: 'loss f(x: [N], y: [N]) = sum(max(x, detach(y)))',
    inputs: { x: t([1, 2, 0]), y: t([1, 0, 3]) },
    grads: { x: [0, 1, 0], y: [0, 0, 0] },
  },
  {
    name: 'a tie of max(a, b) with both differentiable gives the whole gradient to a',
    rows: [['maximum', 0, ''], ['maximum', 1, '']],
    source: 'loss f(a: [N], b: [N]) = sum(max(a, b))',
    inputs: { a: t([1, 2, 0]), b: t([1, 0, 3]) },
    grads: { a: [1, 1, 0], b: [0, 0, 1] },
  },
  {
    name: 'a tie of min(a, b) with both differentiable gives the whole gradient to a',
    rows: [['minimum', 0, ''], ['minimum', 1, '']],
    source: 'loss f(a: [N], b: [N]) = sum(min(a, b))',
    inputs: { a: t([1, 2, 0]), b: t([1, 0, 3]) },
    grads: { a: [1, 0, 1], b: [0, 1, 0] },
  },
  {
    name: 'a tie of a max reduction shares the gradient equally',
    rows: [['max', 0, 'unmasked']],
    source: 'loss f(x: [N, K], w: [N]) = sum(w * max(x, K))',
    inputs: { x: t([1, 3, 3, 2, 5, 5, 5, 5, 0, 1, 2, 3], [3, 4]), w: t([2, 4, 1]) },
    grads: { x: [0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 1], w: [3, 5, 3] },
  },
  {
    name: 'a tie of a min reduction shares the gradient equally',
    rows: [['min', 0, 'unmasked']],
    source: 'loss f(x: [N, K]) = sum(min(x, K))',
    inputs: { x: t([1, 3, 1, 2, 0, 0, 0, 7], [2, 4]) },
    grads: { x: [0.5, 0, 0.5, 0, 1 / 3, 1 / 3, 1 / 3, 0] },
  },
  {
    name: 'a tie of a masked max: only the selected maxima share it',
    rows: [['max', 0, 'masked']],
    source: 'loss f(x: [N, K], m: bool[N, K]) = sum(max(x, K, where: m))',
    inputs: { x: t([1, 3, 3, 2, 4, 4, 9, 4], [2, 4]), m: t([1, 1, 0, 1, 1, 1, 0, 1], [2, 4]) },
    grads: { x: [0, 1, 0, 0, 1 / 3, 1 / 3, 0, 1 / 3] },
  },
  {
    name: 'a tie of a masked min: only the selected minima share it',
    rows: [['min', 0, 'masked']],
    source: 'loss f(x: [N, K], m: bool[N, K]) = sum(min(x, K, where: m))',
    inputs: { x: t([1, 3, 1, 2, -1, 0, 0, 4], [2, 4]), m: t([1, 1, 1, 0, 0, 1, 1, 1], [2, 4]) },
    grads: { x: [0.5, 0, 0.5, 0, 0, 0.5, 0.5, 0] },
  },
  {
    name: 'no gradient reaches a mask: sum(x, where: x > 0)',
    rows: [['sum', 0, 'masked']],
    source: 'loss f(x: [N]) = sum(x, where: x > 0)',
    inputs: { x: t([-1, 0, 2, 3]) },
    grads: { x: [0, 0, 1, 1] },
  },
  {
    name: 'no gradient through a comparison: sum(w * real(x > y))',
    rows: [['mul', 0, '']],
    source: 'loss f(x: [N], y: [N], w: [N]) = sum(w * real(x > y))',
    inputs: { x: t([1, 2, 3]), y: t([2, 2, 1]), w: t([5, 6, 7]) },
    grads: { x: [0, 0, 0], y: [0, 0, 0], w: [0, 0, 1] },
  },
  {
    name: 'a masked mean over an empty selection: its value is `empty`, its gradient 0',
    rows: [['mean', 0, 'masked']],
    source: 'loss f(x: [N, K], m: bool[N, K]) = sum(mean(x, K, where: m, empty: 3))',
    inputs: { x: t([1, 2, 3, 4, 5, 6], [2, 3]), m: t([0, 0, 0, 1, 0, 1], [2, 3]) },
    grads: { x: [0, 0, 0, 0.5, 0, 0.5] },
    value: 3 + 5,
  },
  {
    name: 'a masked mean over an empty selection everywhere: gradient 0 (not 0/0)',
    rows: [['mean', 0, 'masked']],
    source: 'loss f(x: [N]) = mean(x^2, where: x > 10)',
    inputs: { x: t([1, 2, 3]) },
    grads: { x: [0, 0, 0] },
    value: 0,
  },
  {
    name: 'masked max, min, logsumexp and prod over an empty row: gradient 0, finite',
    rows: [['max', 0, 'masked'], ['min', 0, 'masked'], ['logsumexp', 0, 'masked'], ['prod', 0, 'masked']],
    source: 'loss f(x: [N, K], m: bool[N, K]) = sum(max(x, K, where: m) + min(x, K, where: m) + logsumexp(x, K, where: m) + prod(x, K, where: m))',
    inputs: { x: t([1, 2, 3, 4, 5, 6], [2, 3]), m: t([0, 0, 0, 1, 0, 1], [2, 3]) },
    // row 2: max = 6, min = 4, lse = log(e^4 + e^6), prod = 24: d/dx4 = 1 + σ + 6, d/dx6 = 1 + σ' + 4
    grads: { x: [0, 0, 0, 1 + e(4) / (e(4) + e(6)) + 6, 0, 1 + e(6) / (e(4) + e(6)) + 4] },
  },
  {
    name: 'prod with zeros: the product of the others (one zero), 0 (two zeros)',
    rows: [['prod', 0, 'unmasked']],
    source: 'loss f(x: [N, K]) = sum(prod(x, K))',
    inputs: { x: t([0, 2, 3, 0, 0, 5, 1, 2, 3], [3, 3]) },
    grads: { x: [6, 0, 0, 0, 0, 0, 6, 3, 2] },
  },
  {
    name: 'masked prod with a selected zero: the product of the other selected elements',
    rows: [['prod', 0, 'masked']],
    source: 'loss f(x: [N, K], m: bool[N, K]) = sum(prod(x, K, where: m))',
    inputs: { x: t([0, 0, 5, 1, 2, 3], [2, 3]), m: t([1, 0, 1, 1, 1, 0], [2, 3]) },
    grads: { x: [5, 0, 0, 2, 1, 0] },
  },
  {
    name: 'log_softmax with a gradient constant along the axis: 1 - C·softmax',
    rows: [['log_softmax', 0, 'partial-g']],
    source: 'loss f(x: [N, C]) = sum(log_softmax(x, C))',
    inputs: { x: t([0.5, -1, 2, 0, 0, 0], [2, 3]) },
    grads: { x: [...softmaxRow([0.5, -1, 2]).map((p) => 1 - 3 * p), 0, 0, 0] },
  },
  {
    name: 'log_softmax with a per-row constant gradient v: v·(1 - C·softmax)',
    rows: [['log_softmax', 0, 'partial-g']],
    source: 'loss f(x: [N, C], v: [N]) = sum(v * log_softmax(x, C))',
    inputs: { x: t([0.5, -1, 2, 1, 3, -2], [2, 3]), v: t([2, -1]) },
    grads: {
      x: [...softmaxRow([0.5, -1, 2]).map((p) => 2 * (1 - 3 * p)), ...softmaxRow([1, 3, -2]).map((p) => -(1 - 3 * p))],
      v: [0.5 - 1 + 2 - 3 * Math.log(e(0.5) + e(-1) + e(2)), 1 + 3 - 2 - 3 * Math.log(e(1) + e(3) + e(-2))],
    },
  },
  {
    name: 'softmax with a gradient constant along the axis: exactly 0',
    rows: [['softmax', 0, 'partial-g']],
    source: 'loss f(x: [N, C]) = sum(softmax(x, C))',
    inputs: { x: t([0.5, -1, 2, 40, -40, 0], [2, 3]) },
    grads: { x: [0, 0, 0, 0, 0, 0] },
  },
  {
    name: 'pow at a = 0: d/db 0^b = 0 (not 0·log 0), d/da as b·a^(b-1)',
    rows: [['pow', 0, ''], ['pow', 1, '']],
    source: 'loss f(a: [N] in [0, inf), b: [N]) = sum(a^b)',
    inputs: { a: t([0, 0, 2]), b: t([2, 1, 3]) },
    grads: { a: [0, 1, 12], b: [0, 0, 8 * Math.LN2] },
  },
  {
    name: 'detach: sum(x * detach(x)) has gradient x, not 2x',
    rows: [['mul', 0, ''], ['detach', 0, '']],
    source: 'loss f(x: [N]) = sum(x * detach(x))',
    inputs: { x: t([1, -2, 3]) },
    grads: { x: [1, -2, 3] },
  },
  {
    name: 'detach: a loss of detached inputs only has zero gradient',
    rows: [],
    source: 'loss f(x: [N], y: [N]) = sum(detach(x * y) + detach(exp(x)))',
    inputs: { x: t([1, -2, 3]), y: t([1, 1, 1]) },
    grads: { x: [0, 0, 0], y: [0, 0, 0] },
  },
  {
    name: 'select at the switch point: the chosen branch only (x > 0 false at 0: the else branch)',
    rows: [['select', 1, ''], ['select', 2, '']],
    source: 'loss f(x: [N]) = sum(if x > 0 then x^2 else -3 * x)',
    inputs: { x: t([0, 1, -1]) },
    grads: { x: [-3, 2, -3] },
  },
  {
    name: 'gather: every occurrence of a class gets its share',
    rows: [['gather', 0, '']],
    source: 'loss f(x: [N, C], t: index[N] of C, w: [N]) = sum(w * x[t])',
    inputs: { x: t([1, 2, 3, 4, 5, 6], [2, 3]), t: t([2, 0]), w: t([7, 8]) },
    grads: { x: [0, 0, 7, 8, 0, 0], w: [3, 4] },
  },
  {
    name: 'a diagonal x[i, i] of a square pairwise matrix: only the diagonal gets gradient',
    rows: [['sum', 0, 'masked'], ['rename', 0, '']],
    source: 'loss f(x: [N], y: [N]) = sum(s[i, i])\n  where s[i, j] = x[i] * y[j]',
    inputs: { x: t([1, 2, 3]), y: t([4, 5, 6]) },
    grads: { x: [4, 5, 6], y: [1, 2, 3] },
    value: 4 + 10 + 18,
  },
  {
    name: 'a [D] input broadcast against [N, D]: its gradient sums over N',
    rows: [['sub', 1, '']],
    source: 'loss f(x: [N, D], b: [D]) = sum(x - b)',
    inputs: { x: t([1, 2, 3, 4, 5, 6], [3, 2]), b: t([1, 1]) },
    grads: { x: [1, 1, 1, 1, 1, 1], b: [-3, -3] },
  },
];

describe.each(CONVENTIONS)('convention: $name', (c) => {
  it('holds exactly, as written and optimized', () => {
    const { raw } = lossOf(c);
    for (const row of c.rows) {
      expect(fires(raw, row), `${key(row)} fires`).toBe(true);
    }
    for (const v of variants(c)) {
      const got = gradientsReference(v.fn, c.inputs, c.hypers ?? {});
      if (c.value !== undefined) expect(got.value.data[0], `${v.name}: value`).toBeCloseTo(c.value, 12);
      for (const [name, want] of Object.entries(c.grads)) {
        const g = Array.from(got.grads[name]!.data);
        expect(g.every(Number.isFinite), `${v.name}: d/d${name} = ${show(g)} finite`).toBe(true);
        g.forEach((gi, i) => expect(gi, `${v.name}: d/d${name}[${i}] of ${show(g)}, want ${show(want)}`).toBeCloseTo(want[i]!, 12));
      }
    }
  });
});

describe('the table', () => {
  it('every row (op, operand, when) of DERIVATIVES is exercised by some case', () => {
    // A row counts when a case lists it and it fires in that case's IR.
    const exercised = new Set<string>();
    for (const c of [...CASES, ...CONVENTIONS]) {
      const { raw } = lossOf(c);
      for (const row of c.rows) if (fires(raw, row)) exercised.add(key(row));
    }
    const missing = DERIVATIVES.map(([op, k, when]) => key([op, k, when])).filter((k) => !exercised.has(k));
    expect(missing).toEqual([]);
    // ...and the cases name no row the table lacks.
    const table = new Set(DERIVATIVES.map(([op, k, when]) => key([op, k, when])));
    expect([...exercised].filter((k) => !table.has(k))).toEqual([]);
  });

  it('has a row for every real operand of every op with a real result; no row for what is never real', () => {
    const arity = { leaf: 0, apply: 0, unary: 1, binary: 2, select: 3, reduce: 2, axis: 1, gather: 2, reshape: 1, contract: 2, resize: 0 } as const; // resize: a ragged list's loss is differentiated by tfjs's autodiff (src/ir/ragged.ts)
    const rowed = new Set(DERIVATIVES.map(([op, k]) => `${op}/${k}`));
    const notReal = new Set(NOT_REAL.map(([op, k]) => `${op}/${k}`));
    const missing: string[] = [];
    for (const [op, info] of Object.entries(OPS)) {
      // A result that is never real carries no gradient (comparisons, logic, positions).
      const realResult = info.result !== 'bool' && info.result !== 'int';
      for (let k = 0; k < arity[info.kind]; k++) {
        const key = `${op}/${k}`;
        if (rowed.has(key)) expect(realResult && !notReal.has(key), `${key} has a row but carries no gradient`).toBe(true);
        else if (realResult && !notReal.has(key)) missing.push(key);
      }
    }
    expect(missing).toEqual([]);
  });

  it('refuses a carried operand whose row is missing, instead of a zero gradient', () => {
    const { raw } = fromSource('loss f(x: [N]) = sum(cosh(x))');
    const holed = compileDerivatives(DERIVATIVES.filter(([op]) => op !== 'cosh'));
    expect(() => deriveBackward(raw, new IrBuilder(raw.nodes), raw.output, '%dloss', holed)).toThrow(/derivative of cosh with respect to its operand 0 is not in/);
    // With the whole table the same loss differentiates.
    expect(() => deriveBackward(raw, new IrBuilder(raw.nodes), raw.output, '%dloss')).not.toThrow();
  });

  it('has one row per (op, operand, when), and rows of one operand end with an unconditional or exhaustive one', () => {
    const keys = DERIVATIVES.map(([op, k, when]) => key([op, k, when]));
    expect(new Set(keys).size).toBe(keys.length);
    const groups = new Map<string, When[]>();
    for (const [op, k, when] of DERIVATIVES) groups.set(`${op}/${k}`, [...(groups.get(`${op}/${k}`) ?? []), when]);
    const exhaustive = (ws: When[]): boolean =>
      ws[ws.length - 1] === '' || (ws.includes('masked') && ws.includes('unmasked')) || (ws.includes('full-g') && ws.includes('partial-g'));
    expect([...groups].filter(([, ws]) => !exhaustive(ws)).map(([g]) => g)).toEqual([]);
  });
});
