// The derivative of every differentiable op, as data: one row per (op, operand), giving the
// operand's share of the gradient as a term in the optimizer's notation (src/opt/pattern.ts).
// The engine (derive.ts) walks the IR backwards and instantiates these rows; the optimizer
// then simplifies the backward graph together with the forward one.
//
// Variables a row may use (bound by the engine for the node being differentiated):
//   ?g  the gradient reaching the node (its axes are a subset of the node's: missing axes
//       mean "the same along that axis")
//   ?y  the node itself (its forward value)
//   ?x  the operand of a unary, axis, reshape or reduction op; ?a ?b the operands of a binary
//       op and the branches of a select; ?c the select's condition; ?m a reduction's mask;
//       ?t a gather's class indices
//   ?n  the number of elements a mean averages (per result element)
//   ?i  positions along the axis a gather or pick works on; ?k the position picked
//   ?s  how many results of a running sum each position reaches: n - i along an axis of n
//       positions, i + 1 running backwards (reverse: true)
//   :r  the node's own attributes (reduced axes, softmax axis); :inv a rename, flatten or
//       unflatten undone
//
// `when` picks among rows of the same operand; the first that holds is used:
//   masked / unmasked    the reduction has a mask or not
//   alone                the other operand carries no gradient (a constant, a hyperparameter,
//                        a detached value): used for max(0, x) so that the kink gets 0
//   full-g / partial-g   ?g has the node's axis (softmax, running sum) or is the same along it
// Every real operand of an op with a real result has a row; an op whose derivative is zero
// says so with the term 0 (sign, floor, detach). Operands that are never real (conditions,
// masks, class indices) and ops whose result is never real (comparisons, logic) carry no
// gradient by their types and have no row (NOT_REAL below). The engine refuses a carried
// operand without a row, as tfjs refuses an op without a gradient function.
// Conventions where the textbook derivative is undefined: the subgradient 0 at the kink of
// relu, abs and max(x, c); ties of a binary max go to its first operand; ties of a max/min
// reduction share the gradient equally (a valid subgradient, as PyTorch's amax); 0 for a^b at
// a = 0 with b < 1 and for logsumexp of a group that is all -inf.
// Guards: the engine (derive.ts) knows where each share can be non-zero (the branch a select
// takes, what a mask selects, the picked class) and makes a share exactly 0 outside that,
// never 0 · Infinity, when a row reads a value of the discarded part.

import type { OpName } from '../ir/ops.js';

/**
 * ψ″(?x), the derivative of trigamma, in ops the table has (no op of its own, so the chain of
 * derivatives ends here). From 6 its asymptotic series -1/z² - 1/z³ - z⁻⁴/2 + z⁻⁶/6 - z⁻⁸/6 +
 * 3z⁻¹⁰/10 - 5z⁻¹²/6 + 691z⁻¹⁴/210 (relative error below 3e-10 at 6, far below float32's);
 * below 6, ψ″(x) = ψ″(x + 6) - 2 Σ_{k<6} (x + k)⁻³; below 0, ψ″(x) = ψ″(1 - x) - 2π³ cos πr / sin³ πr with r = x - floor(x + 1/2), cos πr as
 * sin π(1/2 - |r|) (exactly 0 at r = ±1/2). -Infinity at the poles, as torch.polygamma(2, x).
 */
