// `index[N] of 10`: class indices over a number of classes written as a number, as a shape
// writes `[N, 10]`. With an input of a size-10 axis the number names that axis; without one
// it is the size itself. Values against sums written out here; refusals with their messages.
import { describe, expect, it } from 'vitest';
import { check, evaluate } from '../src/api.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';

const errors = (text: string): string[] => check(text, 'case.loss').diagnostics.map((d) => formatDiagnostic(d));

describe('a number of classes', () => {
  it('names the size-10 axis of the logits: cross-entropy', async () => {
    const x = [[0, 1, 2, 0, 0, 0, 0, 0, 0, 3], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]];
    const r = await evaluate('loss ce(x: [N, 10], t: index[N] of 10) = mean(-log_softmax(x, 10)[t])', 'case.loss', { loss: 'ce', inputs: { x, t: [9, 4] }, backend: 'cpu' });
    expect(r.diagnostics).toEqual([]);
    const lse0 = Math.log(7 + Math.E + Math.E ** 2 + Math.E ** 3);
    expect(r.loss as number).toBeCloseTo(((lse0 - 3) + Math.log(10)) / 2, 5);
  });

  it('is the size itself when no input has such an axis, and indices are checked against it', async () => {
    const text = 'loss picks(t: index[N] of 4) = mean(sum(onehot(t) * 2, 4))';
    const ok = await evaluate(text, 'case.loss', { loss: 'picks', inputs: { t: [0, 3, 3] }, backend: 'cpu' });
    expect(ok.loss).toBe(2);
    const out = await evaluate(text, 'case.loss', { loss: 'picks', inputs: { t: [0, 4] }, backend: 'cpu' });
    expect(out.diagnostics.map((d) => formatDiagnostic(d))).toEqual(["lossc: error E7008: evaluation failed: picks: input 't' holds 4, which is not a class index of 4 in [0, 4)"]);
  });

  it('refuses a fraction, and a number that is not the logits\' axis', () => {
    expect(errors('loss f(x: [N, 3], t: index[N] of 2.5) = mean(x)')).toEqual(["case.loss:1:34: error E1017: '2.5' cannot be a dimension: a shape entry is a name, '...' or a whole number"]);
    expect(errors('loss g(x: [N, C], t: index[N] of 10) = mean(x[t])')).toEqual(['case.loss:1:47: error E4008: cannot gather by a class index of 10: the tensor has no axis 10 (its axes are [N, C])']);
  });
});
