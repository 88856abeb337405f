// Value ranges of the range analysis (analysis.ts): an interval with open or closed ends (an infinite
// end means "unbounded", never "is Infinity"), plus the exact values when there are only a
// few of them (targets in {0, 1}, constants), so that `2 * y - 1` is known to avoid 0.

export interface Range {
  readonly lo: number;
  readonly hi: number;
  readonly loOpen: boolean;
  readonly hiOpen: boolean;
  /** Every value the range can take, when few and known. */
  readonly values?: readonly number[];
}

/** Largest set kept exactly; beyond it a set becomes its interval. */
const MAX_SET = 16;

export const REAL: Range = { lo: -Infinity, hi: Infinity, loOpen: true, hiOpen: true };
export const BOOL: Range = fromValues([0, 1]);
export const EMPTY: Range = { lo: Infinity, hi: -Infinity, loOpen: true, hiOpen: true };

export function interval(lo: number, hi: number, loOpen = false, hiOpen = false): Range {
  // An infinite end means unbounded, except the one value Infinity itself (exp(1e3) overflows).
  if (lo === hi && !Number.isFinite(lo)) return { lo, hi, loOpen: false, hiOpen: false };
  return { lo, hi, loOpen: loOpen || lo === -Infinity || lo === Infinity, hiOpen: hiOpen || hi === Infinity || hi === -Infinity };
}

export function point(v: number): Range {
  return fromValues([v]);
}

export function fromValues(values: readonly number[]): Range {
  const vs = [...new Set(values.filter((v) => !Number.isNaN(v)))].sort((a, b) => a - b);
  if (vs.length === 0) return EMPTY;
  // An infinite value (log(0)) is an infinite end that is reached.
  if (!vs.every(Number.isFinite)) return { lo: vs[0]!, hi: vs[vs.length - 1]!, loOpen: false, hiOpen: false };
  const r = interval(vs[0]!, vs[vs.length - 1]!);
  return vs.length <= MAX_SET ? { ...r, values: vs } : r;
}

export function isEmpty(r: Range): boolean {
  if (r.values) return r.values.length === 0;
  return r.lo > r.hi || (r.lo === r.hi && (r.loOpen || r.hiOpen));
}

export function contains(r: Range, v: number): boolean {
  if (r.values) return r.values.includes(v);
  if (v < r.lo || v > r.hi) return false;
  if (v === r.lo && r.loOpen) return false;
  if (v === r.hi && r.hiOpen) return false;
  return true;
}

export const canBeZero = (r: Range): boolean => contains(r, 0);
/** Some value below `v` (strictly). */
export const reachesBelow = (r: Range, v: number): boolean => !isEmpty(r) && r.lo < v;
/** Some value above `v` (strictly). */
export const reachesAbove = (r: Range, v: number): boolean => !isEmpty(r) && r.hi > v;
export const isUnboundedBelow = (r: Range): boolean => r.lo === -Infinity;
export const isUnboundedAbove = (r: Range): boolean => r.hi === Infinity;

export function same(a: Range, b: Range): boolean {
  if (a.values || b.values) return a.values !== undefined && b.values !== undefined && a.values.length === b.values.length && a.values.every((v, i) => v === b.values![i]);
  return a.lo === b.lo && a.hi === b.hi && a.loOpen === b.loOpen && a.hiOpen === b.hiOpen;
}

export function union(a: Range, b: Range): Range {
  if (isEmpty(a)) return b;
  if (isEmpty(b)) return a;
  if (a.values && b.values) return fromValues([...a.values, ...b.values]);
  const lo = Math.min(a.lo, b.lo);
  const hi = Math.max(a.hi, b.hi);
  const loOpen = (a.lo !== lo || a.loOpen) && (b.lo !== lo || b.loOpen);
  const hiOpen = (a.hi !== hi || a.hiOpen) && (b.hi !== hi || b.hiOpen);
  return interval(lo, hi, loOpen, hiOpen);
}

export function intersect(a: Range, b: Range): Range {
  if (a.values) return fromValues(a.values.filter((v) => contains(b, v)));
  if (b.values) return fromValues(b.values.filter((v) => contains(a, v)));
  const [lo, loOpen] = a.lo > b.lo ? [a.lo, a.loOpen] : b.lo > a.lo ? [b.lo, b.loOpen] : [a.lo, a.loOpen || b.loOpen];
  const [hi, hiOpen] = a.hi < b.hi ? [a.hi, a.hiOpen] : b.hi < a.hi ? [b.hi, b.hiOpen] : [a.hi, a.hiOpen || b.hiOpen];
  const r = interval(lo, hi, loOpen, hiOpen);
  return isEmpty(r) ? EMPTY : r;
}

/** The image of a non-decreasing (or, with `decreasing`, non-increasing) function. */
export function monotone(r: Range, f: (x: number) => number, decreasing = false): Range {
  if (isEmpty(r)) return EMPTY;
  if (r.values) return fromValues(r.values.map(f));
  const [a, b] = [f(r.lo), f(r.hi)];
  return decreasing ? interval(b, a, r.hiOpen, r.loOpen) : interval(a, b, r.loOpen, r.hiOpen);
}

/** `f` applied to each pair of known values, or undefined when either side is not a small set. */
function pairwise(a: Range, b: Range, f: (x: number, y: number) => number): Range | undefined {
  if (!a.values || !b.values || a.values.length * b.values.length > MAX_SET * 2) return undefined;
  return fromValues(a.values.flatMap((x) => b.values!.map((y) => f(x, y))));
}

