// sort and cumsum, builtins of one axis: values on cpu and wasm (the evaluator and a generated
// module), in the float64 reference, and in PyTorch (the generated Python module), against a
// plain JavaScript oracle written here; the order of ties (stable, as torch.sort(stable=True)
// and tf.topk) in values and gradients; gradients against central differences of the
// reference; the refusals.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { emitPytorchModule, TORCH_RUNTIME_FILE } from '../src/emit/pytorch.js';
import { evaluateTfjs, valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { differentiate } from '../src/grad/index.js';
import type { IrFunction } from '../src/ir/types.js';
import { evaluateReference, gradientsReference, type RefTensor } from '../src/reference/evaluate.js';
import { TORCH_RUNTIME_SOURCE } from '../src/runtime/python/source.js';
import { compile } from './helpers/compile-cache.js';
import { importModule } from './fuzz/compare.js';
import { mulberry32, randomTensor } from './oracle/tensor.js';
import { PYTHON, torchMissing } from './helpers/torch.js';

// x, k, w: [N, K]; v: [K] (values broadcast along a key's N); the axis K last or N first.
const SOURCE = `
loss asc(x: [N, K], w: [N, K]) = sum(w * sort(x, K))
loss desc_n(x: [N, K], w: [N, K]) = sum(w * sort(x, N, descending: true))
loss by_key(x: [N, K], k: [N, K], w: [N, K]) = sum(w * sort(x, K, by: k, descending: true))
loss spread(v: [K], k: [N, K], w: [N, K]) = sum(w * sort(v, K, by: k))
loss run(x: [N, K], w: [N, K]) = sum(w * cumsum(x, K))
loss run_back(x: [N, K], w: [N, K]) = sum(w * cumsum(x, N, reverse: true))
loss rest(x: [..., K], w: [..., K]) = sum(w * cumsum(sort(x, K), K))
`;
const [N, K] = [3, 5];

type Case = Record<string, RefTensor>;
const t = (shape: number[], data: readonly number[]): RefTensor => ({ shape, data: Float64Array.from(data) });

/** The oracle: plain loops over [N, K] row-major, ties in their order (a stable sort). */
function lines(shape: readonly number[], axis: number): number[][] {
  const [n, k] = shape as [number, number];
  return axis === 1 ? Array.from({ length: n }, (_, i) => Array.from({ length: k }, (_, j) => i * k + j)) : Array.from({ length: k }, (_, j) => Array.from({ length: n }, (_, i) => i * k + j));
}
function sortBy(values: Float64Array, key: Float64Array, shape: readonly number[], axis: number, descending: boolean): Float64Array {
  const out = new Float64Array(values.length);
  for (const at of lines(shape, axis)) {
    const order = at.map((_, j) => j).sort((a, b) => (descending ? key[at[b]!]! - key[at[a]!]! : key[at[a]!]! - key[at[b]!]!) || a - b);
    order.forEach((from, j) => (out[at[j]!] = values[at[from]!]!));
  }
  return out;
}
function runningSum(x: Float64Array, shape: readonly number[], axis: number, reverse: boolean): Float64Array {
  const out = new Float64Array(x.length);
  for (const at of lines(shape, axis)) {
    let s = 0;
    for (const i of reverse ? [...at].reverse() : at) out[i] = s += x[i]!;
  }
  return out;
}
const dotW = (w: Float64Array, y: Float64Array): number => y.reduce((acc, v, i) => acc + v * w[i]!, 0);

const ORACLE: Record<string, (c: Case) => number> = {
  asc: (c) => dotW(c.w!.data, sortBy(c.x!.data, c.x!.data, [N, K], 1, false)),
  desc_n: (c) => dotW(c.w!.data, sortBy(c.x!.data, c.x!.data, [N, K], 0, true)),
  by_key: (c) => dotW(c.w!.data, sortBy(c.x!.data, c.k!.data, [N, K], 1, true)),
  spread: (c) => dotW(c.w!.data, sortBy(Float64Array.from({ length: N * K }, (_, i) => c.v!.data[i % K]!), c.k!.data, [N, K], 1, false)),
  run: (c) => dotW(c.w!.data, runningSum(c.x!.data, [N, K], 1, false)),
  run_back: (c) => dotW(c.w!.data, runningSum(c.x!.data, [N, K], 0, true)),
  rest: (c) => dotW(c.w!.data, runningSum(sortBy(c.x!.data, c.x!.data, [N, K], 1, false), [N, K], 1, false)),
};

/** Random values (no ties: the finite differences cross none), rounded to float32. */
function randomCase(fn: IrFunction, seed: number): Case {
  const rng = mulberry32(seed);
  return Object.fromEntries(
    fn.inputs.map((i) => {
      const r = randomTensor(i.name === 'v' ? [K] : [N, K], rng, { lo: -3, hi: 3 });
      return [i.name, { shape: r.shape, data: r.data.map(Math.fround) }];
    }),
  );
}
/** Ties everywhere: values from {-1, 0, 1}, keys from {0, 1} (stable order decides). */
function tiedCase(fn: IrFunction, seed: number): Case {
  const rng = mulberry32(seed);
  return Object.fromEntries(
    fn.inputs.map((i) => {
      const n = i.name === 'v' ? K : N * K;
      const pick = i.name === 'w' ? () => Math.fround(rng.uniform(-2, 2)) : i.name === 'k' ? () => rng.int(2) : () => rng.int(3) - 1;
      return [i.name, t(i.name === 'v' ? [K] : [N, K], Array.from({ length: n }, pick))];
    }),
  );
}

const checked = check(SOURCE, 'orders.loss');
const FNS = new Map(checked.losses.map((fn) => [fn.name, fn]));
const NAMES = Object.keys(ORACLE);

describe('sort and cumsum check', () => {
  it('with no diagnostics', () => expect(checked.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]));

  it.each([
    ['loss f(x: [N, K], k: [N]) = sum(sort(x, K, by: k))', "E4034: sort: the 'by:' key has no axis K, so it would order nothing (its axes are [N])"],
    ['loss f(x: [N, K], d: bool = true) = sum(sort(x, K, descending: d))', "E3019: 'descending:' of sort must be true or false, written out"],
    ['loss f(x: [N, K]) = sum(cumsum(x, K, reverse: 1))', "E3019: 'reverse:' of cumsum must be true or false"],
    ['loss f(x: [N, K]) = sum(sort(x, M))', 'E4003: sort: the operand has no axis M (its axes are [N, K])'],
    ['loss f(x: [N, K]) = sum(cumsum(x))', "E3001: 'cumsum' takes 2 arguments but was given 1"],
    ['loss f(x: [N, K]) = sum(sort(x, K, by: x, reverse: true))', "E3002: 'sort' has no argument named 'reverse' (it takes 'by:', 'descending:')"],
    ['loss f(x: [N, K]) = sum(cumsum(x, K, descending: true))', "E3002: 'cumsum' has no argument named 'descending' (it takes 'reverse:')"],
    ['loss f(x: bool[N, K]) = sum(sort(x, K))', 'E3014: the argument of sort must be a number'],
  ])('refuses %s', (source, message) => {
    const got = check(source, 'bad.loss').diagnostics.map((d) => formatDiagnostic(d));
    expect(got.some((m) => m.includes(message)), got.join('\n')).toBe(true);
    expect(got.every((m) => /^bad\.loss:\d+:\d+: error E\d{4}/.test(m))).toBe(true);
  });
});