const TETRAGAMMA = ((): string => {
  const positive = (x: string): string => {
    const small = `(lt ${x} 6)`;
    const z = `(select ${small} (add ${x} 6) ${x})`;
    const r = `(div 1 (square ${z}))`;
    const series = `(mul (square ${r}) (sub 0.5 (mul ${r} (sub 0.16666666666666666 (mul ${r} (sub 0.16666666666666666 (mul ${r} (sub 0.3 (mul ${r} (sub 0.8333333333333334 (mul ${r} 3.2904761904761903)))))))))))`;
    const asymptotic = `(neg (add (add ${r} (div ${r} ${z})) ${series}))`;
    const cube = (v: string): string => `(mul (square ${v}) ${v})`;
    const sum = [0, 1, 2, 3, 4, 5].map((k) => `(div 2 ${cube(k === 0 ? x : `(add ${x} ${k})`)})`).reduce((a, b) => `(add ${a} ${b})`);
    return `(sub ${asymptotic} (select ${small} ${sum} 0))`;
  };
  const r = '(sub ?x (floor (add ?x 0.5)))';
  const sinPi = (v: string): string => `(sin (mul ${v} 3.141592653589793))`;
  const reflected = `(sub ${positive('(sub 1 ?x)')} (div (mul ${sinPi(`(sub 0.5 (abs ${r}))`)} 62.01255336059963) (mul (square ${sinPi(r)}) ${sinPi(r)})))`;
  return `(select (lt ?x 0) ${reflected} ${positive('?x')})`;
})();

export type DerivativeCondition = '' | 'masked' | 'unmasked' | 'alone' | 'full-g' | 'partial-g';

export type DerivativeRow = readonly [op: OpName, operand: number, when: DerivativeCondition, gradient: string, why: string];

