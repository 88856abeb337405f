// Tiling of pairwise losses over blocks of rows (src/ir/tile.ts, src/lower/tile.ts): with a
// forced block size that does and does not divide the rows, the tiled loss equals the untiled
// one and the float64 oracles of test/oracle (values, and gradients by central differences of
// the oracle), on cpu and wasm, in the evaluator and in the generated module; losses whose
// terms combine rows are left untiled.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { initBackend } from '../src/eval/setup.js';
import { typecheckGenerated } from '../src/emit/typecheck.js';
import { valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { analyzeTiling } from '../src/ir/tile.js';
import { optionKeys } from '../src/lower/loss.js';
import type { IrFunction } from '../src/ir/types.js';
import { importModule } from './fuzz/compare.js';
import { generateProgram, mulberry32 as fuzzRng } from './fuzz/gen-program.js';
import { sampleInputs, toTf } from './fuzz/inputs.js';
import { lossFn } from './helpers/loss-harness.js';
import { fdGrad } from './oracle/fd.js';
import { batch_hard_triplet, info_nce, nt_xent_simple, SUPCON_ONE_VIEW_SOURCE, supconOneView } from './oracle/metric.js';
import { fromNested, mulberry32, randomTensor, roundF32, type F64Tensor } from './oracle/tensor.js';

const MET = 'stdlib/metric.loss';

// A SupCon-style loss written its own way: each anchor's mean log-probability of its
// positives against all other samples, averaged over the anchors that have a positive.
const USER = `
${SUPCON_ONE_VIEW_SOURCE}
loss both_ways(e: [N, D]) =
  mean(softmax(s, i) * softmax(s, j))
  where s[i, j] = dot(e[i], e[j], D)

loss plain_mse(x: [N, D], y: [N, D]) = mean((x - y)^2)
`;

const userLosses = (): Map<string, IrFunction> => {
  const r = check(USER, 'user.loss');
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
  return new Map(r.losses.map((l) => [l.name, l]));
};


interface Case {
  readonly name: string;
  readonly fn: () => IrFunction;
  readonly rows: number;
  readonly inputs: (seed: number) => Record<string, F64Tensor>;
  readonly oracle: (x: Record<string, F64Tensor>) => number;
  readonly wrt: readonly string[];
}

const N = 7;
const views = (seed: number): Record<string, F64Tensor> => {
  const rng = mulberry32(seed);
  return { zi: roundF32(randomTensor([N, 4], rng)), zj: roundF32(randomTensor([N, 4], rng)) };
};
// Labels of 3 classes with every class twice or more, and one sample alone in its class.
const labelled = (seed: number): Record<string, F64Tensor> => {
  const rng = mulberry32(seed);
  return { e: roundF32(randomTensor([N, 4], rng)), label: fromNested([0, 1, 2, 0, 1, 0, 3]) };
};

const CASES: readonly Case[] = [
  { name: 'info_nce', fn: () => lossFn(MET, 'info_nce'), rows: N, inputs: views, oracle: (x) => info_nce(x.zi!, x.zj!, { temperature: 0.07 }) as number, wrt: ['zi', 'zj'] },
  { name: 'nt_xent_simple', fn: () => lossFn(MET, 'nt_xent_simple'), rows: N, inputs: views, oracle: (x) => nt_xent_simple(x.zi!, x.zj!, { temperature: 0.5 }) as number, wrt: ['zi', 'zj'] },
  { name: 'batch_hard_triplet', fn: () => lossFn(MET, 'batch_hard_triplet'), rows: N, inputs: labelled, oracle: (x) => batch_hard_triplet(x.e!, x.label!, { margin: 1 }), wrt: ['e'] },
  { name: 'my_supcon', fn: () => userLosses().get('my_supcon')!, rows: N, inputs: labelled, oracle: (x) => supconOneView(x.e!, x.label!), wrt: ['e'] },
];

const tensors = (fn: IrFunction, x: Record<string, F64Tensor>): Record<string, tf.Tensor> =>
  Object.fromEntries(Object.entries(x).map(([k, v]) => [k, tf.tensor(Array.from(v.data), v.shape, fn.inputs.find((i) => i.name === k)!.elem === 'real' ? 'float32' : 'int32')]));

function evaluate(fn: IrFunction, x: Record<string, F64Tensor>, wrt: readonly string[], blockRows?: number): { value: number; grads: Float64Array[] } {
  const before = tf.memory().numTensors;
  const inputs = tensors(fn, x);
  const { value, grads } = valueAndGradsTfjs(fn, inputs, {}, wrt, blockRows === undefined ? {} : { blockRows });
  const out = { value: value.dataSync()[0]!, grads: wrt.map((n) => Float64Array.from(grads[n]!.dataSync())) };
  tf.dispose([value, ...Object.values(grads), ...Object.values(inputs)]);
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void => {
  expect(a.length).toBe(b.length);
  for (let k = 0; k < a.length; k++) expect(Math.abs(a[k]! - b[k]!), `element ${k}: ${a[k]} against ${b[k]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[k]!)));
};

describe('which losses tile', () => {
  it.each(CASES)('$name tiles over its rows', (c) => {
    const a = analyzeTiling(c.fn());
    expect('plan' in a ? a.plan.axis.dim : a.reason).toBe('N');
    expect(optionKeys(c.fn())).toContain('blockRows');
  });

  it('a loss whose terms combine rows both ways (softmax along i and along j) stays untiled, and takes no blockRows', () => {
    const fn = userLosses().get('both_ways')!;
    const a = analyzeTiling(fn);
    expect('reason' in a && a.reason).toMatch(/larger than every input/);
    expect(optionKeys(fn)).not.toContain('blockRows');
  });

  it('an elementwise loss stays untiled: no value is larger than an input', () => {
    const a = analyzeTiling(userLosses().get('plain_mse')!);
    expect('reason' in a && a.reason).toMatch(/no value over .* is larger than an input/);
  });

  it("the stdlib's supcon (any over (i, j) of the label pairs) stays untiled", () => {
    const a = analyzeTiling(lossFn(MET, 'supcon'));
    expect('reason' in a).toBe(true);
  });
});

// One module for both backends: the user's losses and the stdlib's info_nce as written there.
const INFO_NCE = /\nloss info_nce\([^]*?\n\n/.exec(readFileSync(MET, 'utf8'))![0];
type Module = Record<string, (...args: unknown[]) => tf.Scalar>;
let source: Promise<string>;
let generated: Promise<Module>;
beforeAll(() => {
  source = (async () => {
    const r = await compile(`${USER}\n${INFO_NCE}`, 'user.loss');
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
    return r.code!;
  })();
  generated = source.then((code) => importModule<Module>(code, 'tile-user'));
});

it('the generated module, tiled losses and all, type-checks under the strictest settings', async () => {
  const code = await source;
  expect(code).toContain('tf.customGrad');
  expect(code).toMatch(/blockRows\?: number/);
  expect(await typecheckGenerated({ 'tile.ts': code })).toEqual([]);
}, 180_000);

describe.each(['cpu', 'wasm'] as const)('on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  describe.each(CASES)('$name', (c) => {
    const x = c.inputs(11);
    const fn = c.fn();
    const untiled = (): ReturnType<typeof evaluate> => evaluate(fn, x, c.wrt);

    it.each([1, 2, 3, 4, 6])('blockRows %i: value and gradients equal the untiled loss and the float64 oracle', (blockRows) => {
      const base = untiled();
      const tiled = evaluate(fn, x, c.wrt, blockRows);
      close([tiled.value], [base.value], 2e-6);
      tiled.grads.forEach((g, k) => close(g, base.grads[k]!, 2e-5));
      close([tiled.value], [c.oracle(x)], 2e-5);
      const args = c.wrt.map((n) => x[n]!);
      c.wrt.forEach((name, k) => {
        const fd = fdGrad((...ts) => c.oracle({ ...x, ...Object.fromEntries(c.wrt.map((n, j) => [n, ts[j]!])) }), args, k);
        close(tiled.grads[k]!, fd.data, 1e-3);
      });
    });

    it('a block of all rows (or more) is the untiled loss itself', () => {
      const base = untiled();
      const whole = evaluate(fn, x, c.wrt, c.rows + 5);
      expect(whole.value).toBe(base.value);
      whole.grads.forEach((g, k) => expect(Array.from(g)).toEqual(Array.from(base.grads[k]!)));
    });
  });

  it('the generated module tiles as the evaluator does (info_nce, my_supcon)', async () => {
    const mod = await generated;
    for (const c of [CASES[0]!, CASES[3]!]) {
      const fn = c.fn();
      const x = c.inputs(12);
      const inputs = tensors(fn, x);
      const positional = fn.inputs.filter((i) => i.default === undefined).map((i) => i.name);
      const f = (...ts: tf.Tensor[]): tf.Scalar => mod[fn.name]!(...positional.map((n) => (c.wrt.includes(n) ? ts[c.wrt.indexOf(n)] : inputs[n])), { blockRows: 3 });
      const { value, grads } = tf.valueAndGrads(f)(c.wrt.map((n) => inputs[n]!));
      const viaEvaluator = evaluate(fn, x, c.wrt, 3);
      close([value.dataSync()[0]!], [viaEvaluator.value], 1e-6);
      grads.forEach((g, k) => close(g.dataSync(), viaEvaluator.grads[k]!, 1e-5));
      tf.dispose([value, ...grads, ...Object.values(inputs)]);
    }
  });
});

describe('ties', () => {
  it("a max or min tied between elements splits its gradient equally, tiled as untiled (the derived gradient's convention)", () => {
    const fn = lossFn(MET, 'batch_hard_triplet');
    // Anchor 0's two positives at the same distance, and its two nearest negatives.
    const x = { e: fromNested([[0, 0], [1, 0], [-1, 0], [0, 2], [0, -2], [1, 1]]), label: fromNested([0, 0, 0, 1, 1, 1]) };
    const base = evaluate(fn, x, ['e']);
    for (const blockRows of [1, 4]) {
      const tiled = evaluate(fn, x, ['e'], blockRows);
      close([tiled.value], [base.value], 1e-6);
      close(tiled.grads[0]!, base.grads[0]!, 1e-5);
    }
  });
});

describe('blockRows', () => {
  it('must be a whole number of at least 1', () => {
    const fn = lossFn(MET, 'info_nce');
    const x = views(3);
    for (const bad of [0, 2.5, -1]) {
      expect(() => evaluate(fn, x, ['zi'], bad)).toThrow(/option blockRows must be a whole number of at least 1, not /);
    }
  });

  it('a masked mean that selects nothing is its empty value, tiled or not', () => {
    const fn = userLosses().get('my_supcon')!;
    const x = { e: roundF32(randomTensor([5, 3], mulberry32(4))), label: fromNested([0, 1, 2, 3, 4]) };
    const base = evaluate(fn, x, ['e']);
    const tiled = evaluate(fn, x, ['e'], 2);
    expect(Object.is(tiled.value, base.value) || (Number.isNaN(tiled.value) && Number.isNaN(base.value))).toBe(true);
    expect(Array.from(tiled.grads[0]!)).toEqual(Array.from(base.grads[0]!));
  });
});

describe("the fuzzer's random programs", () => {
  // Every generated loss the pass tiles, at block sizes 1 and 2 (rows of size 3 to 5): the same
  // value and gradients as untiled, on cpu. The programs include pairwise forms (x[i] - x[j],
  // masks i != j, p < q) over the loss's own axes as well as its index variables; the first
  // ones of this test found full copies of an input read by no entry, which crashed the lowering.
  it('that tile give the untiled value and gradients at every block size', async () => {
    await initBackend('cpu');
    let tiled = 0;
    for (let seed = 1; seed <= 120 && tiled < 25; seed++) {
      const text = generateProgram(seed * 7919, 1 + (seed % 6)).text;
      const compiled = await compile(text, 'fz.loss');
      for (const fn of compiled.losses) {
        if (!('plan' in analyzeTiling(fn))) continue;
        tiled++;
        const sample = sampleInputs(fn, fuzzRng(seed), { optional: true });
        const inputs = toTf(sample);
        const wrt = fn.inputs.filter((i) => i.elem === 'real' && inputs[i.name]).map((i) => i.name);
        const run = (blockRows?: number): { value: number; grads: Float32Array[] } => {
          const r = valueAndGradsTfjs(fn, inputs, sample.hypers, wrt, blockRows === undefined ? {} : { blockRows });
          const out = { value: r.value.dataSync()[0]!, grads: wrt.map((n) => r.grads[n]!.dataSync() as Float32Array) };
          tf.dispose([r.value, ...Object.values(r.grads)]);
          return out;
        };
        const base = run();
        for (const blockRows of [1, 2]) {
          const t = run(blockRows);
          const what = `${text}\n${fn.name}, blockRows ${blockRows}`;
          if (Number.isNaN(base.value)) expect(t.value, what).toBeNaN();
          else expect(Math.abs(t.value - base.value), what).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(base.value)));
          t.grads.forEach((g, k) => {
            const scale = Math.max(1, ...Array.from(base.grads[k]!, Math.abs).filter(Number.isFinite));
            g.forEach((v, e) => {
              const b = base.grads[k]![e]!;
              if (Number.isNaN(b)) expect(v, `${what}: d/d${wrt[k]}[${e}]`).toBeNaN();
              else expect(Math.abs(v - b), `${what}: d/d${wrt[k]}[${e}] ${v} vs ${b}`).toBeLessThanOrEqual(1e-4 * scale);
            });
          });
        }
        tf.dispose(Object.values(inputs));
      }
    }
    expect(tiled).toBeGreaterThanOrEqual(10);
  }, 180_000);
});
