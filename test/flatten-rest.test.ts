// flatten over `...` (issue 17, item 4): `flatten(x, ..., S)` merges the rest dims into one named
// dim S, row-major in the order callers give them (what torch's x.view(B, C, -1) does on a
// contiguous [B, C, H, W] tensor), although inside the rest dims come first; `unflatten(x, S, ...)`
// splits such an S back. Against index arithmetic on non-square H, W and on three rest dims,
// through the float64 reference, the evaluator and the generated module.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { evaluateTfjs, valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import { differentiate } from '../src/grad/index.js';
import { evaluateReference, gradientsReference } from '../src/reference/evaluate.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { expectThrowsClean } from './helpers/throws.js';

const SOURCE = `
loss view(x: [B, C, ...]) -> [B, C, S] = flatten(x, ..., S)
loss view_last(x: [B, ..., C]) -> [B, S, C] = flatten(x, ..., S)
loss moved(x: [B, C, ...]) -> [S, B, C] = flatten(x, ..., S)
loss weighted(x: [B, C, ...], w: [B, C, S]) = sum(flatten(x, ..., S) * w)
loss back(x: [B, C, ...], w: [B, C, ...]) = sum(unflatten(flatten(x, ..., S) * S, S, ...) * w)
`;
const SHAPES = [
  [2, 3, 4, 5],
  [2, 3, 2, 3, 4],
];
const iota = (shape: number[]): Float32Array => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, k) => 1 + k / 7);
/** Row-major strides of `shape`. */
const strides = (shape: number[]): number[] => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));

let mod: LossModule;
beforeAll(async () => {
  await initBackend('cpu');
  mod = await compiledModule(SOURCE, 'fr.loss', 'flatten-rest');
});
const fnOf = (name: string) => check(SOURCE, 'fr.loss').losses.find((f) => f.name === name)!;

