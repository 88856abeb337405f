// A loss and its derivative swept along one input: every element of the swept input set to v,
// or one element (the true class's logit, say) with the others kept, for v across a range.
// The derivative is d/dv of the plotted curve: the sum of the gradient's entries (the
// directional derivative along all ones), or the one element's entry.
import { failOn, filled, type Evaluator, type JobControl, type SeriesSpec } from './types.js';

export interface SweepParams {
  readonly series: readonly SeriesSpec[];
  readonly input: string;
  readonly lo: number;
  readonly hi: number;
  readonly points: number;
  /** A flat index: only that element is swept. Absent: every element. */
  readonly element?: number;
}

export interface SweepCurve {
  readonly label: string;
  readonly x: number[];
  /** NaN marks a point that did not evaluate to a finite number (drawn as a gap). */
  readonly loss: number[];
  readonly grad: number[];
}

export async function sweep(p: SweepParams, evaluate: Evaluator, ctl: JobControl): Promise<SweepCurve[]> {
  const xs = Array.from({ length: p.points }, (_, i) => p.lo + ((p.hi - p.lo) * i) / Math.max(1, p.points - 1));
  const curves: SweepCurve[] = [];
  for (const s of p.series) {
    const base = s.inputs[p.input];
    if (!base) throw new Error(`${s.label}: no input named '${p.input}' to sweep`);
    if (p.element !== undefined && !(Number.isInteger(p.element) && p.element >= 0 && p.element < base.data.length)) {
      throw new Error(`E7003: input '${p.input}' of loss '${s.ref.loss}': no element ${p.element} to sweep; it has ${base.data.length} (flat indices 0 to ${base.data.length - 1})`);
    }
    const curve: SweepCurve = { label: s.label, x: [], loss: [], grad: [] };
    curves.push(curve);
    for (const x of xs) {
      if (ctl.cancelled()) return curves;
      const swept = p.element === undefined ? filled(base.shape, x) : { shape: base.shape, data: base.data.map((v, i) => (i === p.element ? x : v)) };
      const reply = await evaluate({ ref: s.ref, inputs: { ...s.inputs, [p.input]: swept }, hypers: s.hypers, grad: true });
      failOn(reply, s.label);
      curve.x.push(x);
      curve.loss.push(Number.isFinite(reply.value) ? reply.value! : NaN);
      const grads = reply.grads?.[p.input] ?? [];
      const g = p.element === undefined ? grads.reduce((a, b) => a + b, 0) : (grads[p.element] ?? NaN);
      curve.grad.push(Number.isFinite(g) ? g : NaN);
    }
    ctl.progress(curves);
    await ctl.yieldNow();
  }
  return curves;
}