describe('float64: the reference evaluator = the oracle, with and without ties', () => {
  it.each(NAMES)('%s', (name) => {
    const fn = FNS.get(name)!;
    for (const c of [randomCase(fn, 1), randomCase(fn, 2), tiedCase(fn, 3), tiedCase(fn, 4)]) {
      const inputs = name === 'rest' ? { x: { ...c.x!, shape: [1, N, K] }, w: { ...c.w!, shape: [1, N, K] } } : c;
      expect(evaluateReference(fn, inputs, {}).data[0]).toBeCloseTo(ORACLE[name]!(c), 12);
    }
  });

  it.each(NAMES)('%s: the derived gradient = central differences of the reference (no ties)', (name) => {
    const fn = FNS.get(name)!;
    const d = differentiate(fn).fn!;
    const c = randomCase(fn, 5);
    const got = gradientsReference(d, c, {}).grads;
    for (const input of fn.inputs) {
      const want = c[input.name]!.data.map((_, i) => {
        const h = 1e-6;
        const at = (delta: number): number => {
          const moved = { ...c, [input.name]: { ...c[input.name]!, data: c[input.name]!.data.map((v, j) => (j === i ? v + delta : v)) } };
          return evaluateReference(fn, moved, {}).data[0]!;
        };
        return (at(h) - at(-h)) / (2 * h);
      });
      want.forEach((g, i) => expect(Math.abs(got[input.name]!.data[i]! - g), `d${name}/d${input.name}[${i}]`).toBeLessThanOrEqual(1e-6));
    }
  });
});

