// Options at their defaults get a body of their own (src/opt/specialise.ts): BCE with logits at
// pos_weight = 1 is softplus(x) - y·x, without the per-element weight (1 + (pos_weight - 1)·y).
// Checked: which options a loss specialises (those whose default saves work, not those that
// fold nothing: cross_entropy's ignore_index); the generated module runs the specialised body
// for the default and for the default given explicitly, the general one otherwise (kernel
// counts), and every call's value and gradients (x and y) equal a float64 oracle written from
// the formula, on wasm and cpu; the evaluator runs the same bodies.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fsHost } from '../src/cli/files.js';
import { valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend, type BackendName } from '../src/eval/setup.js';
import type { IrFunction } from '../src/ir/types.js';
import { frontEnd } from '../src/pipeline.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { maxRelErr } from './oracle/fd.js';
import { mulberry32 } from './oracle/tensor.js';

const SOURCE = `loss bce(x: [...], y: [...] in [0, 1], pos_weight: real in [0, inf) = 1) =
  mean((1 + (pos_weight - 1) * y) * softplus(x) - pos_weight * y * x)

loss scaled(x: [N], y: [N], s: real = 1, m: real = 3) = mean(s * x * y + m)
`;
const FILE = 'hyper-defaults.loss';

describe('which options get a body at their default', () => {
  const losses = frontEnd(SOURCE, FILE, { stability: false, gradients: true }).losses;
  const by = (name: string): IrFunction => losses.find((f) => f.name === name)!;

  it('an option whose default folds work away does; one that only stands for a constant does not', () => {
    expect(by('bce').specialised?.map((s) => [s.leftOut, s.atDefault])).toEqual([[[], ['pos_weight']]]);
    // s = 1 drops a multiplication per element; m = 3 is added once to the mean either way.
    expect(by('scaled').specialised?.map((s) => [s.leftOut, s.atDefault])).toEqual([[[], ['s']]]);
    const body = by('bce').specialised![0]!.fn;
    expect(body.hypers.map((h) => h.name)).toEqual([]);
    // softplus(x) - y·x: no product with 0 or 1 left, one softplus, one product.
    const live = body.nodes.filter((n) => n.type.axes.length > 0 && !['input', 'const', 'iota'].includes(n.op));
    const forward = live.filter((n) => n.id <= body.output);
    expect(forward.map((n) => n.op).sort()).toEqual(['mul', 'softplus', 'sub']);
  });

  it("the stdlib: bce_with_logits at pos_weight = 1; cross_entropy's ignore_index never narrows its bodies", () => {
    const cls = frontEnd(readFileSync('stdlib/classification.loss', 'utf8'), 'stdlib/classification.loss', { host: fsHost, stability: false, gradients: true }).losses;
    const of = (name: string) => cls.find((f) => f.name === name)!.specialised?.map((s) => [s.leftOut, s.atDefault]);
    expect(of('bce_with_logits')).toEqual([[[], ['pos_weight']]]);
    expect(of('cross_entropy')!.flatMap(([, hypers]) => hypers)).not.toContain('ignore_index');
    expect(of('cross_entropy')).toContainEqual([['weight'], []]);
  });
});

/** float64 mean((1 + (w - 1)·y)·softplus(x) - w·y·x), and its gradients along x and y. */
function bceOracle(x: readonly number[], y: readonly number[], w: number): { value: number; dx: number[]; dy: number[] } {
  const n = x.length;
  const softplus = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
  const sigmoid = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
  let value = 0;
  const dx: number[] = [];
  const dy: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = 1 + (w - 1) * y[i]!;
    value += a * softplus(x[i]!) - w * y[i]! * x[i]!;
    dx.push((a * sigmoid(x[i]!) - w * y[i]!) / n);
    dy.push(((w - 1) * softplus(x[i]!) - w * x[i]!) / n);
  }
  return { value: value / n, dx, dy };
}

