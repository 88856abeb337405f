// The choice pass: between equivalent stable forms (src/opt/choices.ts) it keeps the one the
// cost table says is cheaper, counting what the graph computes anyway as free. Both forms of
// every row must be equal in float64; which one is kept is checked against synthetic cost
// tables (the decision) and against the measured table (op-costs.ts, whatever it says).
import { describe, expect, it } from 'vitest';
import { evaluateReference, gradientsReference, type RefTensor } from '../src/reference/evaluate.js';
import { differentiate } from '../src/grad/index.js';
import type { IrFunction } from '../src/ir/types.js';
import { CHOICES } from '../src/opt/choices.js';
import { chooseForms } from '../src/opt/choose.js';
import { OP_COSTS } from '../src/opt/op-costs.js';
import { frontEnd } from '../src/pipeline.js';
import { mulberry32 } from './oracle/tensor.js';

function lossOf(src: string, optimize = true): IrFunction {
  const r = frontEnd(src, 'choice.loss', { optimize, stability: false });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.losses[0]!;
}

const ops = (fn: IrFunction): string[] => fn.nodes.map((n) => n.op);

function randomInputs(fn: IrFunction, seed: number): Record<string, RefTensor> {
  const rng = mulberry32(seed);
  const size: Record<string, number> = { N: 3, C: 4 };
  return Object.fromEntries(
    fn.inputs.map((i) => {
      const shape = i.axes.map((a) => size[a.dim] ?? 2);
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Float64Array.from({ length: n }, () => (i.elem === 'index' ? Math.floor(rng.next() * size[i.indexOf!]!) : 8 * rng.next() - 4));
      return [i.name, { shape, data }];
    }),
  );
}

const cheapExp = { exp: 1, softmax: 50, log_softmax: 5, sigmoid: 50, log_sigmoid: 5, add: 1 };
const cheapFused = { exp: 10, softmax: 1, log_softmax: 5, sigmoid: 1, log_sigmoid: 5, add: 1 };

describe('the choice table', () => {
  it.each([
    ['softmax-from-log-softmax', 'loss f(x: [N, C]) = sum(softmax(x, C) * x)', 'loss f(x: [N, C]) = sum(exp(log_softmax(x, C)) * x)'],
    ['sigmoid-from-log-sigmoid', 'loss f(x: [N, C]) = sum(sigmoid(x) * x)', 'loss f(x: [N, C]) = sum(exp(log_sigmoid(x)) * x)'],
    ['relu-for-max-zero', 'loss f(x: [N, C]) = sum(max(x, 0) * x)', 'loss f(x: [N, C]) = sum(relu(x) * x)'],
    ['relu-for-min-zero', 'loss f(x: [N, C]) = sum(min(0, x) * x)', 'loss f(x: [N, C]) = sum(-relu(-x) * x)'],
  ])('%s: both forms give the same value in float64', (name, one, other) => {
    // Every row of the table has a case here.
    if (name === 'softmax-from-log-softmax') expect(CHOICES.map((c) => c.name).sort()).toEqual(['relu-for-max-zero', 'relu-for-min-zero', 'sigmoid-from-log-sigmoid', 'softmax-from-log-softmax']);
    expect(CHOICES.map((c) => c.name)).toContain(name);
    const [a, b] = [one, other].map((s) => lossOf(s, false));
    for (let seed = 1; seed <= 5; seed++) {
      const x = randomInputs(a!, seed);
      const va = evaluateReference(a!, x, {}).data[0]!;
      const vb = evaluateReference(b!, x, {}).data[0]!;
      expect(Math.abs(va - vb)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(va)));
    }
  });
});

