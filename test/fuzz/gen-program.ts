// Grammar-driven generation of well-typed loss programs. Each expression is built together
// with its type (element type and named axes, by the language's rules: binary operations take
// the union of their operands' axes, reductions remove the axes they name, a class-index
// gather swaps the class axis for the index's axes), so every program should check cleanly.
// Values stay well-conditioned (division by 1 + u², logarithms of 1 + |u|, exp of a tanh), so
// float32 and float64 agree to a few ulps of the inputs and comparisons find real bugs.

export type Elem = 'real' | 'int' | 'bool';

interface Ex {
  readonly text: string;
  readonly elem: Elem;
  /** Named axes, in first-appearance order. */
  readonly axes: readonly string[];
}

export interface GeneratedProgram {
  readonly text: string;
  readonly loss: string;
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

/** Well-conditioned real functions of one real operand. */
const UNARY: readonly ((u: string) => string)[] = [
  (u) => `abs(${u})`,
  (u) => `square(${u})`,
  (u) => `sigmoid(${u})`,
  (u) => `tanh(${u})`,
  (u) => `softplus(${u})`,
  (u) => `log_sigmoid(${u})`,
  (u) => `relu(${u})`,
  (u) => `-(${u})`,
  (u) => `log1p(square(${u}))`,
  (u) => `sqrt(1 + square(${u}))`,
  (u) => `exp(tanh(${u}))`,
  (u) => `expm1(tanh(${u}))`,
  (u) => `cosh(tanh(${u}))`,
  (u) => `erf(${u})`,
  (u) => `atan(${u})`,
  (u) => `log(1 + abs(${u}))`,
  (u) => `(1 + square(${u}))^0.5`,
  (u) => `clamp(${u}, -1, 1)`,
  (u) => `sq(${u})`,
];

const REDUCTIONS = ['sum', 'mean', 'max', 'min', 'logsumexp'] as const;

class Generator {
  private readonly bindings: { name: string; value: Ex }[] = [];
  private readonly leaves: Ex[];
  private readonly bools: Ex[];
  private readonly classes: boolean;