describe.each(['cpu', 'wasm'] as const)('float32 on %s', (backend) => {
  beforeAll(async () => {
    expect(await initBackend(backend)).toBe(backend);
  });

  it.each(NAMES)('%s: evaluator value = oracle; compiler gradient = tfjs autodiff = the reference gradient, ties included', (name) => {
    const fn = FNS.get(name)!;
    const d = differentiate(fn).fn!;
    for (const c of [randomCase(fn, 6), tiedCase(fn, 7)]) {
      const shapeOf = (k: string): number[] => (name === 'rest' ? [1, N, K] : c[k]!.shape);
      const ts = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, tf.tensor(Array.from(v.data), shapeOf(k))]));
      const wrt = fn.inputs.map((i) => i.name);
      const mine = valueAndGradsTfjs(fn, ts, {}, wrt);
      const auto = valueAndGradsTfjs(fn, ts, {}, wrt, { autodiff: true });
      const want = ORACLE[name]!(c);
      expect(Math.abs(mine.value.dataSync()[0]! - want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
      const ref = gradientsReference(d, Object.fromEntries(Object.entries(c).map(([k, v]) => [k, { ...v, shape: shapeOf(k) }])), {}).grads;
      for (const k of wrt) {
        const [a, b] = [mine.grads[k]!.dataSync(), auto.grads[k]!.dataSync()];
        ref[k]!.data.forEach((g, i) => {
          expect(Math.abs(a[i]! - g), `${k}[${i}] compiler`).toBeLessThanOrEqual(2e-5 * Math.max(1, Math.abs(g)));
          expect(Math.abs(b[i]! - g), `${k}[${i}] autodiff`).toBeLessThanOrEqual(2e-5 * Math.max(1, Math.abs(g)));
        });
      }
      tf.dispose([mine.value, auto.value, ...Object.values(mine.grads), ...Object.values(auto.grads), ...Object.values(ts)]);
    }
  });

  it('a tie in a sort: each tied value\'s gradient is the weight of the position it took, in its order (stable)', () => {
    const fn = FNS.get('asc')!;
    // Row [2, 1, 2, 1, 0] sorts to [0, 1, 1, 2, 2] from positions [4, 1, 3, 0, 2].
    const x = tf.tensor([[2, 1, 2, 1, 0], [0, 0, 0, 0, 0], [5, 4, 3, 2, 1]]);
    const w = tf.tensor([[10, 20, 30, 40, 50], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5]]);
    const { grads } = valueAndGradsTfjs(fn, { x, w }, {}, ['x']);
    expect(Array.from(grads.x!.dataSync())).toEqual([40, 20, 50, 30, 10, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1]);
    tf.dispose([x, w, grads.x!]);
  });

  it('a key holding NaN orders nothing: its line is NaN, the other lines as without it (tf.topk would misorder the line)', () => {
    // Inputs holding NaN are refused before anything runs: the NaN is computed (log of -1).
    const fn = check('loss f(x: [N, K], k: [N, K]) = sort(x, K, by: log(k), descending: true)', 'nan.loss').losses[0]!;
    const x = [[1, 2, 3, 4], [5, 6, 7, 8]];
    const k = [[1, -1, 3, 0.5], [0.5, 0.25, 1, 2]];
    const xs = { x: tf.tensor(x), k: tf.tensor(k) };
    const out = evaluateTfjs(fn, xs, {});
    const got = Array.from(out.dataSync());
    out.dispose();
    const ref = Array.from(evaluateReference(fn, { x: t([2, 4], x.flat()), k: t([2, 4], k.flat()) }, {}).data);
    for (const v of [got, ref]) {
      expect(v.slice(0, 4).every(Number.isNaN)).toBe(true);
      expect(v.slice(4)).toEqual([8, 7, 5, 6]);
    }
    tf.dispose(Object.values(xs));
  });

  it('a generated module computes the same as the evaluator', async () => {
    const out = await compile(SOURCE, 'orders.loss');
    const mod = (await importModule(out.code!, `orders-${backend}`)) as Record<string, (...a: tf.Tensor[]) => tf.Tensor>;
    for (const name of NAMES) {
      const fn = FNS.get(name)!;
      const c = tiedCase(fn, 8);
      const shapeOf = (k: string): number[] => (name === 'rest' ? [1, N, K] : c[k]!.shape);
      const ts = fn.inputs.map((i) => tf.tensor(Array.from(c[i.name]!.data), shapeOf(i.name)));
      const got = mod[name]!(...ts);
      expect(Math.abs(got.dataSync()[0]! - ORACLE[name]!(c)), name).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ORACLE[name]!(c))));
      tf.dispose([got, ...ts]);
    }
  });
});

