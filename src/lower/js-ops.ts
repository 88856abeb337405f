// The JavaScript the lowering may write around tensors (argument checks, shapes, options), as
// data: one row per operation with its source form and its meaning. The source interpreter
// prints `source`, parenthesizing operands below `operands` precedence; the live interpreter
// calls `live`. Both rows of a pair sit side by side, so they cannot drift apart unseen.

/** JavaScript operator precedence, as the source interpreter compares it. */
export const PREC = { arrow: 2, conditional: 3, or: 4, and: 5, equality: 9, relational: 10, additive: 12, multiplicative: 13, unary: 15, member: 20 } as const;

export interface JsOpRow {
  /** Precedence of the result. */
  readonly prec: number;
  /** The least precedence an operand may have without parentheses, per operand (last repeats). */
  readonly operands: readonly number[];
  readonly source: (args: readonly string[]) => string;
  readonly live: (...args: never[]) => unknown;
}

const ARG = PREC.arrow; // an argument of a call takes any expression but a comma list
const binary = (op: string, prec: number, live: (a: never, b: never) => unknown): JsOpRow => ({
  prec,
  operands: [prec, prec + 1],
  source: ([a, b]) => `${a} ${op} ${b}`,
  live,
});

export const JS_OPS = {
  eq: binary('===', PREC.equality, (a, b) => a === b),
  ne: binary('!==', PREC.equality, (a, b) => a !== b),
  lt: binary('<', PREC.relational, (a: number, b: number) => a < b),
  le: binary('<=', PREC.relational, (a: number, b: number) => a <= b),
  gt: binary('>', PREC.relational, (a: number, b: number) => a > b),
  ge: binary('>=', PREC.relational, (a: number, b: number) => a >= b),
  add: binary('+', PREC.additive, (a: number, b: number) => a + b),
  sub: binary('-', PREC.additive, (a: number, b: number) => a - b),
  mul: binary('*', PREC.multiplicative, (a: number, b: number) => a * b),
  // `??` may not be mixed with && or || unparenthesized.
  orElse: { prec: PREC.or, operands: [PREC.and + 1, PREC.and + 1], source: ([a, b]) => `${a} ?? ${b}`, live: (a: unknown, b: unknown) => a ?? b },
  isNull: { prec: PREC.equality, operands: [PREC.equality], source: ([a]) => `${a} === null`, live: (a: unknown) => a === null },
  not: { prec: PREC.unary, operands: [PREC.unary], source: ([a]) => `!${a}`, live: (a: unknown) => !a },
  typeOf: { prec: PREC.unary, operands: [PREC.unary], source: ([a]) => `typeof ${a}`, live: (a: unknown) => typeof a },
  isInteger: { prec: PREC.member, operands: [ARG], source: ([a]) => `Number.isInteger(${a})`, live: (a: unknown) => Number.isInteger(a) },
  isNaN: { prec: PREC.member, operands: [ARG], source: ([a]) => `Number.isNaN(${a})`, live: (a: unknown) => Number.isNaN(a) },
  number: { prec: PREC.member, operands: [ARG], source: ([a]) => `Number(${a})`, live: (a: unknown) => Number(a) },
  string: { prec: PREC.member, operands: [ARG], source: ([a]) => `String(${a})`, live: (a: unknown) => String(a) },
  isArray: { prec: PREC.member, operands: [ARG], source: ([a]) => `Array.isArray(${a})`, live: (a: unknown) => Array.isArray(a) },
  /** A value or a list of values, as a list. */
  asList: { prec: PREC.conditional, operands: [PREC.or + 1], source: ([v]) => `Array.isArray(${v}) ? ${v} : [${v}]`, live: (v: unknown) => (Array.isArray(v) ? v : [v]) },
  /** `list.includes(x)` */
  includes: { prec: PREC.member, operands: [PREC.member, ARG], source: ([l, x]) => `${l}.includes(${x})`, live: (l: readonly unknown[], x: unknown) => l.includes(x) },
  /** `list.indexOf(x)`: the position of `x` in `list`, -1 when it has none. */
  indexOf: { prec: PREC.member, operands: [PREC.member, ARG], source: ([l, x]) => `${l}.indexOf(${x})`, live: (l: readonly unknown[], x: unknown) => l.indexOf(x) },
  /** `list.join(sep)` */
  join: { prec: PREC.member, operands: [PREC.member, ARG], source: ([l, s]) => `${l}.join(${s})`, live: (l: readonly unknown[], s: string) => l.join(s) },
  /** `list.slice(from)` / `list.slice(from, to)`: a copy of part of a list. */
  slice: { prec: PREC.member, operands: [PREC.member, ARG], source: ([l, ...r]) => `${l}.slice(${r.join(', ')})`, live: (l: readonly unknown[], from?: number, to?: number) => l.slice(from, to) },
  /** `list.push(x)`: appends (a statement). */
  push: { prec: PREC.member, operands: [PREC.member, ARG], source: ([l, x]) => `${l}.push(${x})`, live: (l: unknown[], x: unknown) => l.push(x) },
  /** `[0, 1, …, list.length - 1]` */
  indices: { prec: PREC.member, operands: [PREC.member], source: ([l]) => `${l}.map((_, i) => i)`, live: (l: readonly unknown[]) => l.map((_, i) => i) },
  /** `[k, k + 1, …, k + list.length - 1]`: where a list of dims lands after `k` others. */
  indicesFrom: { prec: PREC.member, operands: [PREC.member, PREC.additive + 1], source: ([l, k]) => `${l}.map((_, i) => i + ${k})`, live: (l: readonly unknown[], k: number) => l.map((_, i) => i + k) },
  /** Two lists of numbers (shapes) are the same; both operands are repeated, so names or cheap. */
  sameList: {
    prec: PREC.and,
    operands: [PREC.member],
    source: ([a, b]) => `${a}.length === ${b}.length && ${a}.every((d, i) => d === ${b}[i])`,
    live: (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]),
  },
  /** Shape `w` is a leading part of shape `s`, where a dim may also be 1 (it broadcasts). */
  leadingPart: {
    prec: PREC.and,
    operands: [PREC.member],
    source: ([w, s]) => `${w}.length <= ${s}.length && ${w}.every((d, i) => d === ${s}[i] || d === 1)`,
    live: (w: readonly number[], s: readonly number[]) => w.length <= s.length && w.every((d, i) => d === s[i] || d === 1),
  },
  /** As many zeros as the list has items. */
  zeros: { prec: PREC.member, operands: [PREC.member], source: ([l]) => `${l}.map(() => 0)`, live: (l: readonly unknown[]) => l.map(() => 0) },
  /** The product of a list of numbers (1 for none). */
  product: { prec: PREC.member, operands: [PREC.member], source: ([l]) => `${l}.reduce((a, b) => a * b, 1)`, live: (l: readonly number[]) => l.reduce((a, b) => a * b, 1) },
  /** `n` ones, for a shape padded with size-1 dims. */
  ones: { prec: PREC.member, operands: [ARG], source: ([n]) => `Array<number>(${n}).fill(1)`, live: (n: number) => Array<number>(n).fill(1) },
  /** The smaller and the larger of two numbers. */
  min: { prec: PREC.member, operands: [ARG], source: ([a, b]) => `Math.min(${a}, ${b})`, live: (a: number, b: number) => Math.min(a, b) },
  max: { prec: PREC.member, operands: [ARG], source: ([a, b]) => `Math.max(${a}, ${b})`, live: (a: number, b: number) => Math.max(a, b) },
  /** `⌊a / b⌋` and `⌈a / b⌉` of whole numbers (block counts and sizes). */
  floorDiv: { prec: PREC.member, operands: [ARG], source: ([a, b]) => `Math.floor(${a} / ${b})`, live: (a: number, b: number) => Math.floor(a / b) },
  ceilDiv: { prec: PREC.member, operands: [ARG], source: ([a, b]) => `Math.ceil(${a} / ${b})`, live: (a: number, b: number) => Math.ceil(a / b) },
  /** `c ? a : b`. The live interpreter has made both already: each must be cheap and safe to make. */
  choose: { prec: PREC.conditional, operands: [PREC.or, ARG, ARG], source: ([c, a, b]) => `${c} ? ${a} : ${b}`, live: (c: unknown, a: unknown, b: unknown) => (c ? a : b) },
  /** A tensor's values as a typed array (read back from the backend). */
  dataSync: { prec: PREC.member, operands: [PREC.member], source: ([t]) => `${t}.dataSync()`, live: (t: { dataSync(): unknown }) => t.dataSync() },
  /** `v instanceof tf.Tensor` */
  isTensor: { prec: PREC.relational, operands: [PREC.relational + 1], source: ([v]) => `${v} instanceof tf.Tensor`, live: () => { throw new Error('internal: isTensor is answered by the live interpreter'); } },
} as const satisfies Record<string, JsOpRow>;

export type JsOp = keyof typeof JS_OPS;
