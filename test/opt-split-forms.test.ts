// Naive forms split across bindings, gathers and products, as users write them: the positive
// term of a contrastive loss in its own binding (`p = s[i, i]`), the target logit picked out
// before the exp, log of a product. Without the optimizer each is inf or NaN at these inputs
// (checked, so the inputs really are hard); with it, the loss and its gradient are finite and
// equal to float64 oracles written here from the formulas (sharing no code with the compiler)
// and their central differences: on the tfjs evaluator (cpu, wasm) and in the generated module.
import { beforeAll, describe, expect, it } from 'vitest';
import { importModule } from './fuzz/compare.js';
import { compile } from './helpers/compile-cache.js';
import { frontEnd } from '../src/pipeline.js';
import { initBackend } from '../src/eval/setup.js';
import type { IrFunction } from '../src/ir/types.js';
import { fdGrad } from './oracle/fd.js';
import { allFinite, floats, runEvaluator, runModule, type FiniteCase, type LossFunction, type Result } from './helpers/finite-cases.js';
import { fromNested, type F64Tensor } from './oracle/tensor.js';

const SOURCE = `
loss contrastive_split(a: [N, D], b: [N, D], t: real in (0, inf) = 0.01) =
  -mean(log(exp(p / t) / sum(exp(s[i, j] / t), j)))
  where s[i, j] = dot(normalize(a, D)[i], normalize(b, D)[j], D)
        p[i]    = s[i, i]
loss contrastive_exp_first(a: [N, D], b: [N, D]) =
  -mean(log(pos / sum(e[i, j], j)))
  where s[i, j] = dot(normalize(a, D)[i], normalize(b, D)[j], D)
        e[i, j] = exp(s[i, j] / 0.01)
        pos[i]  = e[i, i]
loss ce_gathered(x: [N, C], y: index[N] of C) = -mean(log(exp(x)[y] / sum(exp(x), C)))
loss log_of_product(p: [N, D] in (0, inf)) = mean(log(prod(p, D)))
loss log_of_tiny_product(p: [N] in (0, 1], q: [N] in (0, 1]) = -mean(log(p * q))
`;
const FILE = 'split-forms.loss';

const rows = (t: F64Tensor): number[][] => {
  const [n, d] = t.shape as [number, number];
  return Array.from({ length: n }, (_, i) => Array.from(t.data.slice(i * d, (i + 1) * d)));
};
const unit = (v: readonly number[]): number[] => {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / norm);
};
const dotv = (u: readonly number[], v: readonly number[]): number => u.reduce((s, x, k) => s + x * v[k]!, 0);
const logsumexp = (xs: readonly number[]): number => {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
};
const meanOf = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** InfoNCE with the positive pair on the diagonal, in float64: mean over i of logsumexp_j(s_ij/t) - s_ii/t. */
function infoNce(a: F64Tensor, b: F64Tensor, t: number): number {
  const u = rows(a).map(unit);
  const v = rows(b).map(unit);
  return meanOf(u.map((ui, i) => logsumexp(v.map((vj) => dotv(ui, vj) / t)) - dotv(ui, v[i]!) / t));
}

interface Case extends FiniteCase {
  readonly oracle: (x: Record<string, F64Tensor>) => number;
  /**
   * The gradient by hand, where central differences cannot step (inputs of 1e-30 and 1e15:
   * a relative step either crosses 0 or is lost to rounding); else differences of `oracle`.
   */
  readonly gradient?: (x: Record<string, F64Tensor>, wrt: string) => number[];
  /** Rewrites the optimizer must report. */
  readonly rules: readonly string[];
}

// Row 0 is a positive pair at cosine 1: e^(1/0.01) = e^100 overflows float32 (inf/inf).
const PAIRS = { a: [[1, 0, 0], [0, 1, 0], [0, 0, 2]], b: [[3, 0, 0], [0.6, 0.8, 0], [0, 0.6, 0.8]] };

