// Union input types (issue 17, item 3; MONAI's to_onehot_y): `y: index[B, P] of C | [B, C, P]`
// is class indices or probabilities, told apart at run time by dtype and rank. Indices are made
// one-hot at the boundary, in one place of the lowering (src/lower/union.ts) read by the
// generated module, the evaluator and the PyTorch module; the float64 reference does it itself.
// All against MONAI's DiceLoss written from its definition (test/oracle/onehot-dice.ts).
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { check, evaluate } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { evaluateTfjs, valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { differentiate } from '../src/grad/index.js';
import type { IrFunction } from '../src/ir/types.js';
import { evaluateReference, gradientsReference } from '../src/reference/evaluate.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { expectThrowsClean } from './helpers/throws.js';
import { lossc } from './helpers/process.js';
import { runTorchDriver, torchMissing } from './helpers/torch.js';
import { monaiSoftmaxDice } from './oracle/onehot-dice.js';
import { mulberry32 } from './oracle/tensor.js';

const SOURCE = `
/// MONAI's DiceLoss(softmax=True, to_onehot_y=True) over [B, C, P]; the target as indices or probabilities.
loss dice(x: [B, C, P], y: index[B, P] of C | [B, C, P] in [0, 1], smooth_nr: real = 1e-5, smooth_dr: real = 1e-5) =
  mean(1 - (2 * sum(s * y, P) + smooth_nr) / (sum(s, P) + sum(y, P) + smooth_dr))
  where s = softmax(x, C)
loss ce_last(x: [N, C], y: index[N] of C | [N, C] in [0, 1]) = mean(-sum(y * log_softmax(x, C), C))
`;

type Cube = number[][][];
interface Case {
  readonly x: Cube;
  readonly t: number[][];
  readonly onehot: Cube;
  readonly soft: Cube;
}

function makeCase(seed: number, B: number, C: number, P: number): Case {
  const rng = mulberry32(seed);
  const r = (): number => rng.next();
  const x = Array.from({ length: B }, () => Array.from({ length: C }, () => Array.from({ length: P }, () => Math.fround(6 * r() - 3))));
  const t = Array.from({ length: B }, () => Array.from({ length: P }, () => Math.floor(r() * C)));
  const onehot = Array.from({ length: B }, (_, b) => Array.from({ length: C }, (_, c) => Array.from({ length: P }, (_, p) => (t[b]![p] === c ? 1 : 0))));
  // Soft labels: each column a distribution over C, in float32.
  const soft = Array.from({ length: B }, () => {
    const raw = Array.from({ length: C }, () => Array.from({ length: P }, () => r() + 0.05));
    return raw.map((row) => row.map((v, p) => Math.fround(v / raw.reduce((s, q) => s + q[p]!, 0))));
  });
  return { x, t, onehot, soft };
}

const CASES = [makeCase(1, 2, 3, 5), makeCase(2, 3, 4, 2), makeCase(3, 1, 2, 7)];
const shape3 = (a: Cube): number[] => [a.length, a[0]!.length, a[0]![0]!.length];
const ref = (data: readonly number[], shape: number[]) => ({ shape, data: Float64Array.from(data) });

/** Central differences of the oracle in x (float64). */
function oracleGrad(c: Case, target: number[][] | Cube): number[] {
  const g: number[] = [];
  const x = c.x.map((m) => m.map((row) => [...row]));
  for (let b = 0; b < x.length; b++)
    for (let k = 0; k < x[0]!.length; k++)
      for (let p = 0; p < x[0]![0]!.length; p++) {
        const x0 = x[b]![k]![p]!;
        const h = 1e-6 * Math.max(1, Math.abs(x0));
        x[b]![k]![p] = x0 + h;
        const up = monaiSoftmaxDice(x, target);
        x[b]![k]![p] = x0 - h;
        const down = monaiSoftmaxDice(x, target);
        x[b]![k]![p] = x0;
        g.push((up - down) / (2 * h));
      }
  return g;
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

let mod: LossModule;
let losses: IrFunction[];
beforeAll(async () => {
  await initBackend('cpu');
  mod = await compiledModule(SOURCE, 'union.loss', 'union-types');
  losses = check(SOURCE, 'union.loss').losses;
});
const fnOf = (name: string): IrFunction => losses.find((f) => f.name === name)!;

describe('a union input: class indices or probabilities', () => {
  it('the oracle itself: indices and their one-hot encoding give the same Dice loss', () => {
    for (const c of CASES) expect(monaiSoftmaxDice(c.x, c.t)).toBe(monaiSoftmaxDice(c.x, c.onehot));
  });

  it('float64 reference, both forms: the oracle\'s value, and its gradient in x (central differences); none for indices', () => {
    const fn = differentiate(fnOf('dice')).fn!;
    for (const c of CASES) {
      const x = ref(c.x.flat(2), shape3(c.x));
      for (const [what, y, target] of [
        ['indices', ref(c.t.flat(), [c.t.length, c.t[0]!.length]), c.t],
        ['one-hot', ref(c.onehot.flat(2), shape3(c.onehot)), c.onehot],
        ['soft', ref(c.soft.flat(2), shape3(c.soft)), c.soft],
      ] as const) {
        const value = evaluateReference(fn, { x, y }, {}).data[0]!;
        expect(Math.abs(value - monaiSoftmaxDice(c.x, target)), what).toBeLessThan(1e-12);
        const grads = gradientsReference(fn, { x, y }, {}).grads;
        expect(maxAbs(grads.x!.data, oracleGrad(c, target)), what).toBeLessThan(1e-7);
        expect(grads.y === undefined, what).toBe(what === 'indices');
      }
    }
  });

  it('generated module: int32 indices and float32 one-hot give one value and one gradient in x, the oracle\'s', () => {
    for (const c of CASES) {
      const x = tf.tensor3d(c.x);
      const want = monaiSoftmaxDice(c.x, c.t);
      const grad = oracleGrad(c, c.t);
      const results = [tf.tensor2d(c.t, undefined, 'int32'), tf.tensor3d(c.onehot)].map((y) => {
        const { value, grad: g } = tf.valueAndGrad((a: tf.Tensor) => mod.dice!(a, y))(x);
        const out = { value: value.dataSync()[0]!, grad: Array.from(g.dataSync()) };
        tf.dispose([y, value, g]);
        return out;
      });
      for (const r of results) {
        expect(Math.abs(r.value - want)).toBeLessThan(2e-6);
        expect(maxAbs(r.grad, grad)).toBeLessThan(2e-6);
      }
      expect(results[0]!.value).toBe(results[1]!.value);
      expect(results[0]!.grad).toEqual(results[1]!.grad);
      // Soft labels through the same entry point.
      const soft = tf.tensor3d(c.soft);
      expect(Math.abs(mod.dice!(x, soft).dataSync()[0]! - monaiSoftmaxDice(c.x, c.soft))).toBeLessThan(2e-6);
      tf.dispose([x, soft]);
    }
  });

  it('int32 indices with a size-1 axis where the classes stand (MONAI\'s [B, 1, P]) are indices too', () => {
    for (const c of CASES) {
      const x = tf.tensor3d(c.x);
      const t = tf.tensor3d(c.t.map((row) => [row]), undefined, 'int32');
      const { value, grad } = tf.valueAndGrad((a: tf.Tensor) => mod.dice!(a, t))(x);
      expect(Math.abs(value.dataSync()[0]! - monaiSoftmaxDice(c.x, c.t))).toBeLessThan(2e-6);
      expect(maxAbs(grad.dataSync(), oracleGrad(c, c.t))).toBeLessThan(2e-6);
      tf.dispose([x, t, value, grad]);
      // The float64 reference reads [B, 1, P] (no dtype there) as indices too.
      const fn = differentiate(fnOf('dice')).fn!;
      const inputs = { x: ref(c.x.flat(2), shape3(c.x)), y: ref(c.t.flat(), [c.t.length, 1, c.t[0]!.length]) };
      expect(Math.abs(evaluateReference(fn, inputs, {}).data[0]! - monaiSoftmaxDice(c.x, c.t))).toBeLessThan(1e-12);
      expect(maxAbs(gradientsReference(fn, inputs, {}).grads.x!.data, oracleGrad(c, c.t))).toBeLessThan(1e-7);
    }
    const c = CASES[0]!;
    const x = tf.tensor3d(c.x);
    const two = tf.tensor3d(c.t.map((row) => [row, row]), undefined, 'int32');
    expectThrowsClean(() => mod.dice!(x, two), /^dice: input 'y' must be class indices \(int32 of shape \[B, P\], in \[0, C\)\) or probabilities \(float32 of shape \[B, C, P\]\), but is int32 of shape \[2, 2, 5\]$/, '[B, 2, P]');
    const shortP = tf.tensor3d(c.t.map((row) => [row.slice(1)]), undefined, 'int32');
    expectThrowsClean(() => mod.dice!(x, shortP), /^dice: dimension P of input 'y' is 4, but it is 5 in 'x'/, '[B, 1, P - 1]');
    tf.dispose([x, two, shortP]);
  });

  it('TensorLike arrays: whole numbers of the indices\' rank are indices, one more dim probabilities', () => {
    const c = CASES[0]!;
    const want = monaiSoftmaxDice(c.x, c.t);
    expect(Math.abs(mod.dice!(c.x, c.t).dataSync()[0]! - want)).toBeLessThan(2e-6);
    expect(Math.abs(mod.dice!(c.x, c.onehot).dataSync()[0]! - want)).toBeLessThan(2e-6);
    expect(Math.abs(mod.dice!(c.x, c.soft).dataSync()[0]! - monaiSoftmaxDice(c.x, c.soft))).toBeLessThan(2e-6);
  });

  it('module == evaluator == reference, both forms; the class axis last as well as in the middle', () => {
    const c = CASES[1]!;
    const x = tf.tensor3d(c.x);
    const forms = [
      { y: tf.tensor2d(c.t, undefined, 'int32'), r: ref(c.t.flat(), [c.t.length, c.t[0]!.length]) },
      { y: tf.tensor3d(c.onehot), r: ref(c.onehot.flat(2), shape3(c.onehot)) },
    ];
    for (const f of forms) {
      const module = mod.dice!(x, f.y).dataSync()[0]!;
      const live = evaluateTfjs(fnOf('dice'), { x, y: f.y }, {}).dataSync()[0]!;
      const reference = evaluateReference(fnOf('dice'), { x: ref(c.x.flat(2), shape3(c.x)), y: f.r }, {}).data[0]!;
      expect(live).toBe(module);
      expect(Math.abs(live - reference)).toBeLessThan(2e-6);
    }
    // [N, C] with C last: cross-entropy of one-hot rows is -log_softmax at the index.
    const xs = [[0.3, -0.2, 1.1], [2, 0.5, -1]];
    const t = [2, 0];
    const ce = -(Math.log(Math.exp(1.1) / (Math.exp(0.3) + Math.exp(-0.2) + Math.exp(1.1))) + Math.log(Math.exp(2) / (Math.exp(2) + Math.exp(0.5) + Math.exp(-1)))) / 2;
    const byIndex = mod.ce_last!(tf.tensor2d(xs), tf.tensor1d(t, 'int32')).dataSync()[0]!;
    expect(Math.abs(byIndex - ce)).toBeLessThan(2e-6);
    expect(mod.ce_last!(tf.tensor2d(xs), tf.tensor2d([[0, 0, 1], [1, 0, 0]])).dataSync()[0]!).toBe(byIndex);
    tf.dispose([x, ...forms.map((f) => f.y)]);
  });

  it('the evaluator: numbers of the indices\' shape that are not whole are not indices; the loss says what y must be, after an input before it', () => {
    const c = CASES[0]!;
    const both = 'class indices (int32 of shape [B, P], in [0, C)) or probabilities (float32 of shape [B, C, P])';
    const half = tf.tensor2d(c.t.map((row) => row.map((v) => v + 0.5)));
    const x = tf.tensor3d(c.x);
    expect(() => evaluateTfjs(fnOf('dice'), { x, y: half }, {})).toThrow(`dice: input 'y' must be ${both}, but is float32 of shape [2, 5]`);
    // x cut to rank 2: its own message, not one about y read against x's wrong shape.
    const flat = tf.tensor2d(c.x.map((m) => m.flat()));
    expect(() => evaluateTfjs(fnOf('dice'), { x: flat, y: tf.tensor3d(c.soft) }, {})).toThrow(/^dice: input 'x' should have 3 dimensions/);
    tf.dispose([half, x, flat]);
  });

  it('the evaluator reads a tf.Tensor by its dtype, as the module does: float32 whole numbers of the indices\' shape are refused with the module\'s words', async () => {
    const c = CASES[0]!;
    const x = tf.tensor3d(c.x);
    const both = 'class indices (int32 of shape [B, P], in [0, C)) or probabilities (float32 of shape [B, C, P])';
    const floats = tf.tensor2d(c.t);
    const message = `dice: input 'y' must be ${both}, but is float32 of shape [2, 5]`;
    expect(() => mod.dice!(x, floats)).toThrow(message);
    expect(() => evaluateTfjs(fnOf('dice'), { x, y: floats }, {})).toThrow(message);
    // With MONAI's size-1 class axis too ([B, 1, P] float32 is neither form when C is 3).
    const withOne = tf.tensor3d(c.t.map((row) => [row]));
    expect(() => evaluateTfjs(fnOf('dice'), { x, y: withOne }, {})).toThrow(`dice: dimension C of input 'y' is 1, but it is 3 in 'x' (y given as float32: ${both})`);
    expect(() => mod.dice!(x, withOne)).toThrow(`dice: dimension C of input 'y' is 1, but it is 3 in 'x' (y given as float32: ${both})`);
    // Numbers (JSON, the playground's fields) carry no dtype: there the shape decides.
    const want = monaiSoftmaxDice(c.x, c.t);
    for (const y of [c.t, { shape: [2, 5], data: c.t.flat() }, c.t.map((row) => [row])]) {
      const r = await evaluate(SOURCE, 'u.loss', { loss: 'dice', inputs: { x: c.x, y }, backend: 'cpu' });
      expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
      expect(Math.abs((r.loss as number) - want)).toBeLessThan(2e-6);
    }
    const half = await evaluate(SOURCE, 'u.loss', { loss: 'dice', inputs: { x: c.x, y: c.t.map((row) => row.map((v) => v + 0.5)) }, backend: 'cpu' });
    expect(half.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([`evaluation failed: ${message}`]);
    tf.dispose([x, floats, withOne]);
  });

  it('the evaluator differentiates the probabilities form, and refuses to differentiate the indices', () => {
    const c = CASES[0]!;
    const x = tf.tensor3d(c.x);
    const y = tf.tensor3d(c.soft);
    const { grads } = valueAndGradsTfjs(fnOf('dice'), { x, y }, {}, ['x', 'y']);
    expect(grads.y!.shape).toEqual(shape3(c.soft));
    const t = tf.tensor2d(c.t, undefined, 'int32');
    expect(() => valueAndGradsTfjs(fnOf('dice'), { x, y: t }, {}, ['x', 'y'])).toThrow(
      "dice: cannot differentiate with respect to 'y': it is given as class indices (its probabilities form [B, C, P] has a gradient)",
    );
    tf.dispose([x, y, t, ...Object.values(grads)]);
  });

  it('refuses what is neither form, naming both', () => {
    const c = CASES[0]!;
    const x = tf.tensor3d(c.x);
    const both = 'class indices (int32 of shape [B, P], in [0, C)) or probabilities (float32 of shape [B, C, P])';
    // The first 1 of the one-hot target, doubled: where the domain check finds 2.
    const first1 = c.onehot.flat(2).indexOf(1);
    expect(first1).toBeLessThan(5);
    const cases: [tf.Tensor | string, string][] = [
      [tf.tensor2d(c.t, undefined, 'bool'), `dice: input 'y' must be ${both}, but has dtype bool`],
      [tf.tensor2d(c.t), `dice: input 'y' must be ${both}, but is float32 of shape [2, 5]`],
      [tf.tensor3d(c.onehot, undefined, 'int32'), `dice: input 'y' must be ${both}, but is int32 of shape [2, 3, 5]`],
      [tf.tensor2d([[0, 1, 2, 0, 0]], undefined, 'int32'), `dice: dimension B of input 'y' is 1, but it is 2 in 'x' (y given as int32: ${both})`],
      [tf.tensor3d([[[1], [0], [0]], [[0], [1], [0]]]), `dice: dimension P of input 'y' is 1, but it is 5 in 'x' (y given as float32: ${both})`],
      [tf.tensor2d([[0, 1, 2, 3, 0], [0, 0, 0, 0, 0]], undefined, 'int32'), "dice: input 'y' holds 3, which is not a class index of C in [0, 3)"],
      [tf.tensor2d([[0, 1, 2, -1, 0], [0, 0, 0, 0, 0]], undefined, 'int32'), "dice: input 'y' holds -1, which is not a class index of C in [0, 3)"],
      [tf.tensor3d(c.onehot.map((m) => m.map((row) => row.map((v) => v * 2)))), `dice: input 'y' holds 2 at [0, 0, ${first1}] (flat position ${first1}), outside its declared domain [0, 1] (probabilities or soft labels`],
      ['y', `dice: input 'y' must be a tf.Tensor or TensorLike of ${both}, but is`],
    ];
    for (const [y, message] of cases) expectThrowsClean(() => mod.dice!(x, y), new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), message);
    tf.dispose([x, ...cases.flatMap(([y]) => (typeof y === 'string' ? [] : [y]))]);
  });
});

describe('a union input: declarations refused', () => {
  const errors = (source: string): string[] =>
    check(source, 'u.loss').diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d).split('\n')[0]!);
  it.each([
    ['loss f(x: [N, C], y: index[N] of C | [N, D]) = mean(x) + mean(y)', "u.loss:1:19: error E5020: the two forms of 'y' do not fit: its probabilities [N, D] must be the shape of its class indices [N] with one axis of C added"],
    ['loss f(x: [N, C], y: index[N] of C | [N, C, N]) = mean(x) + mean(y)', "u.loss:1:45: error E4011: dimension 'N' appears twice in one shape; use index variables for a square matrix"],
    ['loss f(x: [N, C], y: index[N, M] of C | [N, C]) = mean(x) + mean(y)', "u.loss:1:19: error E5020: the two forms of 'y' do not fit: its probabilities [N, C] must be the shape of its class indices [N, M] with one axis of C added"],
    ['loss f(x: [N, C], y: index[N] of C | [C, N]) = mean(x) + mean(y)', undefined],
    ['loss f(x: [N, C], y: index[N] of C ignore h | [N, C], h: int = -100) = mean(x) + mean(y)', "u.loss:1:19: error E5021: 'y' cannot be class indices or probabilities here: class indices with an ignore value have no one-hot form: an ignored position has no row of probabilities, and the peers that ignore one leave it out of the prediction as well (smp's DiceLoss zeroes both there), which a target alone cannot say; declare 'index[...] of C ignore h' alone and mask the prediction and onehot(t) with t != h"],
    ['loss f(x: [N, C], y: index[N] of C | [N, C] in [0, 0.5]) = mean(x) + mean(y)', "u.loss:1:19: error E5021: 'y' cannot be class indices or probabilities here: its domain [0, 0.5] must hold 0 and 1, which the one-hot rows of class indices hold (write 'in [0, 1]')"],
    ['loss f(x: [N, C], y: index[N] of C | [N, C] in (0, 1]) = mean(x) + mean(y)', "u.loss:1:19: error E5021: 'y' cannot be class indices or probabilities here: its domain (0, 1] must hold 0 and 1, which the one-hot rows of class indices hold (write 'in [0, 1]')"],
    ['loss f(x: [N, C], y: index[N] of C | [N, C] in {0, 1}) = mean(x) + mean(y)', undefined],
    ['loss f(x: [N, C], y: index[N] of C | [N, C]) = mean(x) + mean(y)', undefined],
    ['loss f(x: [N, C], y: index[N] of C | [N, C] = 0) = mean(x) + mean(y)', "u.loss:1:19: error E5021: 'y' cannot be class indices or probabilities here: a union input is required and given whole (not optional with a default)"],
    ['loss f(x: [C], y: index[N] of C | [N, C]) = mean(x) + mean(y)', "u.loss:1:16: error E5022: dimension N of 'y' must also be in the shape of an input of one type, which fixes its size ('y' comes as class indices or as probabilities, of two shapes)"],
    ['def g(y: index[N] of C | [N, C]) = mean(y)\nloss f(x: [N, C]) = g(x)', "u.loss:1:7: error E5021: 'y' cannot be class indices or probabilities here: a def's parameter has one type (only a loss's input is told apart at run time): declare 'y' as probabilities and pass onehot(t) for class indices"],
  ])('%s', (source, message) => {
    const found = errors(source);
    if (message === undefined) expect(found).toEqual([]);
    else expect(found).toContain(message);
  });

  it('the union reads in the generated TypeScript documentation of the input', async () => {
    const r = await compile(SOURCE, 'union.loss');
    expect(r.code).toContain('@param y - shape [B, C, P], float32, values in [0, 1]; or class indices: shape [B, P], int32 in [0, C), made one-hot along C');
  });
});

