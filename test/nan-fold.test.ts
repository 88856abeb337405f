// The input scan's NaN test folded into the loss's value (src/ir/nan-reach.ts,
// src/lower/signature.ts): an input whose NaN the value surely carries is not reduced again
// before the loss; the loss reads its value, and on NaN the full scan names the input and the
// position. A NaN input must never give a number: each op of NAN_STRICT is put through the
// lowering with NaN at random positions (module, module under tf.grads, evaluator; every
// reduction), the ops left out of the table (selects, max, masked means, pow) still refuse
// NaN through the scan before the loss, and a NaN value from clean inputs is returned as it is.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../src/api.js';
import { emitPytorchModule, TORCH_RUNTIME_FILE } from '../src/emit/pytorch.js';
import { TORCH_RUNTIME_SOURCE } from '../src/runtime/python/source.js';
import { PYTHON, torchMissing } from './helpers/torch.js';
import { evaluateTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { NAN_STRICT, nanReachingInputs } from '../src/ir/nan-reach.js';
import type { IrFunction } from '../src/ir/types.js';
import { expectThrowsClean } from './helpers/throws.js';
import { importModule } from './fuzz/compare.js';
import type { LossFunction } from './fuzz/inputs.js';

/** One program per op of NAN_STRICT (its IR holds the op: checked below). */
const STRICT = `
loss op_neg(x: [N]) = mean(-x)
loss op_abs(x: [N]) = mean(abs(x))
loss op_square(x: [N]) = mean(x^2)
loss op_sqrt(x: [N]) = mean(sqrt(x))
loss op_exp(x: [N]) = mean(exp(x))
loss op_log(x: [N]) = mean(log(x))
loss op_softplus(x: [N]) = mean(softplus(x))
loss op_add(x: [N], z: [N, D]) = mean(x + z)
loss op_sub(z: [N, D], x: [N]) = mean(z - x)
loss op_mul(x: [N], z: [N]) = mean(x * z)
loss op_div(z: [N], x: [N]) = mean(z / x)
loss op_sum(x: [N, D]) = sum(x)
loss op_mean(x: [N, D]) = mean(sum(x, D))
loss op_detach(x: [N], z: [N]) = mean(detach(x) * z)
loss op_flatten(x: [B, H, W]) = mean(sum(flatten(x, (H, W), S), S))
loss op_unflatten(x: [B, S], g: [H, W]) = mean(sum(unflatten(x, S, (H, W)) * g, (H, W)))
loss op_rename(x: [N, D], z: [N, D]) = mean(sum(x[i] * z[i], D))
loss add_sum(x: [N], z: [N, D]) = sum(x + z)
`;
/** What a NaN may not reach the value through: the scan before the loss must find it. */
const OPAQUE = `
loss chosen(x: [N]) = mean(if x > 0 then x else 0)
loss larger(x: [N]) = mean(max(x, 0))
loss top(x: [N]) = max(x)
loss selected(x: [N]) = mean(x, where: x > 0)
loss power(x: [N]) = mean(x ^ 0 + 0 * abs(x) ^ 0)
loss gathered(x: [N, C], t: index[N] of C) = mean(x[t])
`;
const SIZES: Readonly<Record<string, number>> = { N: 5, D: 3, B: 2, H: 2, W: 3, S: 6, C: 4 };

let mod: Record<string, LossFunction>;
let fns: IrFunction[];

beforeAll(async () => {
  const strict = await compile(STRICT, 'strict.loss');
  const opaque = await compile(OPAQUE, 'opaque.loss');
  expect([...strict.diagnostics, ...opaque.diagnostics].filter((d) => d.severity === 'error')).toEqual([]);
  mod = { ...(await importModule<Record<string, LossFunction>>(strict.code!, 'nan-fold')), ...(await importModule<Record<string, LossFunction>>(opaque.code!, 'nan-fold')) };
  fns = [...strict.losses, ...opaque.losses];
}, 120_000);

const fnOf = (name: string): IrFunction => fns.find((f) => f.name === name)!;
const shapeOf = (fn: IrFunction, input: string, sizes: Record<string, number> = SIZES): number[] => fn.inputs.find((i) => i.name === input)!.axes.map((a) => sizes[a.dim]!);

function mulberry(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Clean inputs: reals in [0.5, 2) (sqrt and log defined), class indices in range. */
function inputsOf(fn: IrFunction, rand: () => number, sizes: Record<string, number> = SIZES): Record<string, tf.Tensor> {
  return Object.fromEntries(
    fn.inputs.map((i) => {
      const shape = shapeOf(fn, i.name, sizes);
      const n = shape.reduce((a, b) => a * b, 1);
      if (i.elem === 'index') return [i.name, tf.tensor(Array.from({ length: n }, () => Math.floor(rand() * sizes[i.indexOf!]!)), shape, 'int32')];
      return [i.name, tf.tensor(Array.from({ length: n }, () => 0.5 + 1.5 * rand()), shape)];
    }),
  );
}

/** `t` with NaN at flat position `k`, and that position as the message writes it. */
function withNaN(t: tf.Tensor, k: number): [tf.Tensor, string] {
  const data = Array.from(t.dataSync());
  data[k] = NaN;
  const at: number[] = [];
  for (let d = t.rank - 1, r = k; d >= 0; d--) {
    at.unshift(r % t.shape[d]!);
    r = Math.floor(r / t.shape[d]!);
  }
  return [tf.tensor(data, t.shape), `[${at.join(', ')}]`];
}

const escape = (s: string): string => s.replace(/[[\]().]/g, '\\$&');

/** Calls the module's loss with `inputs` in declaration order and `options`. */
function callModule(fn: IrFunction, inputs: Record<string, tf.Tensor>, options: Record<string, unknown> = {}): tf.Tensor {
  return mod[fn.name]!(...fn.inputs.map((i) => inputs[i.name]), options);
}

/** NaN in `input` at random positions: every call refuses it, naming the input and position. */
function expectRefused(fn: IrFunction, input: string, rand: () => number, reductions: readonly (string | undefined)[]): void {
  const clean = inputsOf(fn, rand);
  const size = clean[input]!.size;
  for (const k of new Set([0, size - 1, Math.floor(rand() * size)])) {
    const [bad, at] = withNaN(clean[input]!, k);
    const inputs = { ...clean, [input]: bad };
    const message = new RegExp(`^${fn.name}: input '${input}' holds NaN at ${escape(at)}, but must hold numbers`);
    for (const reduction of reductions) {
      const options = reduction === undefined ? {} : { reduction };
      expectThrowsClean(() => callModule(fn, inputs, options), message, `${fn.name} ${reduction ?? ''} module`);
      const reals = fn.inputs.filter((i) => i.elem === 'real').map((i) => i.name);
      const grads = (): tf.Tensor[] => tf.grads((...ts: tf.Tensor[]) => tf.sum(callModule(fn, { ...inputs, ...Object.fromEntries(reals.map((n, j) => [n, ts[j]!])) }, options)))(reals.map((n) => inputs[n]!));
      expectThrowsClean(() => tf.dispose(grads()), message, `${fn.name} ${reduction ?? ''} module under tf.grads`);
      expectThrowsClean(() => evaluateTfjs(fn, inputs, {}, reduction === undefined ? {} : { reduction: reduction as 'sum' }), message, `${fn.name} ${reduction ?? ''} evaluator`);
    }
    bad.dispose();
  }
  tf.dispose(Object.values(clean));
}

describe('the analysis', () => {
  it('covers each op of NAN_STRICT with a program here whose every input it folds', () => {
    const strict = fns.filter((f) => STRICT.includes(`loss ${f.name}(`));
    for (const op of NAN_STRICT) expect(strict.some((f) => f.nodes.some((n) => n?.op === op)), op).toBe(true);
    for (const f of strict) {
      const all = f.inputs.filter((i) => i.elem === 'real').map((i) => i.name).sort();
      expect([...nanReachingInputs(f, f.output)].sort(), f.name).toEqual(all);
      if (f.reduction) expect([...nanReachingInputs(f, f.reduction.perSample)].sort(), f.name).toEqual(all);
    }
  });

  it('folds nothing through a select, a max, a masked mean, pow or a gather', () => {
    for (const f of fns.filter((g) => OPAQUE.includes(`loss ${g.name}(`))) {
      expect([...nanReachingInputs(f, f.output)], f.name).toEqual([]);
      if (f.reduction) expect([...nanReachingInputs(f, f.reduction.perSample)], f.name).toEqual([]);
    }
  });
});

describe.each(['wasm', 'cpu'] as const)('on %s', (backend) => {
  beforeAll(async () => {
    expect(await initBackend(backend)).toBe(backend);
  });

  it('each op of the table carries NaN into the value as the lowering computes it (checkValues: false)', () => {
    const rand = mulberry(backend === 'wasm' ? 3 : 5);
    for (const f of fns.filter((g) => STRICT.includes(`loss ${g.name}(`))) {
      for (const i of f.inputs) {
        const clean = inputsOf(f, rand);
        const [bad] = withNaN(clean[i.name]!, Math.floor(rand() * clean[i.name]!.size));
        const v = callModule(f, { ...clean, [i.name]: bad }, { checkValues: false });
        expect(Number.isNaN(v.dataSync()[0]), `${f.name}: NaN in ${i.name}`).toBe(true);
        tf.dispose([v, bad, ...Object.values(clean)]);
      }
    }
  });

  it('a NaN input folded into the value is refused with its name and position, by every reduction', () => {
    const rand = mulberry(backend === 'wasm' ? 7 : 11);
    for (const f of fns.filter((g) => STRICT.includes(`loss ${g.name}(`))) {
      const reductions = f.reduction ? [undefined, 'none', 'sum'] : [undefined];
      for (const i of f.inputs) expectRefused(f, i.name, rand, reductions);
    }
  });

  it('a NaN the value may not carry is refused by the scan before the loss', () => {
    const rand = mulberry(backend === 'wasm' ? 13 : 17);
    for (const f of fns.filter((g) => OPAQUE.includes(`loss ${g.name}(`))) expectRefused(f, 'x', rand, [undefined]);
  });

  it('a NaN value from clean inputs is returned, not refused (log of a negative, Infinity - Infinity)', () => {
    const x = tf.tensor([1, -1, 2, 3, 4]);
    const z = tf.tensor([[1, 2, 3], [Infinity, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1]]);
    const inf = tf.tensor([1, Infinity, 1, 1, 1]);
    for (const v of [callModule(fnOf('op_log'), { x }), evaluateTfjs(fnOf('op_log'), { x }, {}), callModule(fnOf('op_sub'), { z, x: inf }), evaluateTfjs(fnOf('op_sub'), { z, x: inf }, {})]) {
      expect(Number.isNaN(v.dataSync()[0])).toBe(true);
      v.dispose();
    }
    tf.dispose([x, z, inf]);
  });

  it('with an empty input beside it, a NaN input is still refused (no element of it reaches the value)', () => {
    const f = fnOf('add_sum');
    const x = tf.tensor([1, NaN, 2]);
    const z = tf.zeros([3, 0]);
    const message = /^add_sum: input 'x' holds NaN at \[1\], but must hold numbers/;
    expectThrowsClean(() => callModule(f, { x, z }), message, 'module');
    expectThrowsClean(() => evaluateTfjs(f, { x, z }, {}), message, 'evaluator');
    tf.dispose([x, z]);
  });

  it('with checkFinite the scan still speaks first, and weights are scanned as before', () => {
    const f = fnOf('op_mul');
    const x = tf.tensor([1, 2, NaN, 4, 5]);
    const z = tf.ones([5]);
    expectThrowsClean(() => callModule(f, { x, z }, { checkFinite: true }), /^op_mul: input 'x' holds NaN at \[2\], but must hold numbers/, 'checkFinite');
    const clean = tf.ones([5]);
    const weights = tf.tensor([1, 1, 1, NaN, 1]);
    expectThrowsClean(() => callModule(f, { x: clean, z }, { weights }), /^op_mul: option 'weights' holds NaN at \[3\], but must hold numbers/, 'weights');
    tf.dispose([x, z, clean, weights]);
  });
});

describe('the PyTorch module', () => {
  it.skipIf(torchMissing() !== undefined)('refuses a NaN input folded into the value, and one behind a select, by every reduction; a NaN value from clean inputs is returned', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-nan-fold-'));
    try {
      writeFileSync(join(dir, 'strict.py'), emitPytorchModule({ file: 'strict.loss', losses: fns }));
      writeFileSync(join(dir, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
      const script = [
        'import torch, strict',
        "x = torch.tensor([1.0, 2.0, float('nan'), 0.5, 1.5], requires_grad=True)",
        'z = torch.ones(5)',
        'out = []',
        "for name, args in [('op_mul', (x, z)), ('op_softplus', (x,)), ('chosen', (x,))]:",
        "    for kw in [{}, {'reduction': 'none'}, {'reduction': 'sum'}]:",
        '        try:',
        '            v = getattr(strict, name)(*args, **kw)',
        '            v.sum().backward()',
        "            out.append(name + ' no error')",
        '        except ValueError as e:',
        '            out.append(str(e))',
        "out.append(str(float(strict.op_log(torch.tensor([1.0, -1.0, 2.0, 3.0, 4.0])))))",
        "print('\\n'.join(out))",
      ].join('\n');
      const r = spawnSync(PYTHON, ['-c', script], { cwd: dir, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      const lines = r.stdout.trim().split('\n');
      const expected = (name: string): string => `${name}: input 'x' holds NaN at [2], but must hold numbers (float32 values that are not NaN)`;
      expect(lines).toEqual([...Array(3).fill(expected('op_mul')), ...Array(3).fill(expected('op_softplus')), ...Array(3).fill(expected('chosen')), 'nan']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
