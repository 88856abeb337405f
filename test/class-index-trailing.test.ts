// Class indices with a trailing axis of size 1 (issue 17, item 2): Keras passes sparse labels
// as (N, 1). `t: index[N] of C` takes [N] or [N, 1]; the axis is dropped at the boundary, in
// one place of the lowering (src/lower/union.ts) read by the module, the evaluator and the
// PyTorch module, and by the float64 reference. [N, 2] and '...' indices are refused.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { evaluateTfjs, valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { differentiate } from '../src/grad/index.js';
import type { IrFunction } from '../src/ir/types.js';
import { evaluateReference, gradientsReference } from '../src/reference/evaluate.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { expectThrowsClean } from './helpers/throws.js';
import { runTorchDriver, torchMissing } from './helpers/torch.js';

const SOURCE = `
/// Keras's sparse_categorical_crossentropy from logits.
loss scce(x: [N, C], t: index[N] of C) = mean(-log_softmax(x, C)[t])
loss per_step(x: [N, T, C], t: index[N, T] of C) = mean(-log_softmax(x, C)[t])
loss rest(x: [..., C], t: index[...] of C) = mean(-log_softmax(x, C)[t])
`;

const X = [[0.3, -0.2, 1.1, 0.5], [2, 0.5, -1, 0], [0, 0, 0.4, -2]];
const T = [2, 0, 3];

/** Keras's sparse categorical cross-entropy in float64, from its definition. */
function oracle(x: number[][], t: number[]): { value: number; grad: number[][] } {
  const n = x.length;
  let total = 0;
  const grad = x.map((row, i) => {
    const m = Math.max(...row);
    const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
    total += -(row[t[i]!]! - m - Math.log(z));
    return row.map((v, c) => (Math.exp(v - m) / z - (c === t[i] ? 1 : 0)) / n);
  });
  return { value: total / n, grad };
}

let mod: LossModule;
let losses: IrFunction[];
beforeAll(async () => {
  await initBackend('cpu');
  mod = await compiledModule(SOURCE, 'trailing.loss', 'class-index-trailing');
  losses = check(SOURCE, 'trailing.loss').losses;
});
const fnOf = (name: string): IrFunction => losses.find((f) => f.name === name)!;
const ref = (data: readonly number[], shape: number[]) => ({ shape, data: Float64Array.from(data) });

