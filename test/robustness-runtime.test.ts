// Generated losses and the tfjs evaluator at run time, on every stdlib loss found: each wrong
// input a JavaScript caller can pass throws an Error that names the loss, the argument and
// what was expected, and leaks no tensor; `checkFinite` says which input led to a NaN or an
// infinity, the module and the evaluator in the same words; and thousands of calls forward
// and backward leave `tf.memory().numTensors` where it started.
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectThrowsClean } from './helpers/throws.js';
import { compile } from './helpers/compile-cache.js';
import { evaluateTfjs, valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { unionShapeIsIndices } from '../src/ir/class-indices.js';
import type { IrInput } from '../src/ir/types.js';
import { check, FUZZING, runs, timeout } from './fuzz/config.js';
import { importModule } from './fuzz/compare.js';
import { mulberry32 } from './fuzz/gen-program.js';
import { callModule, sampleInputs, toTf, type Dense, type LossFunction } from './fuzz/inputs.js';
import { KINDS, perturb } from './fuzz/perturb.js';
import { stdlibLosses, type StdlibLoss } from './fuzz/stdlib-modules.js';
import { full } from './helpers/sampling.js';

let losses: StdlibLoss[] = [];
let skipped: string[] = [];

beforeAll(async () => {
  await initBackend('wasm');
  ({ losses, skipped } = await stdlibLosses());
}, 180_000);

const tensor = (d: Dense): tf.Tensor => tf.tensor(d.data, d.shape, d.dtype);

const quote = (s: string): RegExp => new RegExp(`'${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`);

describe('wrong inputs throw an Error naming the loss, the argument and what was expected', () => {
  it('finds the stdlib losses', () => {
    expect(losses.length).toBeGreaterThan(5);
    // Losses that call a function argument need a model; they are covered in stdlib tests.
    expect(skipped.length).toBeLessThan(losses.length);
  });

  it.each(KINDS)('%s, in generated modules and the evaluator', (kind) => {
    const arbitrary = fc.record({ k: fc.nat(), seed: fc.nat() });
    check(
      'runtime',
      fc.property(arbitrary, ({ k, seed }) => {
        const { fn, f, file } = losses[k % losses.length]!;
        const rng = mulberry32(seed);
        const sample = sampleInputs(fn, rng);
        const p = perturb(fn, sample, kind, rng);
        if (!p) return;
        const what = `${file}#${fn.name}, ${kind} of ${p.name ?? 'options'}`;
        const patterns = [new RegExp(`^${fn.name}: `), ...(p.name ? [quote(p.name)] : []), p.expect];
        const valid = toTf(sample);
        const wrong = Object.fromEntries(Object.entries(p.tensors).map(([n, d]) => [n, tensor(d)]));
        const inputs: Record<string, tf.Tensor> = { ...valid, ...wrong };
        // A wrong option replaces the drawn value of that hyperparameter.
        const hypers = Object.fromEntries(Object.entries(sample.hypers).filter(([n]) => !(p.options && n in p.options)));
        const weights = p.options && typeof p.options.weights === 'object' ? tf.ones(Array(8).fill(1)) : undefined;
        const options = p.options === null ? null : { ...(p.options ?? {}), ...(weights ? { weights } : {}) };
        expectThrowsClean(() => {
          if (options === null) return f(...fn.inputs.filter((i) => i.default === undefined).map((i) => inputs[i.name]), null);
          const args = p.raw ? { ...inputs, [p.raw.input]: p.raw.value as tf.Tensor } : inputs;
          return callModule(fn, f, args, hypers, options);
        }, patterns, `module: ${what}`);
        if (p.evaluator) {
          expectThrowsClean(() => evaluateTfjs(fn, inputs, hypers), patterns, `evaluator: ${what}`);
          // A union input given as class indices has no gradient: left out, as evaluate() does.
          const shapes = Object.fromEntries(Object.entries(inputs).map(([n, t]) => [n, t.shape]));
          const asIndices = (i: IrInput): boolean => i.orIndices !== undefined && (inputs[i.name]!.dtype === 'int32' || unionShapeIsIndices(fn, i, shapes));
          const wrt = fn.inputs.filter((i) => i.elem === 'real' && inputs[i.name] && !asIndices(i)).map((i) => i.name);
          if (wrt.length > 0) expectThrowsClean(() => { const r = valueAndGradsTfjs(fn, inputs, hypers, wrt); return [r.value, ...Object.values(r.grads)]; }, patterns, `evaluator gradients: ${what}`);
        }
        tf.dispose([...Object.values(valid), ...Object.values(wrong), ...(weights ? [weights] : [])]);
      }),
      25,
      () => undefined,
    );
  }, timeout(60_000));
});

describe('checkFinite says where a NaN or an infinity came from', () => {
  const source = [
    // No domain on p: [0, 1] would refuse Infinity before the loss runs (checkValues).
    'loss nll(p: [N], k: real = 1) = -mean(log(p) * k)',
    'loss overflow(x: [N, D]) = mean(exp(x) - exp(2 * x) / exp(x))',
    'loss pairs(e: [N, D]) = mean(1 / d) where d[i, j] = sum((e[i] - e[j])^2, D)',
  ].join('\n');
  let mod: Record<string, LossFunction>;
  let fns: Awaited<ReturnType<typeof compile>>['losses'];
  beforeAll(async () => {
    const compiled = await compile(source, 'finite.loss');
    fns = compiled.losses;
    mod = await importModule(compiled.code!, 'runtime');
  }, 60_000);

  it.each([
    ['nll', [0.5, 0.25, 0, 1], {}, /^nll: the loss is Infinity \(checkFinite\): it first appears as -Infinity in log \(finite\.loss:1:\d+\) at \[N=2\] from finite operands, where p\[2\] = 0$/],
    ['nll', [0.5, Infinity, 0.5], {}, /^nll: the loss is -Infinity \(checkFinite\): input 'p' holds Infinity at \[1\]$/],
    ['nll', [0.5, 0.5], { k: -Infinity }, /^nll: the loss is -Infinity \(checkFinite\): option 'k' is -Infinity$/],
    ['overflow', [[1, 2], [100, 3]], {}, /^overflow: the loss is NaN at \[1, 0\] \(checkFinite\): it first appears as Infinity in exp .* at \[N=1, D=0\] from finite operands, where x\[1, 0\] = 100$/],
    ['pairs', [[1, 2], [3, 4]], {}, /^pairs: the loss is Infinity at \[0, 0\] \(checkFinite\): it first appears as Infinity in div .* at \[i=0, j=0\] from finite operands, where e\[:, :\] = 1, 2, 3, 4$/],
  ] as const)('%s on %j', (name, values, options, message) => {
    const fn = fns.find((l) => l.name === name)!;
    const x = tf.tensor(values as unknown as number[]);
    const inputs = { [fn.inputs[0]!.name]: x };
    // The same words from the module and the evaluator, forward and under tf.grads; no leak.
    expectThrowsClean(() => mod[name]!(x, { ...options, checkFinite: true }), [message], 'module');
    expectThrowsClean(() => tf.grads((t: tf.Tensor) => mod[name]!(t, { ...options, checkFinite: true }))([x]), [message], 'module under tf.grads');
    expectThrowsClean(() => evaluateTfjs(fn, inputs, options as Record<string, number>, { checkFinite: true }), [message], 'evaluator');
    expectThrowsClean(() => { const r = valueAndGradsTfjs(fn, inputs, options as Record<string, number>, [fn.inputs[0]!.name], { checkFinite: true }); return [r.value, ...Object.values(r.grads)]; }, [message], 'evaluator gradients');
    // Without the option the same inputs compute quietly (the check is opt-in).
    tf.dispose(mod[name]!(x, options));
    x.dispose();
  });
});

describe('memory', () => {
  // 10,000 calls per loss under `npm run fuzz`, 100 under LOSSC_FULL=1; a call that leaks
  // leaks every time, and 20 keep `npm test` quick.
  const calls = FUZZING ? 10_000 : full(runs(100), runs(20));

  it(`${calls} calls of each stdlib loss, forward and backward, leave numTensors unchanged`, () => {
    for (const { fn, f, file } of losses) {
      const sample = sampleInputs(fn, mulberry32(fn.name.length), { optional: true });
      const inputs = toTf(sample);
      const wrt = fn.inputs.filter((i) => i.elem === 'real' && i.default === undefined).map((i) => i.name);
      const xs = wrt.map((n) => inputs[n]!);
      const loss = (...ts: tf.Tensor[]): tf.Scalar => {
        const r = callModule(fn, f, { ...inputs, ...Object.fromEntries(wrt.map((n, i) => [n, ts[i]!])) }, sample.hypers);
        return (r.rank === 0 ? r : tf.sum(r)) as tf.Scalar;
      };
      const before = tf.memory().numTensors;
      for (let k = 0; k < calls; k++) {
        if (xs.length === 0) tf.dispose(loss());
        else {
          // As tf.valueAndGrads, but an input the loss ignores (a target behind detach) gets none.
          const { value, grads } = tf.engine().gradients(() => loss(...xs), xs, undefined, true);
          tf.dispose([value, ...grads.filter((g) => g !== undefined)]);
        }
        const r = valueAndGradsTfjs(fn, inputs, sample.hypers, wrt);
        tf.dispose([r.value, ...Object.values(r.grads)]);
      }
      expect(tf.memory().numTensors, `${file}#${fn.name}`).toBe(before);
      tf.dispose(Object.values(inputs));
    }
  }, FUZZING ? 3_600_000 : full(600_000, 120_000));
});
