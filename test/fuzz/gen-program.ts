// Grammar-driven generation of well-typed loss programs. Each expression is built together
// with its type (element type and named axes, by the language's rules: binary operations take
// the union of their operands' axes, reductions remove the axes they name, a class-index
// gather swaps the class axis for the index's axes), so every program should check cleanly.
// Values stay well-conditioned (division by 1 + u², logarithms of 1 + |u|, exp of a tanh), so
// float32 and float64 agree to a few ulps of the inputs and comparisons find real bugs.
//
// Programs also exercise where the order of axes is read (src/check/order.ts): index
// variables and pairwise forms (`x[i] - x[j]`), bindings whose left side names axes
// (`pd[j, i] = ...`), masked reductions over index variables, defs with shape patterns called
// on products of differently shaped tensors, outer products, non-scalar results. For that the
// generator tracks each value's order the way the checker reads it: declared (an input's
// shape, an index list, a left side, a pattern), else inherited from the operands that have
// all of its axes when they agree, else canonical (the loss's dim order).
//
// `{ mirror: true }` gives the same program from the same seed with the operands of every
// commutative operation swapped (+, *, ==, !=, and, or, max(a, b), min(a, b)) and the `where`
// bindings in another order: every random draw and every type is the same in both forms, only
// the text differs, so the two must mean the same and lay their results out alike.

export type Elem = 'real' | 'int' | 'bool';

interface Ex {
  readonly text: string;
  readonly elem: Elem;
  /** Named axes, in first-appearance order of the unmirrored form. */
  readonly axes: readonly string[];
  /** The order positional indexing reads (named axes, no `...`), when declared or inherited; else canonical. */
  readonly order?: readonly string[];
  /** Index variables that indexing in `text` itself introduces (in the scope `text` is checked in). */
  readonly vars?: readonly string[];
}

export interface GeneratedProgram {
  readonly text: string;
  /** The first loss. */
  readonly loss: string;
  /** Every loss of the program. */
  readonly losses: readonly string[];
}

export interface GenerateOptions {
  /**
   * The same program with the operands of every commutative operation swapped and the `where`
   * bindings of each loss in another order (reversed).
   */
  readonly mirror?: boolean;
  /**
   * With `mirror`, also swap the operands of `-` and `/`: a different program, for showing that
   * a property comparing the two forms can fail.
   */
  readonly mirrorNonCommutative?: boolean;
}

export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const union = (...lists: (readonly string[])[]): string[] => [...new Set(lists.flat())];
const REST = '...';
const named = (axes: readonly string[]): string[] => axes.filter((a) => a !== REST);
/** At most this many named axes in any value, so outer products stay small. */
const MAX_AXES = 4;

/**
 * Index variables, two per dim, always for that dim: a variable never changes dims between
 * scopes, so it can be used anywhere. Alphabetical within a dim, like the canonical order.
 */
const VARS: Readonly<Record<string, readonly [string, string]>> = { N: ['i', 'j'], D: ['p', 'q'], C: ['c', 'e'] };
const VAR_DIM = new Map(Object.entries(VARS).flatMap(([dim, vs]) => vs.map((v) => [v, dim] as const)));
const dimOf = (axis: string): string => VAR_DIM.get(axis) ?? axis;

/** Renders an operation of two operands; `mirror` swaps those of commutative ones. */
type Render = (a: string, op: string, b: string) => string;

/** Well-conditioned real functions of one real operand. */
const UNARY: readonly ((u: string, r: Render) => string)[] = [
  (u) => `abs(${u})`,
  (u) => `square(${u})`,
  (u) => `sigmoid(${u})`,
  (u) => `tanh(${u})`,
  (u) => `softplus(${u})`,
  (u) => `log_sigmoid(${u})`,
  (u) => `relu(${u})`,
  (u) => `-(${u})`,
  (u) => `log1p(square(${u}))`,
  (u, r) => `sqrt(${r('1', '+', `square(${u})`)})`,
  (u) => `exp(tanh(${u}))`,
  (u) => `expm1(tanh(${u}))`,
  (u) => `cosh(tanh(${u}))`,
  (u) => `erf(${u})`,
  (u) => `atan(${u})`,
  (u, r) => `log(${r('1', '+', `abs(${u})`)})`,
  (u, r) => `${r('1', '+', `square(${u})`)}^0.5`,
  (u) => `clamp(${u}, -1, 1)`,
  (u) => `sq(${u})`,
];