  constructor(
    private readonly rng: Rng,
    private readonly params: readonly { name: string; type: string; leaf: Ex }[],
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

  /** A real (or int) expression. */
  real(depth: number): Ex {
    if (depth <= 0 || this.chance(0.15)) return this.leaf();
    const d = depth - 1;
    const r = this.rng();
    if (r < 0.18) {
      const u = this.real(d);
      return { text: this.pick(UNARY)(u.text), elem: 'real', axes: u.axes };
    }
    if (r < 0.42) {
      const [a, b] = [this.real(d), this.real(d)];
      const axes = union(a.axes, b.axes);
      const elem: Elem = a.elem === 'int' && b.elem === 'int' ? 'int' : 'real';
      const form = this.pick(['+', '-', '*', '/', 'max', 'min', 'lerp'] as const);
      if (form === '/') return { text: `(${a.text} / (1 + square(${b.text})))`, elem: 'real', axes };
      if (form === 'max' || form === 'min') return { text: `${form}(${a.text}, ${b.text})`, elem, axes };
      if (form === 'lerp') return { text: `lerp(${a.text}, ${b.text}, 0.25)`, elem: 'real', axes };
      return { text: `(${a.text} ${form} ${b.text})`, elem, axes };
    }
    if (r < 0.52) {
      const [c, a, b] = [this.bool(d), this.real(d), this.real(d)];
      const axes = union(c.axes, a.axes, b.axes);
      const text = this.chance(0.5) ? `(if ${c.text} then ${a.text} else ${b.text})` : `select(${c.text}, ${a.text}, ${b.text})`;
      return { text, elem: 'real', axes };
    }
    if (r < 0.72) return this.reduction(d);
    if (r < 0.8) {
      const u = this.real(d);
      const named = u.axes.filter((a) => a !== REST);
      if (named.length === 0) return u;
      return { text: `${this.pick(['softmax', 'log_softmax'])}(${u.text}, ${this.pick(named)})`, elem: 'real', axes: u.axes };
    }
    if (r < 0.86 && this.classes) return this.gather(d);
    if (r < 0.9) return this.pairwise();
    if (r < 0.95) return this.bind(this.real(d));
    if (this.bindings.length > 0) return this.pick(this.bindings).value;
    return this.leaf();
  }

  private reduction(d: number): Ex {
    const u = this.real(d);
    if (u.axes.length === 0) return u;
    const op = this.pick(REDUCTIONS);
    const elemOf: Elem = op === 'mean' || op === 'logsumexp' || u.elem === 'real' ? 'real' : 'int';
    // '...' cannot be named: only a reduction over everything removes it.
    const named = u.axes.filter((a) => a !== REST);
    if (named.length === 0 || this.chance(0.1)) return { text: `${op}(${u.text})`, elem: elemOf, axes: [] };
    const removed = this.subset(named);
    const axes = u.axes.filter((a) => !removed.includes(a));
    const over = removed.length === 1 ? removed[0]! : `(${removed.join(', ')})`;
    const elem: Elem = op === 'mean' || op === 'logsumexp' || u.elem === 'real' ? 'real' : 'int';
    if (!this.chance(0.35)) return { text: `${op}(${u.text}, ${over})`, elem, axes };
    // A mask over some of the operand's axes; empty rows get an explicit value.
    const mask = this.boolOver(u.axes, d);
    const empty = op === 'sum' ? '' : `, empty: ${this.pick(['0', '-1', '2.5'])}`;
    return { text: `${op}(${u.text}, ${over}, where: ${mask.text}${empty})`, elem, axes };
  }

  /** `log_softmax(s, C)[t]`-like gathers of an [N, C] tensor by the class indices t: [N]. */
  private gather(d: number): Ex {
    const u = this.realOver(['N', 'C'], d);
    const scores = this.chance(0.5) ? 'log_softmax(s, C)' : `(s * ${u.text})`;
    const bound = this.bind({ text: scores, elem: 'real', axes: ['N', 'C'] });
    return { text: `${bound.text}[t]`, elem: 'real', axes: ['N'] };
  }

  /** Index variables: distances between the rows of an input whose first axis is N. */
  private pairwise(): Ex {
    const x = this.leaves.find((l) => l.elem === 'real' && l.axes[0] === 'N' && /^x\d$/.test(l.text));
    if (!x) return this.leaf();
    const rest = x.axes.slice(1);
    const diff = `(${x.text}[i] - ${x.text}[j])^2`;
    const name = `pd${this.where.length + 1}`;
    this.where.push(`${name}[i, j] = ${rest.length > 0 ? `sum(${diff}, ${rest.join(', ')})` : diff}`);
    if (this.chance(0.3)) return { text: name, elem: 'real', axes: ['i', 'j'] };
    const op = this.pick(['max', 'min', 'mean']);
    return { text: `${op}(${name}[i, j], j, where: i != j, empty: 0)`, elem: 'real', axes: ['i'] };
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
      return { text: `(${u.text} > ${this.pick(['0', '0.5', '-1'])})`, elem: 'bool', axes: u.axes };
    }
    const d = depth - 1;
    if (r < 0.6) {
      const [a, b] = [this.real(d), this.real(d)];
      return { text: `(${a.text} ${this.pick(['<', '<=', '>', '>=', '!='])} ${b.text})`, elem: 'bool', axes: union(a.axes, b.axes) };
    }
    if (r < 0.85) {
      const [a, b] = [this.bool(d), this.bool(d)];
      return { text: `(${a.text} ${this.pick(['and', 'or'])} ${b.text})`, elem: 'bool', axes: union(a.axes, b.axes) };
    }
    const a = this.bool(d);
    return { text: `(not ${a.text})`, elem: 'bool', axes: a.axes };
  }

  /** A condition whose axes all belong to `axes` (a reduction mask). */
  private boolOver(axes: readonly string[], depth: number): Ex {
    for (let tries = 0; tries < 8; tries++) {
      const c = this.bool(depth);
      if (c.axes.every((a) => axes.includes(a))) return c;
    }
    const x = this.leaves.find((l) => l.axes.length > 0 && l.axes.every((a) => axes.includes(a)));
    return x ? { text: `(${x.text} > 0)`, elem: 'bool', axes: x.axes } : { text: '(1 > 0)', elem: 'bool', axes: [] };
  }

