// A NaN (or a value outside the domain) found in a list input is named by its element, then the
// position inside that element (`preds[1] at [0, 2]`), not by a position of the stacked tensor
// ([1, 0, 2]), in the same words from the generated module, the evaluator and the PyTorch module,
// by the input scan and by checkFinite.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';
import { compiledModule } from './helpers/compiled.js';
import { lossc, run } from './helpers/process.js';
import { PYTHON, torchMissing } from './helpers/torch.js';

const SOURCE = `loss deep(preds: list[K] of [N, C], t: index[N] of C) = mean(-log_softmax(preds, C)[t])
loss probs(p: list[K] of [N] in [0, 1], y: [N]) = mean((p - y)^2)
loss dense(x: [K, N, C], t: index[N] of C) = mean(-log_softmax(x, C)[t])
`;
const PREDS = [[[0.5, -1, 2], [0.1, 0.2, 0.3]], [[1.5, 0, -0.5], [-2, 1, NaN]]];
const T = [0, 2];
const P = [[0.5, 0.25], [1, 2]];
const Y = [0, 1];
const NAN = "deep: input 'preds' holds NaN in preds[1] at [1, 2], but must hold numbers (float32 values that are not NaN)";
const PREDS_INF = PREDS.map((e, k) => e.map((row, n) => row.map((v, c) => (k === 1 && n === 1 && c === 2 ? Infinity : v))));
const INF = "deep: the loss is NaN at [1, 1] (checkFinite): input 'preds' holds Infinity in preds[1] at [1, 2]";
// The loss's position is that of the per-sample losses [K, N], as for the same values stacked
// in one input (a mean's message names the per-sample loss that is not finite, list or not).
const DENSE = "dense: the loss is NaN at [1, 1] (checkFinite): input 'x' holds Infinity at [1, 1, 2]";
const OUTSIDE = "probs: input 'p' holds 2 in p[1] at [1] (flat position 3), outside its declared domain [0, 1] (probabilities or soft labels: logits need sigmoid(x) or softmax(x) first, or the loss's logits form)";

describe('a value found in a list input is named by its element, then its position there', () => {
  it('in the generated module', async () => {
    const mod = await compiledModule(SOURCE, 'deep.loss', 'list-value-position');
    expect(() => mod.deep!(PREDS, T)).toThrow(NAN);
    expect(() => mod.probs!(P, Y)).toThrow(OUTSIDE);
    expect(() => mod.deep!(PREDS_INF, T, { checkFinite: true })).toThrow(INF);
    expect(() => mod.dense!(PREDS_INF, T, { checkFinite: true })).toThrow(DENSE);
    const before = tf.memory().numTensors;
    const given = [...PREDS.map((e) => tf.tensor2d(e)), tf.tensor1d(T, 'int32')];
    expect(() => mod.deep!(given.slice(0, 2), given[2])).toThrow(NAN);
    // The elements were the caller's: nothing of the refused call stays behind.
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose(given);
  });

  it('in the evaluator (evaluate, lossc eval)', async () => {
    // JSON has no NaN: the evaluator takes the number itself from a JavaScript caller.
    const r = await evaluate(SOURCE, 'deep.loss', { loss: 'deep', inputs: { preds: PREDS, t: T }, backend: 'cpu' });
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([`evaluation failed: ${NAN}`]);
    const o = await evaluate(SOURCE, 'deep.loss', { loss: 'probs', inputs: { p: P, y: Y }, backend: 'cpu' });
    expect(o.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([`evaluation failed: ${OUTSIDE}`]);
    const f = await evaluate(SOURCE, 'deep.loss', { loss: 'deep', inputs: { preds: PREDS_INF, t: T }, backend: 'cpu', checkFinite: true });
    expect(f.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([`evaluation failed: ${INF}`]);
    const g = await evaluate(SOURCE, 'deep.loss', { loss: 'dense', inputs: { x: PREDS_INF, t: T }, backend: 'cpu', checkFinite: true });
    expect(g.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([`evaluation failed: ${DENSE}`]);
  });

  it.skipIf(torchMissing() !== undefined)('in the PyTorch module', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-list-position-'));
    writeFileSync(join(dir, 'deep.loss'), SOURCE);
    const compiled = await lossc(['compile', join(dir, 'deep.loss'), '--target', 'pytorch', '--out', dir]);
    expect(compiled.status, compiled.stderr).toBe(0);
    const script = `
import json, sys, torch
sys.path.insert(0, ${JSON.stringify(dir)})
import deep
out = []
for f in (lambda: deep.deep([torch.tensor([[0.5, -1, 2], [0.1, 0.2, 0.3]]), torch.tensor([[1.5, 0, -0.5], [-2, 1, float("nan")]])], torch.tensor([0, 2])),
          lambda: deep.probs([torch.tensor([0.5, 0.25]), torch.tensor([1.0, 2.0])], torch.tensor([0.0, 1.0])),
          lambda: deep.deep([torch.tensor([[0.5, -1, 2], [0.1, 0.2, 0.3]]), torch.tensor([[1.5, 0, -0.5], [-2, 1, float("inf")]])], torch.tensor([0, 2]), checkFinite=True)):
    try:
        f()
        out.append("no error")
    except ValueError as e:
        out.append(str(e))
print(json.dumps(out))
`;
    const r = await run(PYTHON, ['-c', script]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([NAN, OUTSIDE, INF]);
  });
});
