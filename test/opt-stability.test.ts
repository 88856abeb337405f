// The tutorial's textbook forms (test/fixtures/opt/textbook.loss), at inputs where the form as
// written gives inf or NaN in float32: compiled without the optimizer they do (checked, so
// the inputs really are hard), and with it their loss and gradient are finite and match an
// independent float64 oracle (test/oracle) and its central differences. Run through the tfjs
// evaluator on cpu and wasm, and through the generated TypeScript module.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import { initBackend } from '../src/eval/setup.js';
import type { IrFunction } from '../src/ir/types.js';
import { bce_with_logits, cross_entropy } from './oracle/classification.js';
import { fdGrad } from './oracle/fd.js';
import { importModule } from './fuzz/compare.js';
import { allFinite, floats, runEvaluator, runModule, type FiniteCase, type LossFunction, type Result } from './helpers/finite-cases.js';
import { pairwise_distance } from './oracle/metric.js';
import { log_cosh } from './oracle/regression.js';
import { fromNested, type F64Tensor } from './oracle/tensor.js';

const FILE = resolve(__dirname, 'fixtures/opt/textbook.loss');
const SOURCE = readFileSync(FILE, 'utf8');

interface Textbook extends FiniteCase {
  /** The loss in float64, sharing no code with the compiler. */
  readonly oracle: (x: Record<string, F64Tensor>) => number;
}

const mean = (t: F64Tensor): number => t.data.reduce((a, b) => a + b, 0) / t.data.length;

const CASES: readonly Textbook[] = [
  // exp(1000) overflows: inf / inf.
  { loss: 'naive_softmax_ce', inputs: { x: [[1000, 0, -1000], [0, 1, 2], [-500, 500, 0]], t: [1, 2, 0] }, ints: ['t'],
    oracle: (x) => cross_entropy(x.x!, x.t!) as number },
  // softmax of the target class underflows to 0: -log(0) = inf.
  { loss: 'neg_log_softmax', inputs: { x: [[0, -200, 200], [1, 2, 3]], t: [1, 0] }, ints: ['t'],
    oracle: (x) => cross_entropy(x.x!, x.t!) as number },
  // σ(100) rounds to 1 and σ(-120) to 0: log(0).
  { loss: 'bce_on_sigmoid', inputs: { x: [100, -120, 0.5, -20], y: [0, 1, 1, 0] },
    oracle: (x) => bce_with_logits(x.x!, x.y!) as number },
  // cosh(100) overflows float32: log(inf), and a gradient of inf / inf.
  { loss: 'log_cosh_naive', inputs: { pred: [100, -100, 0.5, 0], target: [0, 0, 0, 3] },
    oracle: (x) => log_cosh(x.pred!, x.target!) as number },
  // The first rows are at zero distance: d√s/ds = inf there, and 0 · inf = NaN.
  { loss: 'norm_distance', inputs: { a: [[1, 2, 3], [0, 0, 0], [1, 0, 2]], p: [[1, 2, 3], [0, 0, 0], [0, 0, 0]] },
    oracle: (x) => mean(pairwise_distance(x.a!, x.p!, { eps: 0 })) },
];

function lossFn(optimize: boolean, name: string): IrFunction {
  const r = check(SOURCE, FILE, { optimize });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.losses.find((l) => l.name === name)!;
}

/** Loss and gradient against the float64 oracle and its central differences (float32 tolerance). */
function expectMatchesOracle(r: Result, c: Textbook): void {
  const x: Record<string, F64Tensor> = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, fromNested(v)]));
  const want = c.oracle(x);
  expect(Math.abs(r.loss - want), `${c.loss}: loss ${r.loss}, oracle ${want}`).toBeLessThanOrEqual(1e-5 * Math.abs(want) + 1e-6);
  const names = Object.keys(x);
  for (const name of floats(c)) {
    const fd = fdGrad((...ts) => c.oracle(Object.fromEntries(names.map((n, i) => [n, ts[i]!]))), names.map((n) => x[n]!), names.indexOf(name));
    const got = r.grads[name]!;
    fd.data.forEach((g, i) => {
      if (!(Math.abs(got[i]! - g) <= 1e-4 * Math.abs(g) + 1e-5)) expect.fail(`${c.loss}: d/d${name}[${i}] = ${got[i]}, oracle ${g}`);
    });
  }
}

describe.each(['cpu', 'wasm'] as const)('textbook forms on the tfjs evaluator (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(CASES.map((c) => [c.loss, c] as const))('%s: inf/NaN as written, finite and right when optimized', (_name, c) => {
    expect(allFinite(runEvaluator(lossFn(false, c.loss), c)), 'the written form must fail at these inputs').toBe(false);
    const optimized = runEvaluator(lossFn(true, c.loss), c);
    expect(allFinite(optimized)).toBe(true);
    expectMatchesOracle(optimized, c);
  });
});

describe('textbook forms in the generated module (wasm)', () => {
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