const CASES: readonly Case[] = [
  { loss: 'contrastive_split', inputs: PAIRS, oracle: (x) => infoNce(x.a!, x.b!, 0.01), rules: ['softmax-split', 'log-exp'] },
  { loss: 'contrastive_exp_first', inputs: PAIRS, oracle: (x) => infoNce(x.a!, x.b!, 0.01), rules: ['diagonal-exp', 'softmax-split'] },
  {
    loss: 'ce_gathered', inputs: { x: [[1000, 0, -1000], [0, 1, 2], [-500, 500, 0]], y: [0, 2, 1] }, ints: ['y'],
    oracle: (x) => meanOf(rows(x.x!).map((r, i) => logsumexp(r) - r[x.y!.data[i]!]!)), rules: ['gather-exp', 'softmax-gather', 'log-gather-softmax'],
  },
  // Equal logits of 1e8: log 2 per row, which x[t] - logsumexp(x) would round away (1e8 + 0.69 = 1e8).
  {
    loss: 'ce_gathered', inputs: { x: [[1e8, 1e8], [1e8, -1e8]], y: [1, 0] }, ints: ['y'],
    oracle: (x) => meanOf(rows(x.x!).map((r, i) => logsumexp(r) - r[x.y!.data[i]!]!)), rules: ['softmax-gather', 'log-gather-softmax'],
  },
  // Products of 1e15s overflow float32 (3.4e38); the sum of their logs is 4·34.5.
  {
    loss: 'log_of_product', inputs: { p: [[1e15, 1e15, 1e15, 1e15], [2, 3, 0.5, 1e-20]] },
    oracle: (x) => meanOf(rows(x.p!).map((r) => r.reduce((s, v) => s + Math.log(v), 0))), rules: ['log-prod'],
    // d/dp of (1/N) Σ_n Σ_d log p_nd is 1 / (N p).
    gradient: (x) => Array.from(x.p!.data, (v) => 1 / (2 * v)),
  },
  // 1e-30 · 1e-20 underflows float32 to 0: log(0) = -inf, where the value is 115.1.
  {
    loss: 'log_of_tiny_product', inputs: { p: [1e-30, 0.5], q: [1e-20, 0.25] },
    oracle: (x) => -meanOf(Array.from(x.p!.data, (p, i) => Math.log(p) + Math.log(x.q!.data[i]!))), rules: ['log-mul'],
    gradient: (x, wrt) => Array.from(x[wrt]!.data, (v) => -1 / (2 * v)),
  },
];

it('the contrastive oracle at these inputs is finite, positive and small (a positive pair dominates)', () => {
  const v = infoNce(fromNested(PAIRS.a), fromNested(PAIRS.b), 0.01);
  expect(Number.isFinite(v) && v > 0 && v < 10).toBe(true);
});

function lossFn(optimize: boolean, name: string): { fn: IrFunction; rules: string[] } {
  const r = frontEnd(SOURCE, FILE, { optimize });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return { fn: r.losses.find((l) => l.name === name)!, rules: (r.rewrites.get(name) ?? []).map((w) => w.rule) };
}

/**
 * Loss and gradient against the float64 oracle and its central differences. The tolerance is
 * float32's: logits of 100 carry an absolute rounding of 1e-5 into a loss near 0.
 */
function expectMatchesOracle(r: Result, c: Case): void {
  const x: Record<string, F64Tensor> = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, fromNested(v)]));
  const want = c.oracle(x);
  expect(Math.abs(r.loss - want), `${c.loss}: loss ${r.loss}, oracle ${want}`).toBeLessThanOrEqual(1e-5 * Math.abs(want) + 1e-4);
  const names = Object.keys(x);
  for (const name of floats(c)) {
    const byHand = c.gradient?.(x, name);
    const expected = byHand ?? Array.from(fdGrad((...ts) => c.oracle(Object.fromEntries(names.map((n, i) => [n, ts[i]!]))), names.map((n) => x[n]!), names.indexOf(name), { h: 1e-7 }).data);
    // Differences of logits near 100 are good to about 1e-3 of the largest entry; by hand, float32's.
    const scale = byHand ? 0 : Math.max(...expected.map(Math.abs));
    expected.forEach((g, i) => {
      const got = r.grads[name]![i]!;
      if (!(Math.abs(got - g) <= 1e-3 * scale + 1e-5 * Math.abs(g) + 1e-6)) expect.fail(`${c.loss}: d/d${name}[${i}] = ${got}, oracle ${g}`);
    });
  }
}

describe.each(['cpu', 'wasm'] as const)('split naive forms on the tfjs evaluator (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(CASES.map((c) => [c.loss, c] as const))('%s: inf/NaN as written, finite and right when optimized', (_name, c) => {
    expect(allFinite(runEvaluator(lossFn(false, c.loss).fn, c)), 'the written form must fail at these inputs').toBe(false);
    const optimized = lossFn(true, c.loss);
    for (const rule of c.rules) expect(optimized.rules).toContain(rule);
    const r = runEvaluator(optimized.fn, c);
    expect(allFinite(r)).toBe(true);
    expectMatchesOracle(r, c);
  });
});

describe('split naive forms in the generated module (wasm)', () => {
  let mod: Record<string, LossFunction>;

  beforeAll(async () => {
    await initBackend('wasm');
    const { code, diagnostics } = await compile(SOURCE, FILE);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    mod = await importModule<Record<string, LossFunction>>(code!, 'opt');
  });

  it.each(CASES.map((c) => [c.loss, c] as const))('%s: finite loss and gradient, equal to the oracle', (_name, c) => {
    const r = runModule(mod[c.loss]!, c);
    expect(allFinite(r)).toBe(true);
    expectMatchesOracle(r, c);
  });
});
