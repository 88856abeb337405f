// The gamma family for the float64 reference, by methods other than the compiler's
// (src/ir/gamma.ts uses Lanczos' approximation and shifts to 10 and 15):
// lgamma by its Taylor series about 2 on [1.5, 2.5) (exact digits near its zeros 1 and 2),
// reached by the recurrence from below 15, and Stirling's series from 15; digamma, trigamma
// and tetragamma by the recurrence up to 20 and their asymptotic series. Negative arguments by
// reflection, with the angle reduced to [-1/2, 1/2] first.

const EULER_GAMMA = 0.5772156649015329;

/** ζ(k) - 1 = Σ_{n ≥ 2} n^-k, summed to 99 with the Euler–Maclaurin tail (error below 1e-17). */
function zetaMinusOne(k: number): number {
  const N = 100;
  let s = 0;
  for (let n = 2; n < N; n++) s += n ** -k;
  return s + N ** (1 - k) / (k - 1) + N ** -k / 2 + (k * N ** (-k - 1)) / 12 - (k * (k + 1) * (k + 2) * N ** (-k - 3)) / 720;
}

/** Coefficients of lgamma(2 + p) = (1 - γ) p + Σ_{k ≥ 2} (-1)^k (ζ(k) - 1) p^k / k. */
const TAYLOR_AT_2 = [0, 1 - EULER_GAMMA, ...Array.from({ length: 38 }, (_, i) => ((i % 2 === 0 ? 1 : -1) * zetaMinusOne(i + 2)) / (i + 2))];

const reduced = (x: number): number => x - Math.round(x);
const pole = (x: number): boolean => x <= 0 && x === Math.floor(x);

export function lgammaRef(x: number): number {
  if (x !== x) return NaN;
  if (x === Infinity || x === -Infinity || pole(x)) return Infinity;
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * reduced(x)))) - lgammaRef(1 - x);
  if (x >= 15) {
    const r = 1 / (x * x);
    // (x - 1/2) log x - x + log √(2π) + 1/(12x) - 1/(360x³) + 1/(1260x⁵) - 1/(1680x⁷) + 1/(1188x⁹)
    const tail = (1 / x) * (1 / 12 - r * (1 / 360 - r * (1 / 1260 - r * (1 / 1680 - r / 1188))));
    return (x - 0.5) * (Math.log(x) - 1) - 0.5 + 0.5 * Math.log(2 * Math.PI) + tail;
  }
  if (x < 1.5) return lgammaRef(x + 1) - Math.log(x);
  let logs = 0;
  while (x >= 2.5) {
    x -= 1;
    logs += Math.log(x);
  }
  const p = x - 2;
  let sum = 0;
  for (let k = TAYLOR_AT_2.length - 1; k >= 1; k--) sum = (sum + TAYLOR_AT_2[k]!) * p;
  return sum + logs;
}

export function digammaRef(x: number): number {
  if (x !== x || x === -Infinity) return NaN;
  if (x === Infinity) return Infinity;
  if (x === 0) return 1 / x > 0 ? -Infinity : Infinity;
  if (pole(x)) return NaN;
  if (x < 0) {
    const r = Math.PI * reduced(x);
    return digammaRef(1 - x) - (Math.PI * Math.cos(r)) / Math.sin(r);
  }
  let acc = 0;
  for (; x < 20; x++) acc -= 1 / x;
  const r = 1 / (x * x);
  return acc + Math.log(x) - 1 / (2 * x) - r / 12 + (r * r) / 120 - (r * r * r) / 252 + (r * r * r * r) / 240 - (r * r * r * r * r) / 132;
}

export function trigammaRef(x: number): number {
  if (x !== x || x === -Infinity) return NaN;
  if (x === Infinity) return 0;
  if (pole(x)) return Infinity;
  if (x < 0) {
    const s = Math.sin(Math.PI * reduced(x));
    return (Math.PI * Math.PI) / (s * s) - trigammaRef(1 - x);
  }
  let acc = 0;
  for (; x < 20; x++) acc += 1 / (x * x);
  const r = 1 / (x * x);
  return acc + 1 / x + r / 2 + (r / x) * (1 / 6 - r / 30 + (r * r) / 42 - (r * r * r) / 30 + (5 * r * r * r * r) / 66);
}

export function tetragammaRef(x: number): number {
  if (x !== x || x === -Infinity) return NaN;
  if (x === Infinity) return 0;
  if (pole(x)) return -Infinity;
  if (x < 0) {
    const r = Math.PI * reduced(x);
    const s = Math.sin(r);
    // At a half-integer cos πr is 0 (Math.cos(π/2) is 6e-17, more than ψ″ there for large |x|).
    const c = Math.abs(reduced(x)) === 0.5 ? 0 : Math.cos(r);
    return tetragammaRef(1 - x) - (2 * Math.PI * Math.PI * Math.PI * c) / (s * s * s);
  }
  let acc = 0;
  for (; x < 20; x++) acc -= 2 / (x * x * x);
  const r = 1 / (x * x);
  return acc - r - r / x - r * r * (1 / 2 - r / 6 + (r * r) / 6 - (3 * r * r * r) / 10 + (5 * r * r * r * r) / 6);
}
