// The JavaScript operations of the lowering (src/lower/js-ops.ts), as Python source for the
// PyTorch target: one row per operation, its text and precedence, beside the tfjs kernel
// table (pytorch-kernels.ts). `Record<JsOp, …>` makes a new operation a type error here
// until it has a row.

import type { JsOp } from '../lower/js-ops.js';

/** Python operator precedence, lowest first (the language reference's table). */
export const PY = { lambda: 1, conditional: 2, or: 3, and: 4, not: 5, comparison: 6, additive: 11, multiplicative: 12, unary: 13, primary: 16 } as const;

export interface PyOpRow {
  readonly prec: number;
  /** The least precedence each operand may have unparenthesized (last repeats). */
  readonly operands: readonly number[];
  readonly source: (args: readonly string[]) => string;
}

const CMP = PY.comparison;
// Comparisons chain in Python (a == b == c): an operand that is one is parenthesized.
const compare = (op: string): PyOpRow => ({ prec: CMP, operands: [CMP + 1], source: ([a, b]) => `${a} ${op} ${b}` });
const call = (f: string): PyOpRow => ({ prec: PY.primary, operands: [PY.lambda + 1], source: (args) => `${f}(${args.join(', ')})` });

/** The JavaScript operations of the lowering (js-ops.ts), as Python. */
export const PY_JS_OPS: Readonly<Record<JsOp, PyOpRow>> = {
  eq: compare('=='),
  ne: compare('!='),
  lt: compare('<'),
  le: compare('<='),
  gt: compare('>'),
  ge: compare('>='),
  add: { prec: PY.additive, operands: [PY.additive, PY.additive + 1], source: ([a, b]) => `${a} + ${b}` },
  sub: { prec: PY.additive, operands: [PY.additive, PY.additive + 1], source: ([a, b]) => `${a} - ${b}` },
  mul: { prec: PY.multiplicative, operands: [PY.multiplicative, PY.multiplicative + 1], source: ([a, b]) => `${a} * ${b}` },
  // The left operand is repeated: the lowering gives a name or a key lookup, both pure.
  orElse: { prec: PY.conditional, operands: [PY.or], source: ([a, b]) => `${a} if ${a} is not None else ${b}` },
  isNull: { prec: CMP, operands: [CMP + 1], source: ([a]) => `${a} is None` },
  not: { prec: PY.not, operands: [PY.not], source: ([a]) => `not ${a}` },
  typeOf: call('rt.js_typeof'),
  isInteger: call('rt.is_integer'),
  isNaN: call('rt.is_nan'),
  number: call('rt.js_number'),
  string: call('rt.js_str'),
  isArray: { prec: PY.primary, operands: [PY.lambda + 1], source: ([a]) => `isinstance(${a}, (list, tuple))` },
  asList: call('rt.as_list'),
  includes: { prec: CMP, operands: [CMP + 1], source: ([l, x]) => `${x} in ${l}` },
  // The value is repeated: the lowering gives a name.
  indexOf: { prec: PY.conditional, operands: [PY.or + 1], source: ([l, x]) => `${l}.index(${x}) if ${x} in ${l} else -1` },
  join: call('rt.js_join'),
  slice: { prec: PY.primary, operands: [PY.primary, PY.lambda + 1], source: ([l, from, to]) => `${l}[${from ?? ''}:${to ?? ''}]` },
  push: { prec: PY.primary, operands: [PY.primary, PY.lambda + 1], source: ([l, x]) => `${l}.append(${x})` },
  indices: { prec: PY.primary, operands: [PY.lambda + 1], source: ([l]) => `list(range(len(${l})))` },
  indicesFrom: { prec: PY.primary, operands: [PY.lambda + 1], source: ([l, k]) => `list(range(${k}, ${k} + len(${l})))` },
  sameList: { prec: CMP, operands: [PY.lambda + 1], source: ([a, b]) => `list(${a}) == list(${b})` },
  leadingPart: call('rt.leading_part'),
  zeros: { prec: PY.multiplicative, operands: [PY.lambda + 1], source: ([l]) => `[0] * len(${l})` },
  product: call('rt.product'),
  ones: { prec: PY.multiplicative, operands: [PY.multiplicative + 1], source: ([n]) => `[1] * ${n}` },
  min: call('min'),
  max: call('max'),
  floorDiv: { prec: PY.multiplicative, operands: [PY.multiplicative, PY.multiplicative + 1], source: ([a, b]) => `${a} // ${b}` },
  ceilDiv: { prec: PY.unary, operands: [PY.multiplicative, PY.multiplicative + 1], source: ([a, b]) => `-(-${a} // ${b})` },
  // Lazy in Python: only the branch chosen is made.
  choose: { prec: PY.conditional, operands: [PY.or, PY.or, PY.conditional], source: ([c, a, b]) => `${a} if ${c} else ${b}` },
  dataSync: call('rt.data_sync'),
  isTensor: { prec: PY.primary, operands: [PY.lambda + 1], source: ([v]) => `isinstance(${v}, torch.Tensor)` },
};