describe('class indices with a trailing size-1 axis', () => {
  it('generated module: [N, 1] gives the value and gradient of [N], the oracle\'s', () => {
    const { value, grad } = oracle(X, T);
    const x = tf.tensor2d(X);
    for (const t of [tf.tensor1d(T, 'int32'), tf.tensor2d(T.map((v) => [v]), undefined, 'int32')]) {
      const r = tf.valueAndGrad((a: tf.Tensor) => mod.scce!(a, t))(x);
      expect(Math.abs(r.value.dataSync()[0]! - value), `t of shape [${t.shape}]`).toBeLessThan(2e-6);
      const g = r.grad.arraySync() as number[][];
      g.forEach((row, i) => row.forEach((v, c) => expect(Math.abs(v - grad[i]![c]!)).toBeLessThan(2e-7)));
      tf.dispose([t, r.value, r.grad]);
    }
    // TensorLike, as Keras users hold them: [[2], [0], [3]].
    expect(Math.abs(mod.scce!(X, T.map((v) => [v])).dataSync()[0]! - value)).toBeLessThan(2e-6);
    tf.dispose(x);
  });

  it('several dims: index[N, T] of C takes [N, T, 1]', () => {
    const x = [X, X.map((r) => r.map((v) => -v))];
    const t = [T, [1, 1, 0]];
    const want = mod.per_step!(tf.tensor3d(x), tf.tensor2d(t, undefined, 'int32')).dataSync()[0]!;
    const o = (oracle(x[0]!, t[0]!).value + oracle(x[1]!, t[1]!).value) / 2;
    expect(Math.abs(want - o)).toBeLessThan(2e-6);
    expect(mod.per_step!(tf.tensor3d(x), tf.tensor3d(t.map((r) => r.map((v) => [v])), undefined, 'int32')).dataSync()[0]).toBe(want);
  });

  it('evaluator and float64 reference: [N, 1] as [N]', () => {
    const { value, grad } = oracle(X, T);
    const x = tf.tensor2d(X);
    // [N, 1] int32, as the generated function takes them (a float32 tf.Tensor is refused by both).
    const t = tf.tensor2d(T.map((v) => [v]), undefined, 'int32');
    const live = valueAndGradsTfjs(fnOf('scce'), { x, t }, {}, ['x']);
    expect(Math.abs(live.value.dataSync()[0]! - value)).toBeLessThan(2e-6);
    expect(evaluateTfjs(fnOf('scce'), { x, t }, {}).dataSync()[0]).toBe(mod.scce!(x, tf.tensor1d(T, 'int32')).dataSync()[0]);
    const fn = differentiate(fnOf('scce')).fn!;
    const inputs = { x: ref(X.flat(), [3, 4]), t: ref(T, [3, 1]) };
    expect(Math.abs(evaluateReference(fn, inputs, {}).data[0]! - value)).toBeLessThan(1e-14);
    const g = gradientsReference(fn, inputs, {}).grads.x!.data;
    grad.flat().forEach((v, k) => expect(Math.abs(g[k]! - v)).toBeLessThan(1e-15));
    tf.dispose([x, t, live.value, ...Object.values(live.grads)]);
  });

  it('refuses [N, 2], [N, 1] out of range, and a trailing axis after ...', () => {
    const x = tf.tensor2d(X);
    const int = (v: number[][] | number[][][]): tf.Tensor => tf.tensor(v, undefined, 'int32');
    const cases: ['scce' | 'rest', tf.Tensor, string | RegExp][] = [
      ['scce', int([[2, 0], [0, 1], [3, 1]]), "scce: input 't' should have 1 dimension [N] (or [N, 1]: a trailing axis of size 1), but has shape [3, 2]"],
      ['scce', int([[2], [4], [3]]), "scce: input 't' holds 4, which is not a class index of C in [0, 4)"],
      ['scce', int([[[2]], [[0]], [[3]]]), "scce: input 't' should have 1 dimension [N] (or [N, 1]: a trailing axis of size 1), but has shape [3, 1, 1]"],
      // After '...' a trailing 1 would be one of the rest dims: refused as they differ.
      ['rest', int([[2], [0], [3]]), /^rest: the (leading )?'\.\.\.' dimensions of 't' are \[3, 1\] but those of 'x' are \[3\]$/],
    ];
    for (const [loss, t, message] of cases) {
      const pattern = typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) : message;
      expectThrowsClean(() => mod[loss]!(x, t), pattern, String(message));
    }
    tf.dispose([x, ...cases.map(([, t]) => t)]);
  });
});

const PY_DRIVER = String.raw`
c = json.load(sys.stdin)
out = {}
for form in ("flat", "column"):
    x = torch.tensor(c["x"], dtype=torch.float64, requires_grad=True)
    t = torch.tensor(c["t"], dtype=torch.int64)
    if form == "column":
        t = t.reshape(-1, 1)
    v = mod.scce(x, t)
    v.backward()
    out[form] = {"value": v.item(), "grad": x.grad.tolist()}
try:
    mod.scce(torch.tensor(c["x"]), torch.tensor([[2, 0], [0, 1], [3, 1]]))
    out["two"] = "no error"
except ValueError as e:
    out["two"] = str(e)
print(json.dumps(out))
`;

describe('class indices [N, 1] in the PyTorch module', () => {
  const missing = torchMissing();
  it.skipIf(missing !== undefined)('int64 [N, 1] gives the oracle\'s value and gradient in float64; [N, 2] is refused', async () => {
    const a = await runTorchDriver<Record<string, { value: number; grad: number[][] } | string>>('class-index-trailing-py', 'trailing.loss', SOURCE, PY_DRIVER, { x: X, t: T });
    const { value, grad } = oracle(X, T);
    for (const form of ['flat', 'column']) {
      const got = a[form] as { value: number; grad: number[][] };
      expect(Math.abs(got.value - value), form).toBeLessThan(1e-14);
      got.grad.forEach((row, i) => row.forEach((v, c) => expect(Math.abs(v - grad[i]![c]!), form).toBeLessThan(1e-15)));
    }
    expect(a.two).toBe("scce: input 't' should have 1 dimension [N] (or [N, 1]: a trailing axis of size 1), but has shape [3, 2]");
  });
});