  private leaf(): Ex {
    const r = this.rng();
    if (r < 0.12) return { text: this.pick(['0.5', '2', '1e-3', '3']), elem: 'real', axes: [] };
    const dims = this.sizedDims();
    if (r < 0.18 && dims.length > 0) return { text: `(${this.pick(dims)} * 1)`, elem: 'real', axes: [] };
    return this.pick(this.leaves);
  }

  private sizedDims(): string[] {
    return union(...this.params.map((p) => p.leaf.axes)).filter((a) => a !== REST);
  }

  /** Names `value` in the where-clause; later picks may use the name again. */
  private bind(value: Ex): Ex {
    const named = { ...value, text: `v${this.bindings.length + 1}` };
    this.bindings.push({ name: named.text, value: named });
    this.where.push(`${named.text} = ${value.text}`);
    return named;
  }

  readonly where: string[] = [];
}

/** A random loss over a random signature; `size` bounds the expression depth. */
export function generateProgram(seed: number, size: number): GeneratedProgram {
  const rng = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  // Sometimes every real input takes any leading dims ('...', the same for all of them).
  const shapes = rng() < 0.3 ? [[REST], [REST, 'D'], [REST, 'D']] : [['N'], ['D'], ['N', 'D'], ['D', 'N']];
  const params: { name: string; type: string; leaf: Ex }[] = [];
  const nReal = 1 + Math.floor(rng() * 3);
  for (let k = 0; k < nReal; k++) {
    const axes = pick(shapes);
    params.push({ name: `x${k}`, type: `[${axes.join(', ')}]`, leaf: { text: `x${k}`, elem: 'real', axes } });
  }
  if (rng() < 0.3) params.push({ name: 'lab', type: 'int[N]', leaf: { text: 'lab', elem: 'int', axes: ['N'] } });
  if (rng() < 0.3) params.push({ name: 'm', type: 'bool[N, D]', leaf: { text: 'm', elem: 'bool', axes: ['N', 'D'] } });
  if (rng() < 0.3) {
    params.push({ name: 's', type: '[N, C]', leaf: { text: 's', elem: 'real', axes: ['N', 'C'] } });
    params.push({ name: 't', type: 'index[N] of C', leaf: { text: 'real(t)', elem: 'real', axes: ['N'] } });
  }
  const hypers = [
    { decl: 'k: real in [0, inf) = 0.5', leaf: { text: 'k', elem: 'real' as Elem, axes: [] } },
    { decl: 'flag: bool = false', leaf: { text: 'flag', elem: 'bool' as Elem, axes: [] } },
    { decl: 'n: int in [1, 5] = 2', leaf: { text: 'n', elem: 'int' as Elem, axes: [] } },
  ].filter(() => rng() < 0.4);
  for (const h of hypers) params.push({ name: h.leaf.text, type: h.decl, leaf: h.leaf });

  const g = new Generator(rng, params);
  const body = g.real(size);
  const outer = pick(['mean', 'sum']);
  const top = body.axes.length > 0 || rng() < 0.5 ? `${outer}(${body.text})` : body.text;
  const signature = params.map((p) => (p.type.includes(':') ? p.type : `${p.name}: ${p.type}`)).join(', ');
  const where = [...g.where];
  // `where` bindings may come in any order: shuffle them.
  for (let i = where.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [where[i], where[j]] = [where[j]!, where[i]!];
  }
  const text = [
    '/// Squares its argument.',
    'def sq(u) = u * u',
    '/// Linear interpolation from a to b.',
    'def lerp(a, b, w) = a + w * (b - a)',
    '',
    `/// Generated (seed ${seed}, size ${size}).`,
    `loss fz(${signature}) =`,
    `  ${top}`,
    ...(where.length > 0 ? ['  where', ...where.map((w) => `    ${w}`)] : []),
    '',
  ].join('\n');
  return { text, loss: 'fz' };
}
