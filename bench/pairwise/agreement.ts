// Whether the implementations timed in one row computed the same loss: a fast wrong answer is
// not a result. Each worker reports the value and each gradient's norm of one call
// (protocol.ts, Check); each is compared with the expert's.
import type { Check } from './protocol.js';

/**
 * float32 over up to N² = 16.7M pair terms, summed in different orders: the value to 1e-3
 * relative, the gradient norms to 1e-2 (a hard-mining max can pick a different near-tie).
 */
export const VALUE_RTOL = 1e-3;
export const GRAD_RTOL = 1e-2;

const close = (a: number, b: number, rtol: number): boolean => Math.abs(a - b) <= rtol * Math.max(Math.abs(a), Math.abs(b), 1e-6);
const fmt = (x: number): string => (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? x.toPrecision(5) : x.toExponential(3));

/** '' when `got` agrees with `want` (and is finite), else what differs. */
export function disagreement(got: Check, want: Check | undefined, wrt: readonly string[]): string {
  const notFinite = [got.value, ...got.gradNorms].some((v) => !Number.isFinite(v));
  if (notFinite) return `not finite: value ${fmt(got.value)}, ‖grad‖ ${got.gradNorms.map(fmt).join(', ')}`;
  if (!want) return '';
  const parts: string[] = [];
  if (!close(got.value, want.value, VALUE_RTOL)) parts.push(`value ${fmt(got.value)} vs ${fmt(want.value)}`);
  got.gradNorms.forEach((g, k) => {
    const w = want.gradNorms[k];
    if (w === undefined || !close(g, w, GRAD_RTOL)) parts.push(`‖∂/∂${wrt[k] ?? k}‖ ${fmt(g)} vs ${w === undefined ? '–' : fmt(w)}`);
  });
  return parts.join('; ');
}
