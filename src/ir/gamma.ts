// The gamma family in float64, the compiler's own meaning for constant folding and the range
// analysis: lgamma by Lanczos' approximation (0 exactly at 1 and 2), digamma by the recurrence
// up to 10 and its asymptotic series, trigamma and tetragamma likewise from 15. The reference evaluator (src/reference/gamma.ts) computes them
// by other methods; test/builtins-trig-gamma.test.ts checks both against mpmath's values.
// Poles and infinities as torch gives them: lgamma is +∞ at 0, the negative whole numbers and
// ±∞; digamma is -∞ at +0, +∞ at -0, NaN at the negative whole numbers and -∞; trigamma is +∞
// at the poles and NaN at -∞.

/** Lanczos coefficients for g = 7, n = 9 (relative error below 1e-15 for Γ on x ≥ 1/2). */
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** x minus its nearest whole number, exactly (so sin(π·r) keeps its digits for large x). */
const offWhole = (x: number): number => x - Math.round(x);
const isPole = (x: number): boolean => x <= 0 && Number.isInteger(x);

export function lgamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (!Number.isFinite(x) || isPole(x)) return Infinity;
  if (x === 1 || x === 2) return 0;
  // Reflection: Γ(x) Γ(1 - x) = π / sin(πx).
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * offWhole(x)))) - lgamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

export function digamma(x: number): number {
  if (Number.isNaN(x) || x === -Infinity) return NaN;
  if (x === Infinity) return Infinity;
  if (x === 0) return -1 / x; // -∞ at +0, +∞ at -0
  if (isPole(x)) return NaN;
  // Reflection: ψ(1 - x) - ψ(x) = π cot(πx), with cot's period 1.
  if (x < 0) return digamma(1 - x) - Math.PI / Math.tan(Math.PI * offWhole(x));
  let shift = 0;
  while (x < 10) {
    shift += 1 / x;
    x += 1;
  }
  const r = 1 / (x * x);
  // log x - 1/(2x) - Σ B₂ₖ / (2k x²ᵏ)
  const series = r * (1 / 12 - r * (1 / 120 - r * (1 / 252 - r * (1 / 240 - r * (1 / 132 - r * (691 / 32760 - r / 12))))));
  return Math.log(x) - 0.5 / x - series - shift;
}

export function trigamma(x: number): number {
  if (Number.isNaN(x) || x === -Infinity) return NaN;
  if (x === Infinity) return 0;
  if (isPole(x)) return Infinity;
  // Reflection: ψ′(1 - x) + ψ′(x) = π² / sin²(πx).
  if (x < 0) {
    const s = Math.sin(Math.PI * offWhole(x));
    return (Math.PI * Math.PI) / (s * s) - trigamma(1 - x);
  }
  let shift = 0;
  while (x < 15) {
    shift += 1 / (x * x);
    x += 1;
  }
  const r = 1 / (x * x);
  // 1/x + 1/(2x²) + Σ B₂ₖ / x²ᵏ⁺¹
  const series = (r / x) * (1 / 6 - r * (1 / 30 - r * (1 / 42 - r * (1 / 30 - r * (5 / 66 - r * (691 / 2730))))));
  return 1 / x + 0.5 * r + series + shift;
}

/** ψ″(x), the derivative of trigamma (what its gradient needs); -∞ at the poles. */
export function tetragamma(x: number): number {
  if (Number.isNaN(x) || x === -Infinity) return NaN;
  if (x === Infinity) return 0;
  if (isPole(x)) return -Infinity;
  // The reflection of ψ′ differentiated: ψ″(x) = ψ″(1 - x) - 2π³ cos(πx) / sin³(πx).
  if (x < 0) {
    const r = offWhole(x);
    const s = Math.sin(Math.PI * r);
    // cos πr as sin π(1/2 - |r|): exactly 0 at r = ±1/2, where ψ″ itself is tiny for large |x|.
    return tetragamma(1 - x) - (2 * Math.PI ** 3 * Math.sin(Math.PI * (0.5 - Math.abs(r)))) / (s * s * s);
  }
  let shift = 0;
  while (x < 15) {
    shift -= 2 / (x * x * x);
    x += 1;
  }
  const r = 1 / (x * x);
  // -1/x² - 1/x³ - Σ (2k + 1) B₂ₖ / x²ᵏ⁺²
  const series = r * r * (1 / 2 - r * (1 / 6 - r * (1 / 6 - r * (3 / 10 - r * (5 / 6 - r * (691 / 210))))));
  return -r - r / x - series + shift;
}