describe('a union input through lossc eval (a process; npm run build first)', () => {
  it('indices, indices with a size-1 class axis and one-hot rows print one value, the oracle\'s; a wrong size is E7008 naming both forms', async () => {
    const dir = resolve('test/.tmp/union-types-cli');
    mkdirSync(dir, { recursive: true });
    writeFileSync(resolve(dir, 'dice.loss'), SOURCE);
    const c = CASES[0]!;
    const forms: Record<string, unknown> = { indices: c.t, column: c.t.map((row) => [row]), onehot: c.onehot, bad: c.t.map((row) => [row, row]) };
    const runs = await Promise.all(
      Object.entries(forms).map(([name, y]) => {
        writeFileSync(resolve(dir, `${name}.json`), JSON.stringify({ x: c.x, y }));
        return lossc(['eval', resolve(dir, 'dice.loss'), '--loss', 'dice', '--inputs', resolve(dir, `${name}.json`)]);
      }),
    );
    const [indices, column, onehot, bad] = runs;
    for (const r of [indices!, column!, onehot!]) {
      expect(r.status, r.stderr).toBe(0);
      expect(Math.abs(Number(/^dice = (\S+)$/m.exec(r.stdout)![1]) - monaiSoftmaxDice(c.x, c.t))).toBeLessThan(2e-6);
    }
    expect(column!.stdout).toBe(indices!.stdout);
    expect(bad!.status).toBe(1);
    // [B, 2, P] is of the probabilities' rank, its class axis the wrong size.
    expect(bad!.stderr).toContain("lossc: error E7008: evaluation failed: dice: dimension C of input 'y' is 2, but it is 3 in 'x' (y given as float32: class indices (int32 of shape [B, P], in [0, C)) or probabilities (float32 of shape [B, C, P]))");
  });
});

