// float64 derivatives by finite differences of the reference evaluator, the oracle for the
// float32 gradients until a derived-gradient evaluator exists. Central differences with
// Richardson extrapolation where both sides lie in the domain, second-order one-sided ones at
// its edges. Where the left and right slopes differ (a kink: |x| at 0, relu, a hinge) every
// slope between them is a valid subgradient, so the estimate is an interval. A side where f
// is not smooth at the step's scale (a jump: a comparison flips) is not used.

export interface Derivative {
  /** The best estimate. */
  readonly value: number;
  /** Every slope in [lo, hi] is consistent with the differences (kinks, rounding). */
  readonly lo: number;
  readonly hi: number;
  /** How much of the interval's width is rounding and truncation rather than a kink. */
  readonly noise: number;
}

const EPS64 = 2 ** -52;

interface Side {
  readonly slope: number;
  /** Disagreement of the first- and second-order slopes, plus rounding. */
  readonly noise: number;
}

/**
 * The one-sided slope from f at x, x ± h/2, x ± h, x ± 2h (`dir` = ±1), if f is smooth there:
 * a smooth f changes 2 to 4 times as much over twice the step, a jump the same amount.
 */
function side(f0: number, fh: number, f1: number, f2: number, h: number, dir: number, roundoff: number): Side | undefined {
  if (![fh, f1, f2].every(Number.isFinite)) return undefined;
  const flat = roundoff * h;
  const grows = (small: number, big: number): boolean => Math.abs(big) <= flat || (Math.abs(big) >= 1.5 * Math.abs(small) && Math.abs(big) <= 5 * Math.abs(small) + flat);
  if (!grows(fh - f0, f1 - f0) || !grows(f1 - f0, f2 - f0)) return undefined;
  const second = (dir * (-3 * f0 + 4 * f1 - f2)) / (2 * h);
  const first = (dir * (f1 - f0)) / h;
  return { slope: second, noise: Math.abs(second - first) / 4 + roundoff };
}

function attempt(f: (x: number) => number, x: number, h: number, inDomain: (x: number) => boolean): Derivative | undefined {
  const canLeft = inDomain(x - 2 * h);
  const canRight = inDomain(x + 2 * h);
  if (!canLeft && !canRight) return undefined;
  const f0 = f(x);
  if (!Number.isFinite(f0)) return undefined;
  const [ph, p1, p2] = canRight ? [f(x + h / 2), f(x + h), f(x + 2 * h)] : [NaN, NaN, NaN];
  const [mh, m1, m2] = canLeft ? [f(x - h / 2), f(x - h), f(x - 2 * h)] : [NaN, NaN, NaN];
  const scale = Math.max(...[f0, p1, p2, m1, m2].filter(Number.isFinite).map(Math.abs));
  const roundoff = (8 * EPS64 * scale) / h;
  const right = canRight ? side(f0, ph, p1, p2, h, 1, roundoff) : undefined;
  const left = canLeft ? side(f0, mh, m1, m2, h, -1, roundoff) : undefined;
  if (!right || !left) {
    const one = right ?? left;
    return one && { value: one.slope, lo: one.slope - one.noise, hi: one.slope + one.noise, noise: one.noise };
  }
  const c1 = (p1 - m1) / (2 * h);
  const c2 = (p2 - m2) / (4 * h);
  const central = (4 * c1 - c2) / 3;
  const noise = Math.max(right.noise, left.noise);
  // A kink: the slopes of the two sides differ by more than their noise.
  const kink = Math.abs(right.slope - left.slope) > 4 * noise;
  const value = kink ? (right.slope + left.slope) / 2 : central;
  return { value, lo: Math.min(value, right.slope, left.slope) - noise, hi: Math.max(value, right.slope, left.slope) + noise, noise };
}

/**
 * d f / dx at `x`, with steps that stay where `inDomain` holds; undefined when f is not finite
 * or not smooth nearby, or no step fits in the domain. The step is first absolute-ish, then
 * relative to |x| (for a function like log that changes scale near 0).
 */
export function derivative(f: (x: number) => number, x: number, inDomain: (x: number) => boolean): Derivative | undefined {
  const wide = attempt(f, x, 1e-5 * Math.max(Math.abs(x), 1e-2), inDomain);
  if (wide || x === 0 || Math.abs(x) >= 1e-2) return wide;
  return attempt(f, x, 1e-5 * Math.abs(x), inDomain);
}