export function add(a: Range, b: Range): Range {
  if (isEmpty(a) || isEmpty(b)) return EMPTY;
  // An open end survives only next to a 0 end: x + 0 is x exactly, x + 1 may round to the end.
  // Ends that cancel keep either's openness: a rounded x + y is 0 only when x = -y exactly, so
  // x > 1 gives x - 1 > 0 (unless the difference is so small a flush-to-zero backend drops it).
  const open = (ea: number, oa: boolean, eb: number, ob: boolean): boolean =>
    (oa && (eb === 0 || ob)) || (ob && ea === 0) || ((oa || ob) && ea + eb === 0 && Math.abs(ea) >= 2 ** -100);
  return pairwise(a, b, (x, y) => x + y) ?? interval(a.lo + b.lo, a.hi + b.hi, open(a.lo, a.loOpen, b.lo, b.loOpen) && a.lo + b.lo === 0, open(a.hi, a.hiOpen, b.hi, b.hiOpen) && a.hi + b.hi === 0);
}

export function neg(a: Range): Range {
  return monotone(a, (x) => -x, true);
}

export function sub(a: Range, b: Range): Range {
  return pairwise(a, b, (x, y) => x - y) ?? add(a, neg(b));
}

/** A product of two ends, where an unbounded end times 0 is 0 (the values are finite). */
const times = (x: number, y: number): number => (x === 0 || y === 0 ? 0 : x * y);

export function mul(a: Range, b: Range): Range {
  if (isEmpty(a) || isEmpty(b)) return EMPTY;
  const exact = pairwise(a, b, times);
  if (exact) return exact;
  // Each candidate end of the product, open when either factor's end is open.
  const cands = [
    [a.lo, a.loOpen, b.lo, b.loOpen],
    [a.lo, a.loOpen, b.hi, b.hiOpen],
    [a.hi, a.hiOpen, b.lo, b.loOpen],
    [a.hi, a.hiOpen, b.hi, b.hiOpen],
  ].map(([x, xo, y, yo]) => {
    const v = times(x as number, y as number);
    // Only a 0 end stays open, and only times a factor of magnitude at least 1: a tiny x
    // times 0.5 underflows to 0.
    const openZero = (e: number, o: boolean, other: number): boolean => e === 0 && o && Math.abs(other) >= 1;
    const open = v === 0 && !(x === 0 && y === 0) && (openZero(x as number, xo as boolean, y as number) || openZero(y as number, yo as boolean, x as number));
    return { v, open };
  });
  const lo = Math.min(...cands.map((c) => c.v));
  const hi = Math.max(...cands.map((c) => c.v));
  let r = interval(lo, hi, cands.filter((c) => c.v === lo).every((c) => c.open), cands.filter((c) => c.v === hi).every((c) => c.open));
  // An interior 0 of either factor gives a 0 product.
  if ((canBeZero(a) || canBeZero(b)) && !contains(r, 0)) r = union(r, point(0));
  return r;
}

export function div(a: Range, b: Range): Range {
  const exact = pairwise(a, b, (x, y) => x / y);
  if (exact && !b.values!.includes(0)) return exact;
  // x / ±0 is ±Infinity of either sign (a 0 may be -0), or NaN.
  if (canBeZero(b)) return REAL;
  if (isEmpty(a) || isEmpty(b)) return EMPTY;
  // The quotients of the ends (and of every value of a set b, which may change sign), as
  // division rounds them; an open 0 end of b is approached from its side (-0 from below).
  const ys = b.values ?? [b.lo === 0 ? 0 : b.lo, b.hi === 0 ? -0 : b.hi];
  // Unbounded over unbounded (NaN) can be anything between the other corners.
  const qs = [a.lo, a.hi].flatMap((x) => ys.map((y) => (x === 0 ? 0 : x / y))).filter((q) => !Number.isNaN(q));
  return interval(Math.min(...qs), Math.max(...qs));
}

export function minimum(a: Range, b: Range): Range {
  if (isEmpty(a) || isEmpty(b)) return EMPTY;
  const exact = pairwise(a, b, Math.min);
  if (exact) return exact;
  const [lo, loOpen] = a.lo < b.lo ? [a.lo, a.loOpen] : b.lo < a.lo ? [b.lo, b.loOpen] : [a.lo, a.loOpen && b.loOpen];
  const [hi, hiOpen] = a.hi < b.hi ? [a.hi, a.hiOpen] : b.hi < a.hi ? [b.hi, b.hiOpen] : [a.hi, a.hiOpen || b.hiOpen];
  return interval(lo, hi, loOpen, hiOpen);
}

export function maximum(a: Range, b: Range): Range {
  return neg(minimum(neg(a), neg(b)));
}

export function abs(a: Range): Range {
  if (isEmpty(a)) return EMPTY;
  if (a.values) return fromValues(a.values.map(Math.abs));
  if (a.lo >= 0) return a;
  if (a.hi <= 0) return neg(a);
  return interval(0, Math.max(-a.lo, a.hi), false, -a.lo > a.hi ? a.loOpen : a.hi > -a.lo ? a.hiOpen : a.loOpen && a.hiOpen);
}

export function square(a: Range): Range {
  return mul(abs(a), abs(a));
}

/** Ends of the range rounded outward to `[lo, hi]`-style text for messages: `[0, 1]`, `(0, inf)`. */
export function formatRange(r: Range): string {
  if (isEmpty(r)) return 'no value';
  if (r.values) return `{${r.values.map(formatValue).join(', ')}}`;
  return `${r.loOpen ? '(' : '['}${formatValue(r.lo)}, ${formatValue(r.hi)}${r.hiOpen ? ')' : ']'}`;
}

export function formatValue(v: number): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  // Seven digits, float32's precision: inputs print as written (1e-8, not 9.99999993922529e-9).
  const p = Number(v.toPrecision(7));
  if (p !== 0 && (Math.abs(p) >= 1e5 || Math.abs(p) < 1e-4)) return p.toExponential().replace('e+', 'e');
  return String(p);
}