/** Gradients within float32 rounding of the terms (a softplus of 30 and a product of 30). */
function expectClose(got: ArrayLike<number>, want: readonly number[], what: string): void {
  const scale = Math.max(...want.map(Math.abs));
  const worst = Math.max(...Array.from(got).map((g, i) => Math.abs(g - want[i]!)));
  expect(worst / scale, what).toBeLessThan(1e-5);
}

const rand = mulberry32(20261206);
// Confident logits both ways, zero, and soft labels as well as hard ones.
const X = [30, -30, 0, 2.5, -1.25, 0.5, ...Array.from({ length: 42 }, () => Math.fround(8 * rand.next() - 4))].map(Math.fround);
const Y = [1, 0, 0.5, 0, 1, 0.25, ...Array.from({ length: 42 }, (_, i) => (i % 3 === 0 ? Math.fround(rand.next()) : i % 2))].map(Math.fround);
const CALLS: readonly [string, Record<string, number>][] = [
  ['pos_weight left out', {}],
  ['pos_weight = 1 given', { pos_weight: 1 }],
  ['pos_weight = 2.5', { pos_weight: 2.5 }],
  ['pos_weight = 0', { pos_weight: 0 }],
];

describe.each(['wasm', 'cpu'] as BackendName[])('the bodies on %s', (backend) => {
  let mod: LossModule;
  beforeAll(async () => {
    await initBackend(backend);
    mod = await compiledModule(SOURCE, FILE, `hyper-defaults-${backend}`);
  }, 180_000);

  it('each call equals the float64 oracle: value, and gradients along x and y', async () => {
    await initBackend(backend);
    const ir = frontEnd(SOURCE, FILE, { stability: false, gradients: true }).losses.find((f) => f.name === 'bce')!;
    const x = tf.tensor1d(X);
    const y = tf.tensor1d(Y);
    for (const [what, options] of CALLS) {
      const want = bceOracle(X, Y, options.pos_weight ?? 1);
      const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => mod['bce']!(a, b, options))([x, y]);
      expect(maxRelErr([value.dataSync()[0]!], [want.value]), `${what}: value`).toBeLessThan(1e-5);
      expectClose(grads[0]!.dataSync(), want.dx, `${what}: d/dx`);
      expectClose(grads[1]!.dataSync(), want.dy, `${what}: d/dy`);
      const evaluated = valueAndGradsTfjs(ir, { x, y }, options, ['x', 'y']);
      expect(maxRelErr([evaluated.value.dataSync()[0]!], [want.value]), `${what}: evaluator's value`).toBeLessThan(1e-5);
      expectClose(evaluated.grads['x']!.dataSync(), want.dx, `${what}: evaluator's d/dx`);
      expectClose(evaluated.grads['y']!.dataSync(), want.dy, `${what}: evaluator's d/dy`);
      tf.dispose([value, ...grads, evaluated.value, ...Object.values(evaluated.grads)]);
    }
    tf.dispose([x, y]);
  });

  it('the default, left out or given, runs the short body; another value the general one', async () => {
    await initBackend(backend);
    const x = tf.tensor1d(X);
    const y = tf.tensor1d(Y);
    const kernels = async (options: Record<string, number>): Promise<string[]> =>
      (await tf.profile(() => tf.dispose(tf.valueAndGrads((a: tf.Tensor) => mod['bce']!(a, y, { ...options, checkValues: false }))([x])))).kernels.map((k) => k.name);
    const leftOut = await kernels({});
    expect(await kernels({ pos_weight: 1 })).toEqual(leftOut);
    const general = await kernels({ pos_weight: 2.5 });
    // The per-element weight: its product and sum forward, and again in the backward pass.
    expect(leftOut.filter((k) => k === 'Multiply' || k === 'Add').length).toBeLessThan(general.filter((k) => k === 'Multiply' || k === 'Add').length);
    expect(leftOut.filter((k) => k === 'Softplus')).toEqual(['Softplus']);
    tf.dispose([x, y]);
  });
});
