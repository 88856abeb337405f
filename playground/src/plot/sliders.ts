// Hyperparameters as sliders beside a plot: each move redraws (debounced), so the effect of a
// γ or a δ on the curve is seen while dragging. The range is the hyperparameter's declared
// domain where it is finite, else a span around its default; an open end is kept off.
import type { HyperSummary } from '../protocol.js';

export interface SliderRange {
  readonly min: number;
  readonly max: number;
  readonly step: number;
}

/** Steps along a slider. */
const STEPS = 200;

export function sliderRange(hp: HyperSummary): SliderRange {
  const d = hp.domain?.kind === 'interval' ? hp.domain : undefined;
  const def = hp.default ?? 1;
  let lo = d?.lo !== undefined && Number.isFinite(d.lo) ? d.lo : def >= 0 ? 0 : 4 * def;
  let hi = d?.hi !== undefined && Number.isFinite(d.hi) ? d.hi : Math.max(lo + 1, 5, 4 * Math.abs(def));
  if (hp.elem === 'int') return { min: Math.ceil(lo + (d?.loClosed === false ? 0.5 : 0)), max: Math.floor(hi - (d?.hiClosed === false ? 0.5 : 0)), step: 1 };
  const step = (hi - lo) / STEPS;
  // An open end is not in the domain: the slider stops one step inside it.
  if (d?.loClosed === false && d.lo !== undefined && Number.isFinite(d.lo)) lo += step;
  if (d?.hiClosed === false && d.hi !== undefined && Number.isFinite(d.hi)) hi -= step;
  return { min: lo, max: hi, step };
}

/** The hyperparameters a slider can move: real and int scalars (a bool is a checkbox's job, strings a field's). */
export function slidable(hypers: readonly HyperSummary[]): HyperSummary[] {
  return hypers.filter((hp) => (hp.elem === 'real' || hp.elem === 'int') && !hp.values);
}
