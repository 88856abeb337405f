// checkFinite with a masked outer reduction (`mean(l, where: m)`): the derived backward pass
// checks the loss's own reduction at its output, and autodiff now does too, so both say the
// same, in the generated module, the evaluator and the PyTorch module. Checking the per-sample
// losses there instead gave another head (`at [2]`) and, for an empty mask whose `empty:` value
// is infinite, blamed a sum past float32's largest value that no step computed.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';
import { compiledModule } from './helpers/compiled.js';
import { runTorchDriver, torchMissing } from './helpers/torch.js';

const SOURCE = `loss m(x: [N], keep: bool[N]) = mean(log(x), where: keep)
loss e(x: [N], keep: bool[N]) = mean(log(x), where: keep, empty: inf)
`;
// NaN at the kept sample 2 (log(-1)); sample 1 is masked out.
const X = [1, 2, -1];
const KEEP = [true, false, true];
const NAN = "m: the loss is NaN (checkFinite): it first appears as NaN in log (masked.loss:1:38) at [N=2] from finite operands, where x[2] = -1";
// `reduction: 'sum'` is not the loss's own: the per-sample losses are checked, the position theirs.
const NAN_SUM = "m: the loss is NaN at [2] (checkFinite): it first appears as NaN in log (masked.loss:1:38) at [N=2] from finite operands, where x[2] = -1";
// Nothing selected: the mean is its `empty:` value, Infinity, made by the mean itself.
const POSITIVE = [1, 2, 1];
const NONE = [false, false, false];
const EMPTY = "e: the loss is Infinity (checkFinite): it first appears as Infinity in mean (masked.loss:2:33) at [] from finite operands, where x[:] = 1, 2, 1; keep[:] = 0, 0, 0";
/** The masked mean of log x in float64. */
const oracle = (x: number[], keep: boolean[]): number => {
  const kept = x.filter((_, i) => keep[i]);
  return kept.reduce((s, v) => s + Math.log(v), 0) / kept.length;
};

describe('checkFinite with a masked outer reduction: derived and autodiff agree', () => {
  it.each([false, true])('in the generated module (autodiff %s)', async (autodiff) => {
    const mod = await compiledModule(SOURCE, 'masked.loss', `finite-masked-${autodiff}`, { autodiff });
    expect(() => mod.m!(X, KEEP, { checkFinite: true })).toThrow(NAN);
    expect(() => mod.m!(X, KEEP, { checkFinite: true, reduction: 'sum' })).toThrow(NAN_SUM);
    expect(() => mod.e!(POSITIVE, NONE, { checkFinite: true })).toThrow(EMPTY);
    // A non-finite value at a masked-out sample is no alarm: the loss is the oracle's.
    expect(mod.m!([1, 0, 2], KEEP, { checkFinite: true }).dataSync()[0]).toBeCloseTo(oracle([1, 0, 2], KEEP), 6);
  });

  it('in the evaluator', async () => {
    for (const autodiff of [false, true]) {
      for (const [loss, x, keep, reduction, message] of [['m', X, KEEP, undefined, NAN], ['m', X, KEEP, 'sum', NAN_SUM], ['e', POSITIVE, NONE, undefined, EMPTY]] as const) {
        const r = await evaluate(SOURCE, 'masked.loss', { loss, inputs: { x, keep }, backend: 'cpu', checkFinite: true, autodiff, grad: true, ...(reduction ? { reduction } : {}) });
        expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([`evaluation failed: ${message}`]);
      }
      const ok = await evaluate(SOURCE, 'masked.loss', { loss: 'm', inputs: { x: [1, 0, 2], keep: KEEP }, backend: 'cpu', checkFinite: true, autodiff });
      expect(ok.loss as number).toBeCloseTo(oracle([1, 0, 2], KEEP), 6);
    }
  });

  it.skipIf(torchMissing())('in the PyTorch module (autodiff and derived)', async () => {
    const driver = [
      'given = json.load(sys.stdin)',
      'x = torch.tensor(given["x"], dtype=torch.float32)',
      'positive = torch.tensor(given["positive"], dtype=torch.float32)',
      'keep = torch.tensor([True, False, True])',
      'none = torch.tensor([False, False, False])',
      'out = []',
      'for f in (lambda: mod.m(x, keep, checkFinite=True), lambda: mod.m(x, keep, checkFinite=True, reduction="sum"), lambda: mod.e(positive, none, checkFinite=True)):',
      '    try:',
      '        f()',
      '        out.append("no error")',
      '    except ValueError as e:',
      '        out.append(str(e))',
      'print(json.dumps(out))',
    ].join('\n');
    for (const autodiff of [false, true]) {
      expect(await runTorchDriver<string[]>(`finite-masked-${autodiff}`, 'masked.loss', SOURCE, driver, { x: X, positive: POSITIVE }, { autodiff })).toEqual([NAN, NAN_SUM, EMPTY]);
    }
  });
});

// A non-finite value the mask discards came first in the diagnosis's order of steps, and was
// named as where the loss's NaN "first appears": log(0) at the masked-out x[0], where the NaN
// is sqrt(y - 1) of the kept sample 1, which reads y alone (y[1] = 0.5). The forward pass the
// diagnosis reads now gives the discarded log a safe operand, as autodiff's does.
const CAUSE = `loss c(x: [N], y: [N]) = mean(log(x) + sqrt(y - 1), where: x > 0)
loss s(x: [N], y: [N]) = sum(if x > 0 then log(x) + sqrt(y - 1) else 0)
`;
const SQRT_C = "c: the loss is NaN (checkFinite): it first appears as NaN in sqrt (cause.loss:1:40) at [N=1] from finite operands, where y[1] = 0.5";
const SQRT_S = "s: the loss is NaN at [1] (checkFinite): it first appears as NaN in sqrt (cause.loss:2:53) at [N=1] from finite operands, where y[1] = 0.5";

describe("checkFinite's diagnosis names the step that made the NaN, not one the mask discards", () => {
  it.each([false, true])('in the generated module (autodiff %s)', async (autodiff) => {
    const mod = await compiledModule(CAUSE, 'cause.loss', `finite-cause-${autodiff}`, { autodiff });
    // With x[0] = 0 (log(0) = -Infinity, discarded) and with x[0] = -1 (NaN, discarded) as with x[0] = 3.
    for (const x0 of [0, -1, 3]) {
      expect(() => mod.c!([x0, 2], [5, 0.5], { checkFinite: true })).toThrow(SQRT_C);
      expect(() => mod.s!([x0, 2], [5, 0.5], { checkFinite: true })).toThrow(SQRT_S);
    }
    // Only the kept samples: the value is Σ (log x + √(y - 1)) / 1 at x = 2, y = 5.
    expect(mod.c!([0, 2], [0.5, 5], { checkFinite: true }).dataSync()[0]).toBeCloseTo(Math.log(2) + 2, 5);
  });

  it('in the evaluator', async () => {
    for (const autodiff of [false, true]) {
      for (const [loss, message] of [['c', SQRT_C], ['s', SQRT_S]] as const) {
        const r = await evaluate(CAUSE, 'cause.loss', { loss, inputs: { x: [0, 2], y: [5, 0.5] }, backend: 'cpu', checkFinite: true, autodiff, grad: autodiff });
        expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([`evaluation failed: ${message}`]);
      }
    }
  });
});