export const DERIVATIVES: readonly DerivativeRow[] = [
  // op           operand when          gradient of the operand                                   derivation
  ['neg',         0, '',          '(neg ?g)',                                                        'd(-x) = -dx'],
  ['abs',         0, '',          '(mul ?g (sign ?x))',                                              'd|x| = sign(x) dx; sign(0) = 0 is the subgradient 0 at the kink'],
  ['exp',         0, '',          '(mul ?g ?y)',                                                     'd e^x = e^x dx'],
  ['log',         0, '',          '(div ?g ?x)',                                                     'd log x = dx / x'],
  ['log1p',       0, '',          '(div ?g (add 1 ?x))',                                             'd log(1 + x) = dx / (1 + x)'],
  ['expm1',       0, '',          '(mul ?g (add ?y 1))',                                             'd(e^x - 1) = e^x dx'],
  ['sqrt',        0, '',          '(div ?g (mul 2 ?y))',                                             'd√x = dx / (2√x)'],
  ['square',      0, '',          '(mul ?g (mul 2 ?x))',                                             'd x² = 2x dx'],
  // σ(-x) rather than 1 - σ(x), which rounds to 0 for x above about 17 in float32.
  ['sigmoid',     0, '',          '(mul ?g (mul ?y (sigmoid (neg ?x))))',                            'dσ(x) = σ(x) σ(-x) dx'],
  ['softplus',    0, '',          '(mul ?g (sigmoid ?x))',                                           'd log(1 + e^x) = σ(x) dx'],
  ['log_sigmoid', 0, '',          '(mul ?g (sigmoid (neg ?x)))',                                     'd log σ(x) = σ(-x) dx'],
  // 1 / cosh² rather than 1 - tanh², which rounds to 0 where tanh rounds to ±1.
  ['tanh',        0, '',          '(div ?g (square (cosh ?x)))',                                     'd tanh x = dx / cosh² x'],
  ['cosh',        0, '',          '(mul ?g (mul ?y (tanh ?x)))',                                     'd cosh x = sinh x dx = cosh x tanh x dx'],
  ['erf',         0, '',          '(mul ?g (mul 1.1283791670955126 (exp (neg (square ?x)))))',      'd erf x = (2/√π) e^(-x²) dx'],
  ['atan',        0, '',          '(div ?g (add 1 (square ?x)))',                                    'd atan x = dx / (1 + x²)'],
  ['sin',         0, '',          '(mul ?g (cos ?x))',                                               'd sin x = cos x dx'],
  ['cos',         0, '',          '(neg (mul ?g (sin ?x)))',                                         'd cos x = -sin x dx'],
  // √(1 + x²) as m·√((1/m)² + (x/m)²) with m = max(|x|, 1): x² overflows float32 above 1.8e19.
  ['asinh',       0, '',          '(div ?g (mul (maximum (abs ?x) 1) (sqrt (add (square (div 1 (maximum (abs ?x) 1))) (square (div ?x (maximum (abs ?x) 1)))))))', 'd asinh x = dx / √(1 + x²)'],
  ['lgamma',      0, '',          '(mul ?g (digamma ?x))',                                           'd log|Γ(x)| = ψ(x) dx'],
  ['digamma',     0, '',          '(mul ?g (trigamma ?x))',                                          'd ψ(x) = ψ′(x) dx'],
  ['trigamma',    0, '',          `(mul ?g ${TETRAGAMMA})`,                                          "d ψ′(x) = ψ″(x) dx, ψ″ written out in the table's ops (TETRAGAMMA)"],
  ['relu',        0, '',          '(select (gt ?x 0) ?g 0)',                                         'd max(x, 0) = [x > 0] dx: 0 at the kink'],
  ['sign',        0, '',          '0',                                                               'sign is constant between its jump at 0, where the subgradient 0 is taken'],
  ['floor',       0, '',          '0',                                                               'floor is constant between whole numbers (0 at the jumps too)'],
  ['detach',      0, '',          '0',                                                               'a stop-gradient: its operand is treated as a constant'],
  ['to_real',     0, '',          '?g',                                                              'a real operand is passed through (ints and bools carry no gradient)'],

  ['add',         0, '',          '?g',                                                              'd(a + b) = da + db'],
  ['add',         1, '',          '?g',                                                              'd(a + b) = da + db'],
  ['sub',         0, '',          '?g',                                                              'd(a - b) = da - db'],
  ['sub',         1, '',          '(neg ?g)',                                                        'd(a - b) = da - db'],
  ['mul',         0, '',          '(mul ?g ?b)',                                                     'd(ab) = b da + a db'],
  ['mul',         1, '',          '(mul ?g ?a)',                                                     'd(ab) = b da + a db'],
  ['div',         0, '',          '(div ?g ?b)',                                                     'd(a/b) = da / b - (a/b) db / b'],
  ['div',         1, '',          '(neg (div (mul ?g ?y) ?b))',                                      'd(a/b) = da / b - (a/b) db / b'],
  // At a = 0 with b < 1, b a^(b-1) is 0 · Infinity (b = 0) or Infinity (0 < b < 1, the one-sided
  // derivative at the end of the domain): the subgradient 0 is taken, as at relu's kink, so that
  // a factor that vanishes there ((1 - p)^γ of a focal loss at p = 1) contributes its true 0.
  ['pow',         0, '',          '(select (and (eq ?a 0) (lt ?b 1)) 0 (mul ?g (mul ?b (pow ?a (sub ?b 1)))))', 'd a^b = b a^(b-1) da; 0 at a = 0 for b < 1'],
  // At a = 0 the value is 0 for every b > 0: its derivative along b is 0, not 0 · log 0.
  ['pow',         1, '',          '(select (eq ?a 0) 0 (mul ?g (mul ?y (log ?a))))',                 'd a^b = a^b log(a) db'],
  // At (0, 0) the angle has no derivative (x² + y² = 0): the subgradient 0, as at relu's kink.
  // Scaled by m = max(|a|, |b|): a² + b² overflows above 1.8e19 and underflows to 0 below 1e-23.
  ['atan2',       0, '',          '(select (eq (maximum (abs ?a) (abs ?b)) 0) 0 (div (mul ?g (div ?b (maximum (abs ?a) (abs ?b)))) (mul (maximum (abs ?a) (abs ?b)) (add (square (div ?a (maximum (abs ?a) (abs ?b)))) (square (div ?b (maximum (abs ?a) (abs ?b))))))))', 'd atan2(a, b) = (b da - a db) / (a² + b²)'],
  ['atan2',       1, '',          '(select (eq (maximum (abs ?a) (abs ?b)) 0) 0 (neg (div (mul ?g (div ?a (maximum (abs ?a) (abs ?b)))) (mul (maximum (abs ?a) (abs ?b)) (add (square (div ?a (maximum (abs ?a) (abs ?b)))) (square (div ?b (maximum (abs ?a) (abs ?b)))))))))', 'd atan2(a, b) = (b da - a db) / (a² + b²)'],
  ['maximum',     0, 'alone',     '(select (gt ?a ?b) ?g 0)',                                        'max(a, c) against a constant: 0 at the kink'],
  ['maximum',     0, '',          '(select (ge ?a ?b) ?g 0)',                                        'the larger operand gets it; a tie goes to the first'],
  ['maximum',     1, 'alone',     '(select (gt ?b ?a) ?g 0)',                                        'max(c, b) against a constant: 0 at the kink'],
  ['maximum',     1, '',          '(select (ge ?a ?b) 0 ?g)',                                        'the larger operand gets it; a tie goes to the first'],
  ['minimum',     0, 'alone',     '(select (lt ?a ?b) ?g 0)',                                        'min(a, c) against a constant: 0 at the kink'],
  ['minimum',     0, '',          '(select (le ?a ?b) ?g 0)',                                        'the smaller operand gets it; a tie goes to the first'],
  ['minimum',     1, 'alone',     '(select (lt ?b ?a) ?g 0)',                                        'min(c, b) against a constant: 0 at the kink'],
  ['minimum',     1, '',          '(select (le ?a ?b) 0 ?g)',                                        'the smaller operand gets it; a tie goes to the first'],

  ['select',      1, '',          '(select ?c ?g 0)',                                                'only the chosen branch gets it; none reaches the condition'],
  ['select',      2, '',          '(select ?c 0 ?g)',                                                'only the chosen branch gets it; none reaches the condition'],

  ['sum',         0, 'masked',    '(select ?m ?g 0)',                                                'each selected element contributes once'],
  ['sum',         0, 'unmasked',  '?g',                                                              'each element contributes once'],
  ['mean',        0, 'masked',    '(select ?m (div ?g ?n) 0)',                                       'each selected element contributes 1/n (none where nothing is selected)'],
  ['mean',        0, 'unmasked',  '(div ?g ?n)',                                                     'each element contributes 1/n'],
  ['max',         0, 'masked',    '(select (and ?m (eq ?x ?y)) (div ?g (sum:r (to_real (and ?m (eq ?x ?y))))) 0)', 'the maxima share it equally'],
  ['max',         0, 'unmasked',  '(select (eq ?x ?y) (div ?g (sum:r (to_real (eq ?x ?y)))) 0)',   'the maxima share it equally'],
  ['min',         0, 'masked',    '(select (and ?m (eq ?x ?y)) (div ?g (sum:r (to_real (and ?m (eq ?x ?y))))) 0)', 'the minima share it equally'],
  ['min',         0, 'unmasked',  '(select (eq ?x ?y) (div ?g (sum:r (to_real (eq ?x ?y)))) 0)',   'the minima share it equally'],
  // The product of the others is Π x / x_i only where x_i ≠ 0. Where x_i is the one zero of
  // its group it is the product of the non-zero elements; with two zeros or more it is 0.
  ['prod',        0, 'masked',    '(select ?m (select (eq ?x 0) (select (eq (sum:r (to_real (and ?m (eq ?x 0)))) 1) (mul ?g (prod:r (select (eq ?x 0) 1 ?x) ?m)) 0) (div (mul ?g ?y) ?x)) 0)', 'd Π x = (Π_{j≠i} x_j) dx_i over the selected elements'],
  ['prod',        0, 'unmasked',  '(select (eq ?x 0) (select (eq (sum:r (to_real (eq ?x 0))) 1) (mul ?g (prod:r (select (eq ?x 0) 1 ?x))) 0) (div (mul ?g ?y) ?x))', 'd Π x = (Π_{j≠i} x_j) dx_i'],
  // A group that is all -inf has the value -inf and no softmax (e^(-inf - -inf) is NaN): the
  // subgradient 0 is taken there, as PyTorch's masked logsumexp of nothing.
  ['logsumexp',   0, 'masked',    '(select ?m (select (eq ?y -Infinity) 0 (mul ?g (exp (sub ?x ?y)))) 0)', 'd log Σ e^x = softmax(x) dx over the selected elements; 0 where all are -inf'],
  ['logsumexp',   0, 'unmasked',  '(select (eq ?y -Infinity) 0 (mul ?g (exp (sub ?x ?y))))',         'd log Σ e^x = softmax(x) dx; 0 where all are -inf'],

  // The engine sums the share over the axes its operand lacks (the other side's free axes):
  // sum(g * b) over them is a contraction again, which the optimizer finds by the same rule,
  // so the backward pass forms no product of both sides' free axes either.
  ['contract',    0, '',          '(mul ?g ?b)',                                                     'd Σ_K a·b = Σ_(free of b) g·b da'],
  ['contract',    1, '',          '(mul ?g ?a)',                                                     'd Σ_K a·b = Σ_(free of a) g·a db'],

  ['softmax',     0, 'full-g',    '(mul ?y (sub ?g (sum:r (mul ?g ?y))))',                           'd softmax = y (dy - Σ y dy) along the axis'],
  ['softmax',     0, 'partial-g', '0',                                                               'softmax sums to 1: a gradient the same along the axis has no effect'],
  ['log_softmax', 0, 'full-g',    '(sub ?g (mul (softmax:r ?x) (sum:r ?g)))',                        'd log softmax = dy - softmax(x) Σ dy along the axis'],
  ['log_softmax', 0, 'partial-g', '(sub ?g (mul (softmax:r ?x) (mul ?g ?n)))',                       'as full-g, with Σ dy = n dy for dy the same along the n positions of the axis'],

  // A permutation's gradient is the inverse permutation of g (the same key, the same ties: each
  // value's share goes back to the position it came from); the key's order is piecewise
  // constant in it. A running sum's is the running sum of g the other way.
  ['sort',        0, '',          '(unsort:r ?g ?b)',                                                'd y_j = d x_perm(j): g goes back to where each value came from'],
  ['sort',        1, '',          '0',                                                               'the order changes only where keys tie: constant between'],
  ['unsort',      0, '',          '(sort:r ?g ?b)',                                                  'the inverse permutation: g is ordered as the key is'],
  ['unsort',      1, '',          '0',                                                               'the order changes only where keys tie: constant between'],
  ['cumsum',      0, 'full-g',    '(cumsum:rev ?g)',                                                 'd y_j = Σ_(i≤j) dx_i: x_i reaches every y_j from j = i on'],
  ['cumsum',      0, 'partial-g', '(mul ?g ?s)',                                                     'as full-g, with g the same along the axis: x_i reaches s of the results'],

  // A product with the one-hot mask rather than a select: generated code builds the mask with
  // tf.oneHot and broadcasts g in the multiplication (a select would tile g to full size). It
  // differs only where g is infinite (NaN off the class, not 0): the gradient is lost there.
  ['gather',      0, '',          '(mul ?g (to_real (eq ?i ?t)))',                                   'the picked class of each element gets it'],
  ['rename',      0, '',          '(rename:inv ?g)',                                                 'the same data under the old axis name'],
  ['pick',        0, '',          '(mul ?g (to_real (eq ?i ?k)))',                                   'the picked position gets it (a product with a mask along the axis, as gather)'],
  ['flatten',     0, '',          '(unflatten:inv ?g)',                                              'the same data with the merged axis split back'],
  ['unflatten',   0, '',          '(flatten:inv ?g)',                                                'the same data with the split axes merged back'],
];

/**
 * Operands that are never real, so no gradient reaches them and they have no row: a select's
 * condition, a reduction's mask, a gather's class indices. (An op whose result is not real,
 * a comparison or logic, passes no gradient on either: see `OPS[op].result`.)
 */
export const NOT_REAL: readonly (readonly [op: OpName, operand: number, what: string])[] = [
  ['select', 0, 'the condition'],
  ...(['sum', 'mean', 'max', 'min', 'prod', 'logsumexp', 'any', 'all'] as const).map((op) => [op, 1, 'the mask'] as const),
  ['gather', 1, 'the class indices'],
];