const REDUCTIONS = ['sum', 'mean', 'max', 'min', 'logsumexp'] as const;

/** The helper definitions a program may call; each body rendered by `r`. */
const DEFS = {
  sq: () => ['/// Squares its argument.', 'def sq(u) = u * u'],
  lerp: (r: Render) => ['/// Linear interpolation from a to b.', `def lerp(a, b, w) = ${r('a', '+', r('w', '*', r('b', '-', 'a')))}`],
  lastsum: (r: Render) => ['/// Reduces the second axis of its argument, whatever the argument is.', `def lastsum(f: [P, Q]) = sum(${r('f', '*', 'sigmoid(f)')}, Q)`],
  firstlse: () => ['/// Reduces the first axis of its argument.', 'def firstlse(f: [P, Q]) = logsumexp(f, P)'],
  chan: () => ['/// The entries of f past the first column.', 'def chan(f: [P, Q]) = sum(f[r, o], (r, o), where: o > 0)'],
  tailmean: () => ['/// Reduces the last axis, after any leading ones.', 'def tailmean(f: [..., Q]) = mean(softplus(f), Q)'],
  rowdot: (r: Render) => ["/// Rows of f against g, g lined up with f's second axis by name.", `def rowdot(f: [P, Q], g: [Q]) = sum(${r('f', '*', 'tanh(g)')}, Q)`],
  outer: (r: Render) => ['/// Two one-axis values combined (an outer product when their axes differ).', `def outer(f: [P], g: [Q]) = ${r('f', '*', 'g')}`],
  outerqp: (r: Render) => ['/// The outer product of two one-axis values, declared with the second one first.', `def outerqp(f: [P], g: [Q]) -> [Q, P] = ${r('f', '*', 'g')}`],
} as const;
type DefName = keyof typeof DEFS;

interface Param {
  readonly name: string;
  readonly type: string;
  readonly leaf: Ex;
}

class Generator {
  private readonly bindings: { name: string; value: Ex }[] = [];
  private readonly leaves: Ex[];
  private readonly bools: Ex[];
  private readonly classes: boolean;
  /** The `where` bindings: the name each defines, and its text. */
  readonly where: { name: string; text: string }[] = [];