// ---- the generated PyTorch module on real torch --------------------------------------------

const PY_DRIVER = String.raw`
out = []
for c in json.load(sys.stdin):
    res = {}
    for form in ("indices", "onehot", "soft", "list", "column"):
        x = torch.tensor(c["x"], dtype=torch.float64, requires_grad=True)
        if form == "indices":
            y = torch.tensor(c["t"], dtype=torch.int64)
        elif form == "column":
            y = torch.tensor(c["t"], dtype=torch.int64).unsqueeze(1)
        elif form == "list":
            y = c["t"]
        else:
            y = torch.tensor(c[form], dtype=torch.float64)
        v = mod.dice(x, y)
        v.backward()
        res[form] = {"value": v.item(), "grad": x.grad.reshape(-1).tolist()}
    try:
        mod.dice(torch.tensor(c["x"], dtype=torch.float64), torch.tensor(c["t"], dtype=torch.bool))
        res["bool"] = "no error"
    except TypeError as e:
        res["bool"] = str(e)
    out.append(res)
print(json.dumps(out))
`;

describe('a union input in the PyTorch module', () => {
  const missing = torchMissing();
  it.skipIf(missing !== undefined)('indices (int64 or a list) and probabilities give the oracle\'s value and gradient in float64', async () => {
    const answers = await runTorchDriver<Record<string, { value: number; grad: number[] } | string>[]>('union-types-py', 'union.loss', SOURCE, PY_DRIVER, CASES);
    CASES.forEach((c, k) => {
      const a = answers[k]!;
      for (const form of ['indices', 'onehot', 'list', 'soft', 'column'] as const) {
        const got = a[form] as { value: number; grad: number[] };
        const target = form === 'soft' ? c.soft : c.t;
        expect(Math.abs(got.value - monaiSoftmaxDice(c.x, target)), form).toBeLessThan(1e-12);
        expect(maxAbs(got.grad, oracleGrad(c, target)), form).toBeLessThan(1e-7);
      }
      expect(a.bool).toBe(`dice: input 'y' must be class indices (int32 of shape [B, P], in [0, C)) or probabilities (float32 of shape [B, C, P]), but has dtype bool`);
    });
  });
});