describe('the PyTorch target', () => {
  const missing = torchMissing();
  it.skipIf(missing !== undefined).each([false, true])('autodiff %s: the generated Python module = the oracle and the reference gradient, ties included (float64)', (autodiff) => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-orders-'));
    try {
      writeFileSync(join(dir, 'orders.py'), emitPytorchModule({ file: 'orders.loss', losses: checked.losses, autodiff }));
      writeFileSync(join(dir, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
      const cases = NAMES.flatMap((name) => [randomCase(FNS.get(name)!, 9), tiedCase(FNS.get(name)!, 10)].map((c) => ({ name, c })));
      const payload = cases.map(({ name, c }) => ({ loss: name, inputs: Object.fromEntries(FNS.get(name)!.inputs.map((i) => [i.name, { data: Array.from(c[i.name]!.data), shape: name === 'rest' ? [1, N, K] : c[i.name]!.shape }])) }));
      const script = [
        'import json, sys, torch, orders',
        'out = []',
        'for c in json.load(sys.stdin):',
        '    xs = {k: torch.tensor(v["data"], dtype=torch.float64).reshape(v["shape"]).requires_grad_() for k, v in c["inputs"].items()}',
        '    loss = getattr(orders, c["loss"])(*xs.values())',
        '    loss.backward()',
        // A key reaches the loss only through the order: autograd leaves its grad None (zero).
        '    out.append({"value": loss.item(), "grads": {k: (x.grad.reshape(-1).tolist() if x.grad is not None else [0.0] * x.numel()) for k, x in xs.items()}})',
        'print(json.dumps(out))',
      ].join('\n');
      const run = spawnSync(PYTHON, ['-c', script], { cwd: dir, input: JSON.stringify(payload), encoding: 'utf8', timeout: 60_000 });
      expect(run.stderr).toBe('');
      const got = JSON.parse(run.stdout) as { value: number; grads: Record<string, number[]> }[];
      cases.forEach(({ name, c }, i) => {
        const want = ORACLE[name]!(c);
        expect(Math.abs(got[i]!.value - want), `${name} value`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
        const fn = FNS.get(name)!;
        const ref = gradientsReference(differentiate(fn).fn!, Object.fromEntries(Object.entries(c).map(([k, v]) => [k, { ...v, shape: name === 'rest' ? [1, N, K] : v.shape }])), {}).grads;
        for (const input of fn.inputs) {
          ref[input.name]!.data.forEach((g, j) => expect(Math.abs(got[i]!.grads[input.name]![j]! - g), `${name} d/d${input.name}[${j}]`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(g))));
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