  constructor(
    private readonly rng: Rng,
    private readonly params: readonly Param[],
    private readonly dimOrder: readonly string[],
    private readonly r: Render,
    private readonly used: Set<DefName>,
  ) {
    this.leaves = params.map((p) => p.leaf).filter((l) => l.elem !== 'bool');
    this.bools = params.map((p) => p.leaf).filter((l) => l.elem === 'bool');
    this.classes = params.some((p) => p.type.startsWith('index'));
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rng() * xs.length)]!;
  }

  private chance(p: number): boolean {
    return this.rng() < p;
  }

  private subset(axes: readonly string[]): string[] {
    const some = axes.filter(() => this.chance(0.5));
    return some.length > 0 ? some : [this.pick(axes)];
  }

  private shuffled<T>(xs: readonly T[]): T[] {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.rng() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** The canonical order (axes.ts canonicalAxes): by dim as the loss declares them, the dim's own axis before its copies, copies alphabetically. */
  private canonical(axes: readonly string[]): string[] {
    const rank = (a: string): number => {
      const k = this.dimOrder.indexOf(dimOf(a));
      return k >= 0 ? k : this.dimOrder.length;
    };
    const copy = (a: string): number => (a === dimOf(a) ? 0 : 1);
    return named(axes).sort((a, b) => rank(a) - rank(b) || copy(a) - copy(b) || (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The order positional indexing, a left side or a pattern reads `e`'s axes in. */
  private positional(e: Ex): string[] {
    return e.order ? [...e.order] : this.canonical(e.axes);
  }

  /** The order an operation on `operands` with result axes `axes` inherits (order.ts inheritedOrder). */
  private inherit(axes: readonly string[], operands: readonly Ex[]): string[] | undefined {
    const want = named(axes);
    let found: string[] | undefined;
    for (const op of operands) {
      if (!op.order || !want.every((n) => op.order!.includes(n))) continue;
      const order = op.order.filter((n) => want.includes(n));
      if (found && found.join() !== order.join()) return undefined;
      found = order;
    }
    return found && found.length === want.length ? found : undefined;
  }

  /** An operation of `operands` with result `text`: union of axes, inherited order, the operands' variables. */
  private combine(text: string, elem: Elem, operands: readonly Ex[]): Ex {
    const axes = union(...operands.map((o) => o.axes));
    const order = this.inherit(axes, operands);
    return { text, elem, axes, ...(order ? { order } : {}), vars: union(...operands.map((o) => o.vars ?? [])) };
  }

  /** `e` with the axes `removed` reduced (sum, or any for a condition). */
  private reduceAway(e: Ex, removed: readonly string[]): Ex {
    if (removed.length === 0) return e;
    const over = removed.length === 1 ? removed[0]! : `(${removed.join(', ')})`;
    const axes = e.axes.filter((a) => !removed.includes(a));
    const text = e.elem === 'bool' ? `any(${e.text}, ${over})` : `sum(${e.text}, ${over})`;
    return { text, elem: e.elem, axes, ...(e.order ? { order: e.order.filter((a) => !removed.includes(a)) } : {}), ...(e.vars ? { vars: e.vars } : {}) };
  }

  /** `b` with enough of its own axes reduced that `a` and `b` together have at most MAX_AXES. */
  private fit(a: Ex, b: Ex, room = MAX_AXES): Ex {
    const over = named(union(a.axes, b.axes)).length - room;
    if (over <= 0) return b;
    const own = named(b.axes).filter((x) => !a.axes.includes(x));
    return this.reduceAway(b, own.slice(0, over));
  }

  /** A real (or int) expression. */
  real(depth: number): Ex {
    if (depth <= 0 || this.chance(0.15)) return this.leaf();
    const d = depth - 1;
    const r = this.rng();
    if (r < 0.16) {
      const u = this.real(d);
      return { ...u, text: this.pick(UNARY)(u.text, this.r), elem: 'real' };
    }
    if (r < 0.38) return this.binary(d);
    if (r < 0.46) {
      const c = this.bool(d);
      const a = this.fit(c, this.real(d));
      const b = this.fit(this.combine('', 'real', [c, a]), this.real(d));
      const text = this.chance(0.5) ? `(if ${c.text} then ${a.text} else ${b.text})` : `select(${c.text}, ${a.text}, ${b.text})`;
      return this.combine(text, 'real', [c, a, b]);
    }
    if (r < 0.62) return this.reduction(d);
    if (r < 0.67) {
      const u = this.real(d);
      const axes = named(u.axes);
      if (axes.length === 0) return u;
      return { ...u, text: `${this.pick(['softmax', 'log_softmax'])}(${u.text}, ${this.pick(axes)})`, elem: 'real' };
    }
    if (r < 0.72 && this.classes) return this.gather(d);
    if (r < 0.79) return this.pairwise();
    if (r < 0.85) return this.indexed(d);
    if (r < 0.92) return this.call(d);
    if (r < 0.97) return this.chance(0.4) ? this.bind(this.real(d)) : this.bindNamed(this.real(d));
    if (this.bindings.length > 0) return this.pick(this.bindings).value;
    return this.leaf();
  }

  /**
   * A loss's body: half the time an elementwise operation of two values, whose result (or
   * per-sample losses) the two forms produce with their axes in different orders.
   */
  body(depth: number): Ex {
    return depth > 0 && this.chance(0.5) ? this.binary(depth - 1) : this.real(depth);
  }

  private binary(d: number): Ex {
    const a = this.real(d);
    const b = this.fit(a, this.real(d));
    const elem: Elem = a.elem === 'int' && b.elem === 'int' ? 'int' : 'real';
    const form = this.pick(['+', '-', '*', '/', 'max', 'min', 'lerp'] as const);
    const r = this.r;
    if (form === '/') return this.combine(r(a.text, '/', r('1', '+', `square(${b.text})`)), 'real', [a, b]);
    if (form === 'max' || form === 'min') return this.combine(r(a.text, form, b.text), elem, [a, b]);
    if (form === 'lerp') {
      // lerp(a, b, w) = a + w * (b - a): b - a inherits from b and a, the sum from a and that.
      const inner = this.inherit(union(a.axes, b.axes), [b, a]);
      const axes = union(a.axes, b.axes);
      const order = this.inherit(axes, [a, { ...b, ...(inner ? { order: inner } : { order: undefined }) }]);
      return { text: `lerp(${a.text}, ${b.text}, 0.25)`, elem: 'real', axes, ...(order ? { order } : {}), vars: union(a.vars ?? [], b.vars ?? []) };
    }
    return this.combine(r(a.text, form, b.text), elem, [a, b]);
  }

  private reduction(d: number): Ex {
    const u = this.real(d);
    if (u.axes.length === 0) return u;
    const op = this.pick(REDUCTIONS);
    const elem: Elem = op === 'mean' || op === 'logsumexp' || u.elem === 'real' ? 'real' : 'int';
    // '...' cannot be named: only a reduction over everything removes it.
    const axes = named(u.axes);
    if (axes.length === 0 || this.chance(0.1)) return { text: `${op}(${u.text})`, elem, axes: [], order: [], ...(u.vars ? { vars: u.vars } : {}) };
    const removed = this.subset(axes);
    const out = this.reduceAway(u, removed);
    const over = removed.length === 1 ? removed[0]! : `(${removed.join(', ')})`;
    if (!this.chance(0.35)) return { ...out, text: `${op}(${u.text}, ${over})`, elem };
    // A mask over some of the operand's axes; empty rows get an explicit value.
    const mask = this.boolOver(u, d);
    // An int result holds whole numbers only (E3009).
    const empty = op === 'sum' ? '' : `, empty: ${this.pick(elem === 'int' ? ['0', '-1', '3'] : ['0', '-1', '2.5'])}`;
    return { ...out, text: `${op}(${u.text}, ${over}, where: ${mask.text}${empty})`, elem };
  }

  /** `log_softmax(s, C)[t]`-like gathers of an [N, C] tensor by the class indices t: [N]. */
  private gather(d: number): Ex {
    const u = this.realOver(['N', 'C'], d);
    const s = this.params.find((p) => p.name === 's')!.leaf;
    const scores = this.chance(0.5) ? { text: 'log_softmax(s, C)', elem: 'real' as Elem, axes: ['N', 'C'], order: ['N', 'C'] } : this.combine(this.r('s', '*', u.text), 'real', [s, u]);
    const bound = this.bind(scores);
    return { text: `${bound.text}[t]`, elem: 'real', axes: ['N'], order: ['N'] };
  }

  /**
   * Index variables: two copies of an input's first axis (`x[i] - x[j]`, `x[i] * y[j]`),
   * named by a binding (`pd[i, j] = ...`, or transposed, `pd[j, i] = ...`, or not at all), then
   * used whole or re-indexed and reduced under a mask over the variables.
   */
  private pairwise(): Ex {
    const inputs = this.leaves.filter((l) => l.elem === 'real' && /^(x\d|s)$/.test(l.text) && named(l.axes).length > 0);
    if (inputs.length === 0) return this.leaf();
    const x = this.pick(inputs);
    const first = x.order![0]!;
    const [u, w] = VARS[dimOf(first)]!;
    const others = inputs.filter((l) => dimOf(l.order![0]!) === dimOf(first));
    const y = this.pick(others);
    const at = (e: Ex, v: string): Ex => ({ text: `${e.text}[${v}]`, elem: 'real', axes: e.axes.map((a) => (a === e.order![0] ? v : a)), order: [v, ...e.order!.slice(1)], vars: [v] });
    const [xu, xw, yw] = [at(x, u), at(x, w), at(y, w)];
    const r = this.r;
    const form = this.rng();
    let e: Ex;
    if (form < 0.25) e = this.combine(`${r(xu.text, '-', xw.text)}^2`, 'real', [xu, xw]);
    else if (form < 0.5) e = this.combine(`softplus${r(xu.text, '-', xw.text)}`, 'real', [xu, xw]);
    else if (form < 0.75) e = this.combine(r(xu.text, '*', yw.text), 'real', [xu, yw]);
    else e = this.combine(r(`sigmoid(${xu.text})`, '*', xw.text), 'real', [xu, xw]);
    const rest = named(e.axes).filter((a) => a !== u && a !== w);
    if (rest.length > 0) e = { ...this.reduceAway(e, rest), text: `${this.pick(['sum', 'mean'])}(${e.text}, ${rest.length === 1 ? rest[0] : `(${rest.join(', ')})`})` };
    const name = `pd${this.where.length + 1}`;
    const lhs = this.pick([[u, w], [w, u], undefined]);
    this.where.push({ name, text: `${name}${lhs ? `[${lhs.join(', ')}]` : ''} = ${e.text}` });
    const order = lhs ?? this.positional(e);
    const bound: Ex = { text: name, elem: 'real', axes: e.axes, order };
    this.bindings.push({ name, value: bound });
    if (this.chance(0.3)) return bound;
    // Re-indexed by position: pd[u, w] on a binding declared [w, u] is its transpose.
    const indexed: Ex = { text: `${name}[${u}, ${w}]`, elem: 'real', axes: e.axes.map((a) => (a === order[0] ? u : a === order[1] ? w : a)), order: [u, w], vars: [u, w] };
    const op = this.pick(['max', 'min', 'mean', 'sum', 'logsumexp']);
    const mask = this.pairMask(u, w);
    const empty = op === 'sum' ? '' : `, empty: ${this.pick(['0', '-1'])}`;
    return { ...this.reduceAway(indexed, [w]), text: `${op}(${indexed.text}, ${w}, where: ${mask}${empty})` };
  }

  /** A mask over two index variables of one dim that the operand introduced (so they have sizes). */
  private pairMask(u: string, w: string): string {
    const r = this.r;
    const lab = dimOf(u) === 'N' && this.leaves.some((l) => l.text === 'lab');
    const forms = [r(u, '!=', w), `(${u} < ${w})`, ...(lab ? [r(`lab[${u}]`, '==', `lab[${w}]`), r(`lab[${u}]`, '!=', `lab[${w}]`), r(r(`lab[${u}]`, '==', `lab[${w}]`), 'and', r(u, '!=', w))] : [])];
    return this.pick(forms);
  }

  /**
   * A named value indexed by position (`v[i]`, `x1[p, i]`): its first axes, in its declared,
   * inherited or canonical order, renamed to index variables of their dims.
   */
  private indexed(d: number): Ex {
    const named_ = [...this.leaves.filter((l) => /^(x\d|s|lab)$/.test(l.text)), ...this.bindings.map((b) => b.value)].filter((e) => named(e.axes).length > 0);
    if (named_.length === 0) return this.real(d);
    const e = this.pick(named_);
    const order = this.positional(e);
    const count = order.length > 1 && this.chance(0.5) ? 2 : 1;
    const list: string[] = [];
    for (let k = 0; k < count; k++) {
      const v = VARS[dimOf(order[k]!)]?.find((x) => !e.axes.includes(x) && !list.includes(x));
      if (!v) break;
      list.push(v);
    }
    if (list.length === 0) return e;
    const renamed = (a: string): string => {
      const k = order.indexOf(a);
      return k >= 0 && k < list.length ? list[k]! : a;
    };
    return { text: `${e.text}[${list.join(', ')}]`, elem: e.elem, axes: e.axes.map(renamed), order: order.map(renamed), vars: list };
  }

  /** A real expression with exactly `n` named axes and no `...` (a pattern's argument), or undefined. */
  private withAxes(n: number, d: number): Ex | undefined {
    for (let tries = 0; tries < 6; tries++) {
      const u = this.real(d);
      if (named(u.axes).length === n && !u.axes.includes(REST)) return u;
    }
    // Products of inputs of other shapes: w * x with w: [D], x: [N, D]; x0 * x1 with [N] and [D].
    const leaves = this.leaves.filter((l) => l.elem === 'real' && !l.axes.includes(REST) && named(l.axes).length <= n);
    const pairs = leaves.flatMap((a) => leaves.map((b) => [a, b] as const)).filter(([a, b]) => named(union(a.axes, b.axes)).length === n);
    if (pairs.length === 0) return undefined;
    const [a, b] = this.pick(pairs);
    return this.combine(this.r(a.text, '*', b.text), 'real', [a, b]);
  }

  /** A call of a def with a shape pattern, on an argument whose order decides what the pattern takes. */
  private call(d: number): Ex {
    const which = this.pick(['lastsum', 'firstlse', 'chan', 'tailmean', 'rowdot', 'outer'] as const);
    if (which === 'tailmean') {
      const u = this.real(d);
      const order = this.positional(u);
      if (order.length === 0) return u;
      this.used.add(which);
      const last = order[order.length - 1]!;
      return { text: `tailmean(${u.text})`, elem: 'real', axes: u.axes.filter((a) => a !== last), order: order.slice(0, -1), vars: u.vars ?? [] };
    }
    if (which === 'outer') {
      const f = this.withAxes(1, d);
      const g = f && this.withAxes(1, d);
      if (!f || !g) return f ?? this.leaf();
      const axes = union(f.axes, g.axes);
      const vars = union(f.vars ?? [], g.vars ?? []);
      // A declared result is the order positional indexing reads.
      if (axes.length === 2 && this.chance(0.5)) {
        this.used.add('outerqp');
        return { text: `outerqp(${f.text}, ${g.text})`, elem: 'real', axes, order: [g.axes[0]!, f.axes[0]!], vars };
      }
      this.used.add(which);
      // Inside, f and g have their patterns' orders [P] and [Q]; their product inherits one only when they share the axis.
      return { text: `outer(${f.text}, ${g.text})`, elem: 'real', axes, ...(axes.length === 1 ? { order: axes } : {}), vars };
    }
    const f = this.withAxes(2, d);
    if (!f) return this.leaf();
    const [p, q] = this.positional(f) as [string, string];
    const vars = f.vars ?? [];
    if (which === 'chan') {
      this.used.add(which);
      return { text: `chan(${f.text})`, elem: 'real', axes: [], order: [], vars };
    }
    if (which === 'firstlse') {
      this.used.add(which);
      return { text: `firstlse(${f.text})`, elem: 'real', axes: [q], order: [q], vars };
    }
    if (which === 'rowdot') {
      const g = this.alongOnly(q, d);
      if (g) {
        this.used.add(which);
        return { text: `rowdot(${f.text}, ${g.text})`, elem: 'real', axes: [p], order: [p], vars: union(vars, g.vars ?? []) };
      }
    }
    this.used.add('lastsum');
    return { text: `lastsum(${f.text})`, elem: 'real', axes: [p], order: [p], vars };
  }

  /**
   * A real expression with the one axis `axis` (a dim, or an index variable): drawn, else an
   * input with that dim (indexed by the variable) with its other axes summed away.
   */
  private alongOnly(axis: string, d: number): Ex | undefined {
    for (let tries = 0; tries < 3; tries++) {
      const g = this.real(d);
      if (g.axes.length === 1 && g.axes[0] === axis) return g;
    }
    const dim = dimOf(axis);
    const inputs = this.leaves.filter((l) => l.elem === 'real' && !l.axes.includes(REST) && l.order?.[0] === dim);
    if (inputs.length === 0) return undefined;
    const x = this.pick(inputs);
    const at: Ex = axis === dim ? x : { text: `${x.text}[${axis}]`, elem: 'real', axes: x.axes.map((a) => (a === dim ? axis : a)), order: [axis, ...x.order!.slice(1)], vars: [axis] };
    const rest = named(at.axes).filter((a) => a !== axis);
    return rest.length === 0 ? at : this.reduceAway(at, rest);
  }

  /** A real expression whose axes all belong to `axes`. */
  private realOver(axes: readonly string[], depth: number): Ex {
    for (let tries = 0; tries < 8; tries++) {
      const u = this.real(depth);
      if (u.axes.every((a) => axes.includes(a))) return u;
    }
    return { text: '0.5', elem: 'real', axes: [] };
  }

  /** A condition. */
  bool(depth: number): Ex {
    const r = this.rng();
    if (depth <= 0 || r < 0.2) {
      if (this.bools.length > 0 && this.chance(0.6)) return this.pick(this.bools);
      const u = this.leaf();
      return { ...u, text: `(${u.text} > ${this.pick(['0', '0.5', '-1'])})`, elem: 'bool' };
    }
    const d = depth - 1;
    if (r < 0.6) {
      const a = this.real(d);
      const b = this.fit(a, this.real(d));
      const op = this.pick(['<', '<=', '>', '>=', '!=', '=='] as const);
      return this.combine(this.r(a.text, op, b.text), 'bool', [a, b]);
    }
    if (r < 0.85) {
      const a = this.bool(d);
      const b = this.fit(a, this.bool(d));
      return this.combine(this.r(a.text, this.pick(['and', 'or']), b.text), 'bool', [a, b]);
    }
    const a = this.bool(d);
    return { ...a, text: `(not ${a.text})` };
  }

  /** A condition whose axes all belong to those of `operand` (a reduction mask). */
  private boolOver(operand: Ex, depth: number): Ex {
    const axes = operand.axes;
    // Index variables the operand introduced have sizes by the time the mask is checked.
    const own = (operand.vars ?? []).filter((v) => axes.includes(v));
    const pair = own.flatMap((u) => own.filter((w) => u < w && dimOf(u) === dimOf(w)).map((w) => [u, w] as const));
    if (pair.length > 0 && this.chance(0.4)) {
      const [u, w] = this.pick(pair);
      return { text: this.pairMask(u, w), elem: 'bool', axes: [u, w] };
    }
    if (own.length > 0 && this.chance(0.2)) {
      const u = this.pick(own);
      return { text: `(${u} > 0)`, elem: 'bool', axes: [u] };
    }
    for (let tries = 0; tries < 8; tries++) {
      const c = this.bool(depth);
      if (c.axes.every((a) => axes.includes(a))) return c;
    }
    const x = this.leaves.find((l) => l.axes.length > 0 && l.axes.every((a) => axes.includes(a)));
    return x ? { ...x, text: `(${x.text} > 0)`, elem: 'bool' } : { text: '(1 > 0)', elem: 'bool', axes: [] };
  }

  private leaf(): Ex {
    const r = this.rng();
    if (r < 0.12) return { text: this.pick(['0.5', '2', '1e-3', '3']), elem: 'real', axes: [] };
    const dims = this.sizedDims();
    if (r < 0.18 && dims.length > 0) return { text: this.r(this.pick(dims), '*', '1'), elem: 'real', axes: [] };
    return this.pick(this.leaves);
  }

  private sizedDims(): string[] {
    return union(...this.params.map((p) => p.leaf.axes)).filter((a) => a !== REST);
  }

  /** Names `value` in the where-clause; later picks may use the name again. */
  private bind(value: Ex): Ex {
    const named_: Ex = { text: `v${this.bindings.length + 1}`, elem: value.elem, axes: value.axes, ...(value.order ? { order: value.order } : {}) };
    this.bindings.push({ name: named_.text, value: named_ });
    this.where.push({ name: named_.text, text: `${named_.text} = ${value.text}` });
    return named_;
  }

  /**
   * Names `value` with a left side: the index variables its own indexing left as axes (they
   * must be listed), in a random order, then maybe fresh variables naming its remaining axes
   * in its declared (or inherited, or canonical) order.
   */
  private bindNamed(value: Ex): Ex {
    const order = this.positional(value);
    const mustList = this.shuffled((value.vars ?? []).filter((v) => value.axes.includes(v)));
    const lhs = [...mustList];
    const remaining = order.filter((a) => !lhs.includes(a));
    const renames = new Map<string, string>();
    const fresh = Math.floor(this.rng() * 3);
    for (let k = 0; k < Math.min(fresh, remaining.length); k++) {
      const a = remaining[k]!;
      const v = VARS[dimOf(a)]?.find((x) => !value.axes.includes(x) && !lhs.includes(x) && !(value.vars ?? []).includes(x));
      if (!v) break;
      lhs.push(v);
      renames.set(a, v);
    }
    if (lhs.length === 0) return this.bind(value);
    const to = (a: string): string => renames.get(a) ?? a;
    const name = `w${this.bindings.length + 1}`;
    const after = order.map(to);
    const bound: Ex = { text: name, elem: value.elem, axes: value.axes.map(to), order: [...lhs, ...after.filter((a) => !lhs.includes(a))] };
    this.bindings.push({ name, value: bound });
    this.where.push({ name, text: `${name}[${lhs.join(', ')}] = ${value.text}` });
    return bound;
  }
}

const COMMUTATIVE = new Set(['+', '*', '==', '!=', 'and', 'or', 'max', 'min']);

function renderer(options: GenerateOptions): Render {
  const swap = (op: string): boolean => options.mirror === true && (COMMUTATIVE.has(op) || (options.mirrorNonCommutative === true && (op === '-' || op === '/')));
  return (a, op, b) => {
    const [x, y] = swap(op) ? [b, a] : [a, b];
    return op === 'max' || op === 'min' ? `${op}(${x}, ${y})` : `(${x} ${op} ${y})`;
  };
}

/**
 * A random program over a random signature, with one or two losses; `size` bounds the
 * expression depth. `{ mirror: true }` gives the same program with commutative operands
 * swapped and bindings reordered.
 */
export function generateProgram(seed: number, size: number, options: GenerateOptions = {}): GeneratedProgram {
  const rng = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  // Sometimes every real input takes any leading dims ('...', the same for all of them).
  const shapes = rng() < 0.25 ? [[REST], [REST, 'D'], [REST, 'D']] : [['N'], ['D'], ['N', 'D'], ['D', 'N']];
  const params: Param[] = [];
  const nReal = 1 + Math.floor(rng() * 3);
  for (let k = 0; k < nReal; k++) {
    const axes = pick(shapes);
    params.push({ name: `x${k}`, type: `[${axes.join(', ')}]`, leaf: { text: `x${k}`, elem: 'real', axes, order: named(axes) } });
  }
  if (rng() < 0.3) params.push({ name: 'lab', type: 'int[N]', leaf: { text: 'lab', elem: 'int', axes: ['N'], order: ['N'] } });
  if (rng() < 0.3) params.push({ name: 'm', type: 'bool[N, D]', leaf: { text: 'm', elem: 'bool', axes: ['N', 'D'], order: ['N', 'D'] } });
  if (rng() < 0.3) {
    params.push({ name: 's', type: '[N, C]', leaf: { text: 's', elem: 'real', axes: ['N', 'C'], order: ['N', 'C'] } });
    params.push({ name: 't', type: 'index[N] of C', leaf: { text: 'real(t)', elem: 'real', axes: ['N'], order: ['N'] } });
  }
  const hypers = [
    { decl: 'k: real in [0, inf) = 0.5', leaf: { text: 'k', elem: 'real' as Elem, axes: [] } },
    { decl: 'flag: bool = false', leaf: { text: 'flag', elem: 'bool' as Elem, axes: [] } },
    { decl: 'n: int in [1, 5] = 2', leaf: { text: 'n', elem: 'int' as Elem, axes: [] } },
  ].filter(() => rng() < 0.4);
  for (const h of hypers) params.push({ name: h.leaf.text, type: h.decl, leaf: h.leaf });
  // The order the loss declares its dims in: first appearance in the parameters.
  const dimOrder = union(...params.map((p) => named(p.leaf.axes)), params.some((p) => p.name === 't') ? ['C'] : []);

  const r = renderer(options);
  const used = new Set<DefName>(['sq', 'lerp']);
  const signature = params.map((p) => (p.type.includes(':') ? p.type : `${p.name}: ${p.type}`)).join(', ');
  const losses: string[] = [];
  const names = rng() < 0.4 ? ['fz', 'fz2'] : ['fz'];
  for (const name of names) {
    const g = new Generator(rng, params, dimOrder, r, used);
    const body = g.body(size);
    const outer = pick(['mean', 'sum']);
    const axes = named(body.axes);
    const form = rng();
    let top: string;
    let result = body.axes;
    if (body.axes.length === 0) top = form < 0.5 ? `${outer}(${body.text})` : body.text;
    // Over every axis (a `reduction` option), the result itself, or over some named axes.
    else if (form < 0.55) [top, result] = [`${outer}(${body.text})`, []];
    else if (form < 0.8 || axes.length === 0) top = body.text;
    else {
      const some = axes.filter(() => rng() < 0.5);
      const over = some.length > 0 ? some : [pick(axes)];
      top = `${outer}(${body.text}, ${over.length === 1 ? over[0] : `(${over.join(', ')})`})`;
      result = body.axes.filter((a) => !over.includes(a));
    }
    // Sometimes a non-scalar result declares its shape, in an order of its own: what callers see.
    let declared = '';
    if (named(result).length > 0 && rng() < 0.35) {
      const order = named(result);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      declared = ` -> [${[...(result.includes(REST) ? [REST] : []), ...order].join(', ')}]`;
    }
    // Only the bindings the loss uses (drafts that did not fit were left behind): every draw is
    // made, so both forms keep the same ones.
    const uses = (text: string, name: string): boolean => new RegExp(`\\b${name}\\b`).test(text);
    const kept = new Set<string>();
    for (let grew = true; grew; ) {
      grew = false;
      for (const b of g.where) {
        if (kept.has(b.name) || !(uses(top, b.name) || g.where.some((o) => kept.has(o.name) && uses(o.text.slice(o.text.indexOf('=')), b.name)))) continue;
        kept.add(b.name);
        grew = true;
      }
    }
    const where = g.where.filter((b) => kept.has(b.name)).map((b) => b.text);
    // `where` bindings may come in any order: shuffle them; the mirror takes them the other way.
    for (let i = where.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [where[i], where[j]] = [where[j]!, where[i]!];
    }
    if (options.mirror) where.reverse();
    losses.push(
      [`/// Generated (seed ${seed}, size ${size}).`, `loss ${name}(${signature})${declared} =`, `  ${top}`, ...(where.length > 0 ? ['  where', ...where.map((w) => `    ${w}`)] : [])].join('\n'),
    );
  }
  // sq and lerp always (as before), the pattern defs a loss calls.
  const calls = (d: DefName): boolean => d === 'sq' || d === 'lerp' || losses.some((l) => l.includes(`${d}(`));
  const defs = (Object.keys(DEFS) as DefName[]).filter((d) => used.has(d) && calls(d)).flatMap((d) => DEFS[d](r));
  const text = `${defs.join('\n')}\n\n${losses.join('\n\n')}\n`;
  return { text, loss: 'fz', losses: names };
}
