// A loss and its derivative swept along one input: every element of the swept input set to v,
// for v across a range. The derivative is d/dv of the plotted curve, i.e. the sum of the
// gradient's entries (the directional derivative along all ones).
import { failOn, filled, type Evaluator, type JobControl, type SeriesSpec } from './types.js';

export interface SweepParams {
  readonly series: readonly SeriesSpec[];
  readonly input: string;
  readonly lo: number;
  readonly hi: number;
  readonly points: number;
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
    const curve: SweepCurve = { label: s.label, x: [], loss: [], grad: [] };
    curves.push(curve);
    for (const x of xs) {
      if (ctl.cancelled()) return curves;
      const reply = await evaluate({ ref: s.ref, inputs: { ...s.inputs, [p.input]: filled(base.shape, x) }, hypers: s.hypers, grad: true });
      failOn(reply, s.label);
      curve.x.push(x);
      curve.loss.push(Number.isFinite(reply.value) ? reply.value! : NaN);
      const g = (reply.grads?.[p.input] ?? []).reduce((a, b) => a + b, 0);
      curve.grad.push(Number.isFinite(g) ? g : NaN);
    }
    ctl.progress(curves);
    await ctl.yieldNow();
  }
  return curves;
}