describe('the choice pass', () => {
  // Cross-entropy keeps log_softmax(x) for its value; its gradient needs softmax(x).
  const ce = 'loss ce(x: [N, C], t: index[N] of C) = mean(-log_softmax(x, C)[t])';

  it('exponentiates the kept log_softmax when exp is cheaper than softmax, recomputes softmax otherwise', () => {
    const fn = differentiate(lossOf(ce), { optimize: false }).fn!;
    const expChosen = chooseForms(fn, cheapExp);
    const fusedChosen = chooseForms(fn, cheapFused);
    // The unoptimized backward of log_softmax uses softmax(x) (the table's row).
    expect(ops(fn)).toContain('softmax');
    expect(ops(expChosen)).not.toContain('softmax');
    expect(ops(expChosen)).toContain('exp');
    expect(ops(fusedChosen)).toContain('softmax');
  });

  it('turns a written exp(log_softmax(x)) into softmax(x) when log_softmax is not needed otherwise', () => {
    const fn = lossOf('loss f(x: [N, C]) = sum(exp(log_softmax(x, C)) * x)', false);
    const chosen = chooseForms(fn, cheapFused);
    expect(ops(chosen)).toContain('softmax');
    expect(ops(chosen)).not.toContain('log_softmax');
    // Under costs where exp is cheap but log_softmax must be computed for it, softmax still wins.
    expect(ops(chooseForms(fn, { ...cheapExp, softmax: 5.5 }))).toContain('softmax');
  });

  it('leaves the values and the derived gradients unchanged', () => {
    const base = differentiate(lossOf(ce), { optimize: false }).fn!;
    for (const costs of [cheapExp, cheapFused]) {
      const chosen = chooseForms(base, costs);
      for (let seed = 1; seed <= 4; seed++) {
        const x = randomInputs(base, seed);
        const g0 = gradientsReference(base, x, {});
        const g1 = gradientsReference(chosen, x, {});
        expect(Math.abs(g0.value.data[0]! - g1.value.data[0]!)).toBeLessThan(1e-12);
        g0.grads.x!.data.forEach((v, i) => expect(Math.abs(v - g1.grads.x!.data[i]!)).toBeLessThan(1e-12));
      }
    }
  });

  it('ends when two computed nodes are each other\'s cheaper form, and keeps the values', () => {
    // Entropy of a softmax: the forward pass keeps log_softmax(x) and softmax(x) both, and the
    // backward one e^log_softmax(x) too; each was chosen for the other and the rebuild went
    // round until V8 gave up ("invalid size") on cpu.
    const base = differentiate(lossOf('loss ent(x: [N, C]) = -mean(sum(p * log(p), C))\n  where p = softmax(x, C)'), { optimize: false }).fn!;
    for (const costs of [cheapExp, cheapFused]) {
      const chosen = chooseForms(base, costs);
      const x = randomInputs(base, 7);
      const g0 = gradientsReference(base, x, {});
      const g1 = gradientsReference(chosen, x, {});
      expect(Math.abs(g0.value.data[0]! - g1.value.data[0]!)).toBeLessThan(1e-12);
      g0.grads.x!.data.forEach((v, i) => expect(Math.abs(v - g1.grads.x!.data[i]!)).toBeLessThan(1e-12));
    }
    expect(differentiate(lossOf('loss ent(x: [N, C]) = -mean(sum(p * log(p), C))\n  where p = softmax(x, C)'), { target: 'cpu' }).fn).toBeDefined();
  });

  it('replaces max(0, x) by relu and min(x, 0) by -relu(-x) only where the costs say so', () => {
    const hinge = lossOf('loss h(x: [N, C]) = mean(max(0, 1 - x) + min(x, 0))', false);
    const slowMax = chooseForms(hinge, { maximum: 20, minimum: 20, relu: 1, neg: 1, add: 1 });
    expect(ops(slowMax)).not.toContain('maximum');
    expect(ops(slowMax)).not.toContain('minimum');
    const slowNeg = chooseForms(hinge, { maximum: 20, minimum: 20, relu: 1, neg: 15, add: 1 });
    expect(ops(slowNeg)).not.toContain('maximum');
    expect(ops(slowNeg)).toContain('minimum');
    for (let seed = 1; seed <= 3; seed++) {
      const x = randomInputs(hinge, seed);
      expect(evaluateReference(slowMax, x, {}).data[0]).toBeCloseTo(evaluateReference(hinge, x, {}).data[0]!, 12);
    }
  });

  it('costs relu on wasm as the helper it lowers to (relu(x) · step(x): no select), and still prefers it to max(x, 0)', () => {
    const c = OP_COSTS.ms.wasm;
    // Three kernels, a multiply among them: more than a multiply, less than the select on isNaN it was.
    expect(c.relu!, `relu ${c.relu} ms, mul ${c.mul} ms, select ${c.select} ms`).toBeGreaterThan(c.mul!);
    expect(c.relu!, `relu ${c.relu} ms, mul ${c.mul} ms, select ${c.select} ms`).toBeLessThan(0.8 * c.select!);
    const hinge = chooseForms(lossOf('loss h(x: [N, C]) = mean(max(0, 1 - x) + min(x, 0))', false), 'wasm');
    expect(ops(hinge)).not.toContain('maximum');
    expect(ops(hinge)).not.toContain('minimum');
  });

  it('follows the measured cost table of each backend', () => {
    for (const target of ['wasm', 'cpu'] as const) {
      const fn = differentiate(lossOf(ce), { target }).fn!;
      const c = OP_COSTS.ms[target];
      const expCheaper = (c.exp ?? c.add!) < (c.softmax ?? c.add!);
      expect(ops(fn).includes('softmax'), `${target}: exp ${c.exp} ms, softmax ${c.softmax} ms`).toBe(!expCheaper);
    }
  });
});