describe("flatten(x, ..., S): the rest dims merged, row-major in the caller's order", () => {
  it('checks with no diagnostic', () => {
    expect(check(SOURCE, 'fr.loss').diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
  });

  it.each(SHAPES)('[B, C, ...] -> [B, C, S], [B, ..., C] -> [B, S, C] and -> [S, B, C] by index arithmetic on %j', (...shape) => {
    const data = iota(shape);
    const [B, C] = shape as [number, number];
    const rest = shape.slice(2);
    const S = rest.reduce((a, b) => a * b, 1);
    const st = strides(shape);
    // x[b, c, r0, r1, ...] with s = row-major position of (r0, r1, ...) among the rest dims.
    const restIndex = (s: number): number[] => rest.map((_, i) => Math.floor(s / strides(rest)[i]!) % rest[i]!);
    const at = (b: number, c: number, s: number): number => data[b * st[0]! + c * st[1]! + restIndex(s).reduce((acc, r, i) => acc + r * st[i + 2]!, 0)]!;
    const want = {
      view: Array.from({ length: B * C * S }, (_, k) => at(Math.floor(k / (C * S)), Math.floor(k / S) % C, k % S)),
      moved: Array.from({ length: S * B * C }, (_, k) => at(Math.floor(k / C) % B, k % C, Math.floor(k / (B * C)))),
    };
    const x = tf.tensor(data, shape);
    for (const [loss, expected, outShape] of [['view', want.view, [B, C, S]], ['moved', want.moved, [S, B, C]]] as const) {
      const out = mod[loss]!(x);
      expect(out.shape, loss).toEqual(outShape);
      expect(Array.from(out.dataSync()), loss).toEqual(expected);
      expect(Array.from(evaluateTfjs(fnOf(loss), { x }, {}).dataSync()), `${loss} evaluator`).toEqual(expected);
      const r = evaluateReference(fnOf(loss), { x: { shape, data: Float64Array.from(data) } }, {});
      expect(r.shape, `${loss} reference`).toEqual(outShape);
      expect(Array.from(r.data), `${loss} reference`).toEqual(expected);
      tf.dispose(out);
    }
    // Channels last: [B, H, W, C] -> [B, S, C] is the same data (x.view(B, -1, C)).
    const last = tf.tensor(data, [B, ...rest, C]);
    const out = mod.view_last!(last);
    expect(out.shape).toEqual([B, S, C]);
    expect(Array.from(out.dataSync())).toEqual(Array.from(data));
    tf.dispose([x, last, out]);
  });

  it.each(SHAPES)('sum(flatten(x, ..., S) * w) and its gradient w, and unflatten back, on %j', (...shape) => {
    const [B, C] = shape as [number, number];
    const S = shape.slice(2).reduce((a, b) => a * b, 1);
    const xd = iota(shape);
    const wd = Float32Array.from({ length: B * C * S }, (_, k) => ((k * 37) % 11) - 5);
    // The same data read as [B, C, S]: Σ x·w, and d/dx = w element for element.
    const want = xd.reduce((acc, v, k) => acc + v * wd[k]!, 0);
    const x = tf.tensor(xd, shape);
    const w = tf.tensor(wd, [B, C, S]);
    const { value, grads } = valueAndGradsTfjs(fnOf('weighted'), { x, w }, {}, ['x']);
    expect(Math.abs(value.dataSync()[0]! - want) / Math.abs(want)).toBeLessThan(1e-6);
    expect(Array.from(grads.x!.dataSync())).toEqual(Array.from(wd));
    expect(Math.abs(mod.weighted!(x, w).dataSync()[0]! - want) / Math.abs(want)).toBeLessThan(1e-6);
    const refFn = differentiate(fnOf('weighted')).fn!;
    const refIn = { x: { shape, data: Float64Array.from(xd) }, w: { shape: [B, C, S], data: Float64Array.from(wd) } };
    expect(Math.abs(evaluateReference(refFn, refIn, {}).data[0]! - want) / Math.abs(want)).toBeLessThan(1e-12);
    expect(Array.from(gradientsReference(refFn, refIn, {}).grads.x!.data)).toEqual(Array.from(wd));
    // unflatten(flatten(x) * S, S, ...) is S·x in x's own layout.
    const w2 = tf.tensor(wd, shape);
    const back = mod.back!(x, w2).dataSync()[0]!;
    expect(Math.abs(back - S * want) / Math.abs(S * want)).toBeLessThan(1e-6);
    const backRef = evaluateReference(fnOf('back'), { x: refIn.x, w: { shape, data: Float64Array.from(wd) } }, {}).data[0]!;
    expect(Math.abs(backRef - S * want) / Math.abs(S * want)).toBeLessThan(1e-12);
    tf.dispose([x, w, w2, value, grads.x!]);
  });

  it('an input of S must hold the rest dims: checked when the loss runs', () => {
    const x = tf.zeros([2, 3, 4, 5]);
    const w = tf.zeros([2, 3, 21]);
    expectThrowsClean(() => mod.weighted!(x, w), /^weighted: dimension S is \.\.\. = 20, but 'w' gives 21$/, 'S ≠ H·W');
    tf.dispose([x, w]);
  });

  it.each([
    ['loss f(x: [B, C]) = sum(flatten(x, (C, ...), S))', "f.loss:1:40: error E4032: flatten(x, (C, ...), S) merges the '...' axes (alone or beside named axes) only of an operand that has them, and unflatten(x, S, (C, ...)) splits into them only an S merged from them or in a loss whose inputs have '...', never an operand that still has them, and never the '...' group itself (the operand's axes are [B, C])"],
    ['loss f(x: [B, C, S]) = sum(unflatten(x, S, ...))', "f.loss:1:44: error E4032: flatten(x, (C, ...), S) merges the '...' axes (alone or beside named axes) only of an operand that has them, and unflatten(x, S, (C, ...)) splits into them only an S merged from them or in a loss whose inputs have '...', never an operand that still has them, and never the '...' group itself (the operand's axes are [B, C, S])"],
  ])('%s', (source, message) => {
    expect(check(source, 'f.loss').diagnostics.map((d) => formatDiagnostic(d).split('\n')[0]!)).toEqual([message]);
  });
});
