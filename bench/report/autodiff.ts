// The derived gradients against tfjs's autodiff: forward+backward of each loss as lossc emits it
// by default (build/stdlib: the backward pass the compiler derives, wrapped in tf.customGrad)
// and with `--autodiff` (build/stdlib-autodiff: tfjs differentiates the forward ops), timed in
// the same interleaved rounds, with the hand-written baseline and tf.losses beside them. For each
// loss that got faster or slower: the kernels each call runs (profiled) and what differs in the
// generated code.
import type { Backend } from '../runtime/types.js';
import { medianRatio } from '../stats.js';
import { functionBody } from './patterns.js';
import { fmtSize, ms, ratio, type Row } from './rows.js';

/** autodiff / derived above this is "faster", below its inverse "slower". */
export const CHANGED = 1.1;
/** The sizes the comparison is about. */
export const AUTODIFF_SIZES: readonly number[] = [1e4, 1e5, 1e6];
/** Sizes whose verdict counts (smaller ones are dominated by fixed costs per call). */
const LARGE = 1e5;

export interface AutodiffSummary {
  readonly backend: Backend;
  readonly size: number;
  /** Losses with both variants timed. */
  readonly n: number;
  /** Median over losses of autodiff / derived (above 1: derived is faster). */
  readonly speedup: number;
  readonly derivedOverBaseline: number;
  readonly autodiffOverBaseline: number;
  /** Median over losses with tf.losses of tf.losses / derived. */
  readonly tfLossesOverDerived: number;
  readonly faster: number;
  readonly slower: number;
}

export interface AutodiffPoint {
  readonly backend: Backend;
  readonly size: number;
  /** autodiff / derived. */
  readonly speedup: number;
  readonly derivedMs: number;
  readonly autodiffMs: number;
}

export interface AutodiffFinding {
  readonly loss: string;
  readonly file: string;
  readonly verdict: 'faster' | 'slower' | 'mixed';
  /** Points at 1e5 and up where the two differ by more than 10%. */
  readonly points: readonly AutodiffPoint[];
  /** Profiled kernels, derived against autodiff, at the largest profiled size (wasm first). */
  readonly kernels: readonly string[];
  /** What differs in the generated function (build/stdlib against build/stdlib-autodiff). */
  readonly code: readonly string[];
  /** GRAD_PATTERNS found in the derived backward pass (ids, with counts). */
  readonly patterns: readonly string[];
}

export interface AutodiffReport {
  /** Generated modules that differ from their --autodiff twin, of how many. */
  readonly derivedModules?: readonly string[];
  readonly modules?: readonly string[];
  readonly summaries: readonly AutodiffSummary[];
  readonly findings: readonly AutodiffFinding[];
  /** Losses with both timed at 1e5 and up and no difference over 10% anywhere. */
  readonly unchanged: readonly string[];
  /**
   * Losses whose generated function is the same in both builds (no derived backward pass, e.g.
   * function parameters): what they measure is noise, the floor for every other ratio.
   */
  readonly identical: readonly { loss: string; points: readonly AutodiffPoint[] }[];
  /** The patterns found, with their causes (numbers from bench/results/op-costs.json) and fixes. */
  readonly patterns: readonly { id: string; cause: string; fix: string; losses: string[] }[];
}

const defined = (xs: (number | undefined)[]): number[] => xs.filter((x): x is number => x !== undefined);
const fb = (rows: readonly Row[]): Row[] => rows.filter((r) => r.mode === 'forward+backward');

export function summaries(rows: readonly Row[], backends: readonly Backend[]): AutodiffSummary[] {
  return backends.flatMap((backend) =>
    AUTODIFF_SIZES.map((size) => {
      const at = fb(rows).filter((r) => r.backend === backend && r.size === size && ms(r, 'autodiff') !== undefined && ms(r, 'compiled') !== undefined);
      const s = defined(at.map((r) => ratio(r, 'autodiff', 'compiled')));
      return {
        backend,
        size,
        n: s.length,
        speedup: medianRatio(s),
        derivedOverBaseline: medianRatio(defined(at.map((r) => ratio(r, 'compiled', 'baseline')))),
        autodiffOverBaseline: medianRatio(defined(at.map((r) => ratio(r, 'autodiff', 'baseline')))),
        tfLossesOverDerived: medianRatio(defined(at.map((r) => ratio(r, 'tf.losses', 'compiled')))),
        faster: s.filter((x) => x > CHANGED).length,
        slower: s.filter((x) => x < 1 / CHANGED).length,
      };
    }),
  );
}

/** `+3 Select, -2 Softplus`: the differences of two count tables, largest first. */
function diff(a: Readonly<Record<string, number>> = {}, b: Readonly<Record<string, number>> = {}, digits: number, min: number): string[] {
  return Object.keys({ ...a, ...b })
    .map((k) => [k, (a[k] ?? 0) - (b[k] ?? 0)] as const)
    .filter(([, d]) => Math.abs(d) > min)
    .sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]))
    .map(([k, d]) => `${d > 0 ? '+' : '−'}${Math.abs(d).toFixed(digits)} ${k}`);
}

/** Kernels without a name of their own: a tf.customGrad op, whose kernels are also listed one by one. */
const SCOPE = 'unnamed scope';
const named = (r: Readonly<Record<string, number>> = {}): Record<string, number> => Object.fromEntries(Object.entries(r).filter(([k]) => k !== SCOPE));

/** Kernel evidence at the largest profiled size of each backend in `backends`. */
function kernelEvidence(rows: readonly Row[], backends: readonly Backend[]): string[] {
  return backends.flatMap((backend) => {
    const profiled = rows
      .filter((r) => r.backend === backend && r.v.compiled?.kernelCounts && r.v.autodiff?.kernelCounts)
      .sort((a, b) => b.size - a.size)[0];
    return profiled ? kernelEvidenceAt(profiled) : [];
  });
}

function kernelEvidenceAt(profiled: Row): string[] {
  const d = profiled.v.compiled!;
  const a = profiled.v.autodiff!;
  const where = `${profiled.backend} ${fmtSize(profiled.size)}`;
  const count = (r: Readonly<Record<string, number>> = {}): number => Object.values(named(r)).reduce((t, x) => t + x, 0);
  const kd = diff(named(d.kernelCounts), named(a.kernelCounts), 0, 0);
  const out = [`${count(d.kernelCounts)} kernels per call derived, ${count(a.kernelCounts)} autodiff (${where})${kd.length ? `: ${kd.slice(0, 8).join(', ')}` : ''}`];
  const floor = Math.max(0.05, 0.03 * (ms(profiled, 'autodiff') ?? 0));
  const time = diff(named(d.kernelMs), named(a.kernelMs), 1, floor);
  if (time.length) out.push(`kernel time, derived against autodiff (one profiled call, ms): ${time.slice(0, 6).join(', ')}`);
  // Time outside kernels: JavaScript, and tensors built in JS and uploaded (tfjs's Mean and Sum
  // gradients multiply by a ones(x.shape) made in JS).
  const outside = (v: NonNullable<Row['v']['compiled']>): number => Math.max(0, (v.profiledMs ?? 0) - Object.values(named(v.kernelMs)).reduce((t, x) => t + x, 0));
  const [od, oa] = [outside(d), outside(a)];
  if (Math.abs(od - oa) > Math.max(0.1, 0.2 * Math.min(a.profiledMs ?? Infinity, d.profiledMs ?? Infinity))) {
    out.push(`time outside kernels (JavaScript, and tensors made in JS and uploaded, such as the ones(x.shape) of tfjs's Mean and Sum gradients): ${od.toFixed(1)} ms derived, ${oa.toFixed(1)} ms autodiff`);
  }
  if (d.peakBytes !== undefined && a.peakBytes !== undefined && a.peakBytes > 0 && Math.abs(d.peakBytes / a.peakBytes - 1) > 0.2) {
    out.push(`peak tensor memory ${(d.peakBytes / 2 ** 20).toFixed(1)} MB derived, ${(a.peakBytes / 2 ** 20).toFixed(1)} MB autodiff`);
  }
  return out;
}

/** tf.* calls in a function body, by name. */
function tfCalls(body: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of body.matchAll(/\btf\.(\w+)\(/g)) out[m[1]!] = (out[m[1]!] ?? 0) + 1;
  return out;
}

/** The generated backward pass: the text of each gradFunc in the body, if the emitter writes one. */
function backwardText(body: string): string {
  const parts: string[] = [];
  for (const m of body.matchAll(/gradFunc\s*[:=]\s*\(/g)) {
    // From the gradFunc to the end of its block (matching braces).
    let depth = 0;
    let i = body.indexOf('{', m.index);
    const start = i;
    for (; i >= 0 && i < body.length; i++) {
      if (body[i] === '{') depth++;
      else if (body[i] === '}' && --depth === 0) break;
    }
    if (start >= 0) parts.push(body.slice(start, i + 1));
  }
  // An empty gradFunc (noGrad's) is not a backward pass.
  return parts.filter((p) => /tf\./.test(p)).join('\n');
}

/** Measured costs per 1e6 elements (bench/results/op-costs.json), to put numbers on the patterns. */
export interface MeasuredCosts {
  readonly ms: Readonly<Record<string, number>>;
  readonly extrasMs: Readonly<Record<string, number>>;
}

/** What a derived backward pass does that costs more than tfjs's own gradients, found in its text. */
export interface GradPattern {
  readonly id: string;
  readonly count: (backward: string, ctx: { inputs: readonly string[]; wrt: readonly string[] }) => number;
  readonly cause: (c: MeasuredCosts | undefined) => string;
  readonly fix: string;
}

const n = (re: RegExp) => (text: string): number => text.match(new RegExp(re.source, 'g'))?.length ?? 0;
const cost = (c: MeasuredCosts | undefined, key: string, extra = false): string => {
  const v = extra ? c?.extrasMs[key] : c?.ms[key];
  return v === undefined ? '?' : v >= 10 ? v.toFixed(0) : v.toFixed(1);
};

export const GRAD_PATTERNS: readonly GradPattern[] = [
  {
    id: 'pick-scatter',
    count: n(/tf\.where\(tf\.reshape\(eq\d+, \[/),
    cause: (c) =>
      `the gradient of each picked component (b.x1, b.y1, ...) is put back by a Select over the whole [Box, N] tensor, with a position mask broadcast along N and a scalar zero, once per component and input, the results added up and transposed: where(mask, x, scalar) alone is ${cost(c, 'where(mask, x, scalar)', true)} ms per 1e6 elements on wasm`,
    fix: 'put the component gradients together with one tf.stack along the component axis (a Pack kernel), as tfjs\'s Slice gradient pads, instead of one masked Select per component',
  },
  {
    id: 'gather-scatter',
    count: n(/tf\.where\(eq\d+, [^\n]*tf\.scalar\(0\)\)/),
    cause: (c) =>
      `the gradient of a class-index gather is where(t == range(C), g, 0): a broadcasting Equal (${cost(c, 'greater(x, scalar)', true)} ms per 1e6 on wasm) and a Select with a scalar branch (${cost(c, 'where(mask, x, scalar)', true)} ms; ${cost(c, 'where(mask, scalar, scalar)', true)} when g is a scalar), where tfjs's gradient of the forward's sum(x·onehot) is one Mul by the one-hot`,
    fix: 'multiply g by the one-hot mask as float32 (tf.oneHot(t, C) is 0.3 ms per 1e6 on wasm), or save the forward\'s one-hot and reuse it',
  },
  {
    id: 'select-scalar-branch',
    // Those not counted as pick-scatter or gather-scatter.
    count: (text) => n(/tf\.where\([^\n]*tf\.scalar\(/)(text) - n(/tf\.where\(tf\.reshape\(eq\d+, \[[^\n]*tf\.scalar\(/)(text) - n(/tf\.where\(eq\d+, [^\n]*tf\.scalar\(0\)\)/)(text),
    cause: (c) =>
      `the backward pass routes the seed with tf.where(mask, g, tf.scalar(0)) (the derivative of a select, max, relu or clip), often with g itself a scalar (the seed of a mean); tf.where broadcasts its branches to the mask's shape with broadcastTo, a Tile kernel per scalar branch, slow on wasm: ${cost(c, 'where(mask, x, scalar)', true)} ms per 1e6 elements (${cost(c, 'where(mask, scalar, scalar)', true)} with two scalars) against ${cost(c, 'mul(x, cast(mask))', true)} for x·cast(mask) and ${cost(c, 'select')} for a Select of full-size tensors (wasm); it shows as Tile in the profiles`,
    fix: 'emit the masked seed as mask arithmetic, g·cast(mask) (or g·step), and a scalar seed as a product with that float mask rather than a Select that broadcasts it',
  },
  {
    id: 'broadcast-seed',
    count: n(/tf\.broadcastTo\(/),
    cause: (c) =>
      `the gradient of a mean or sum is the scalar seed spread with tf.broadcastTo, a Tile kernel: ${cost(c, 'broadcastTo(scalar, shape)', true)} ms per 1e6 elements on wasm, where tfjs's own Mean gradient multiplies a tensor of ones (${cost(c, 'mul(ones(shape), scalar)', true)} ms)`,
    fix: 'spread a scalar seed with tf.fill(shape, value) or tf.mul(tf.onesLike(x), g), or fold it into the next elementwise op (broadcasting there is free)',
  },
  {
    id: 'compare-in-backward',
    count: n(/tf\.(greater|greaterEqual|less|lessEqual|equal|notEqual)\(/),
    cause: (c) =>
      `the backward pass computes masks by comparisons (tf.greater(x, tf.scalar(c)) and the like, where the forward's masks are not saved): a broadcasting comparison each, ${cost(c, 'greater(x, scalar)', true)} ms per 1e6 elements on wasm (${cost(c, 'add')} for an add)`,
    fix: 'save the forward pass\'s masks, or express the step as a float product (relu\'s gradient as dy·sign(relu(x)), clip\'s by the same-shape mask cast once)',
  },
  {
    id: 'sign',
    count: n(/tf\.sign\(/),
    cause: (c) => `|x|'s derivative is emitted as tf.sign, a slow wasm kernel: ${cost(c, 'sign')} ms per 1e6 elements (${cost(c, 'add')} for an add); tfjs's Abs gradient is dy·step(x)`,
    fix: 'emit d|x| as g·(cast(x > 0) − cast(x < 0)) only where the kink matters, or reuse the forward mask; on wasm the cheapest measured form is x·g/|x| guarded at 0',
  },
  {
    id: 'unused-gradient',
    count: (_, { inputs, wrt }) => inputs.filter((i) => !wrt.includes(i)).length,
    cause: () =>
      'the derived backward pass returns a gradient for every real input of the loss, including targets and labels the training step does not differentiate (tf.customGrad asks for all of them); tfjs\'s autodiff computes only the gradients on the path to the inputs asked for',
    fix: 'compute the gradients of inputs nobody asked for lazily (tf.customGrad cannot tell; emit one customGrad per set of differentiated inputs, or let options name the differentiated inputs, or return zeros for inputs marked as targets in the loss signature)',
  },
  {
    id: 'recomputed-transcendental',
    count: n(/tf\.(softmax|logSoftmax|exp|log|softplus|sigmoid|tanh|cosh|expm1|log1p|pow)\(/),
    cause: (c) =>
      `the backward pass evaluates transcendental functions again (e.g. softmax(x) beside the forward's log_softmax; on wasm: exp ${cost(c, 'exp')}, log ${cost(c, 'log')}, softplus ${cost(c, 'softplus')}, tanh ${cost(c, 'tanh')}, pow ${cost(c, 'pow')} ms per 1e6 elements) where saving the forward value would cost a read`,
    fix: 'save the forward values the derivative needs (softmax = exp(log_softmax), sigmoid for softplus) instead of recomputing them, where the memory allows',
  },
];

/** The real inputs the derived customGrad differentiates: `const [a, b, save] = args`. */
function customGradInputs(body: string): string[] {
  const m = body.match(/const \[([^\]]*)\] = args as/);
  return m ? m[1]!.split(',').map((x) => x.trim()).filter((x) => x && x !== 'save') : [];
}

function codeEvidence(derived: string | undefined, autodiff: string | undefined, wrt: readonly string[], costs: MeasuredCosts | undefined): { code: string[]; patterns: string[] } {
  if (!derived || !autodiff) return { code: [], patterns: [] };
  if (derived === autodiff) return { code: ['the generated function is the same in both builds (no derived backward pass is emitted for it)'], patterns: [] };
  // The computation of a plain call (no reduction or weights option): in the derived module the
  // first customGrad, in the autodiff one the forward up to the per-sample losses, plus the mean.
  const between = (text: string, from: string, to: string): string => {
    const a = Math.max(0, text.indexOf(from));
    const b = text.indexOf(to, a);
    return text.slice(a, b > a ? b : undefined);
  };
  const first = between(derived, 'const compute', 'const perSample = tf.customGrad');
  const back = backwardText(first);
  const code: string[] = [];
  const calls = (text: string): number => Object.entries(tfCalls(text)).filter(([k]) => k !== 'customGrad' && k !== 'tidy' && k !== 'scalar').reduce((t, [, x]) => t + x, 0);
  const forwardAd = calls(between(autodiff, 'const compute', 'if (weights === undefined)')) + 1;
  code.push(`${calls(first)} tf ops in the derived loss (${calls(back)} in its backward pass) against ${forwardAd} in the forward that autodiff differentiates (tf.scalar not counted)`);
  const saved = first.match(/save\(\[([^\]]*)\]\)/);
  if (saved) code.push(`${saved[1]!.split(',').filter((x) => x.trim()).length} forward tensors saved for the backward pass`);
  // Inputs passed as options are bound as `<name>Value` in the generated code.
  const ctx = { inputs: customGradInputs(first).map((i) => (i.endsWith('Value') && wrt.includes(i.slice(0, -5)) ? i.slice(0, -5) : i)), wrt };
  const patterns: string[] = [];
  for (const p of GRAD_PATTERNS) {
    const k = p.count(back, ctx);
    if (k > 0) patterns.push(`${p.id}${k > 1 ? ` (×${k})` : ''}${p.id === 'unused-gradient' ? `: ${ctx.inputs.filter((i) => !wrt.includes(i)).join(', ')}` : ''}`);
  }
  void costs;
  return { code, patterns };
}

export function autodiffReport(
  rows: readonly Row[],
  backends: readonly Backend[],
  derivedText: (file: string) => string | undefined,
  autodiffText: (file: string) => string | undefined,
  modules?: { derived: readonly string[]; all: readonly string[] },
  wrtOf: (loss: string) => readonly string[] = () => [],
  costs?: MeasuredCosts,
): AutodiffReport {
  const both = fb(rows).filter((r) => ms(r, 'autodiff') !== undefined && ms(r, 'compiled') !== undefined);
  const findings: AutodiffFinding[] = [];
  const unchanged: string[] = [];
  const identical: { loss: string; points: AutodiffPoint[] }[] = [];
  for (const loss of [...new Set(both.map((r) => r.loss))]) {
    const mine = both.filter((r) => r.loss === loss);
    const large = mine.filter((r) => r.size >= LARGE);
    if (large.length === 0) continue;
    const file = mine[0]!.file;
    const body = (text: string | undefined): string | undefined => (text ? functionBody(text, loss) : undefined);
    const [bd, ba] = [body(derivedText(file)), body(autodiffText(file))];
    if (bd !== undefined && bd === ba) {
      identical.push({ loss, points: large.map((r) => ({ backend: r.backend, size: r.size, speedup: ratio(r, 'autodiff', 'compiled')!, derivedMs: ms(r, 'compiled')!, autodiffMs: ms(r, 'autodiff')! })) });
      continue;
    }
    // The ratio of the fastest calls must agree: on a busy machine a median can move alone.
    const minRatio = (r: Row): number | undefined => {
      const [a, d] = [r.v.autodiff?.minMs, r.v.compiled?.minMs];
      return a !== undefined && d !== undefined && d > 0 && !r.v.compiled?.single && !r.v.autodiff?.single ? a / d : undefined;
    };
    const beyond = (x: number | undefined, up: boolean): boolean => x === undefined || (up ? x > CHANGED : x < 1 / CHANGED);
    const points: AutodiffPoint[] = large
      .map((r) => ({ p: { backend: r.backend, size: r.size, speedup: ratio(r, 'autodiff', 'compiled')!, derivedMs: ms(r, 'compiled')!, autodiffMs: ms(r, 'autodiff')! }, min: minRatio(r) }))
      .filter(({ p, min }) => (p.speedup > CHANGED && beyond(min, true)) || (p.speedup < 1 / CHANGED && beyond(min, false)))
      .map(({ p }) => p);
    // A change counts when it shows twice, or once by more than half.
    const counts = (sel: AutodiffPoint[]): boolean => sel.length >= 2 || sel.some((p) => p.speedup > 1.5 || p.speedup < 1 / 1.5);
    const faster = counts(points.filter((p) => p.speedup > 1));
    const slower = counts(points.filter((p) => p.speedup < 1));
    if (!faster && !slower) {
      unchanged.push(loss);
      continue;
    }
    const { code, patterns } = codeEvidence(bd, ba, wrtOf(loss), costs);
    findings.push({
      loss,
      file,
      verdict: faster && slower ? 'mixed' : faster ? 'faster' : 'slower',
      points,
      kernels: kernelEvidence(fb(rows).filter((r) => r.loss === loss), [...new Set(points.map((p) => p.backend))]),
      code,
      patterns,
    });
  }
  const byPattern = GRAD_PATTERNS.map((p) => ({
    id: p.id,
    cause: p.cause(costs),
    fix: p.fix,
    losses: findings.filter((f) => f.verdict !== 'faster' && f.patterns.some((x) => x.split(/[ :]/)[0] === p.id)).map((f) => f.loss),
  })).filter((p) => p.losses.length > 0);
  const worst = (f: AutodiffFinding): number => Math.max(...f.points.map((p) => Math.abs(Math.log(p.speedup))));
  findings.sort((a, b) => a.verdict.localeCompare(b.verdict) || worst(b) - worst(a));
  return {
    ...(modules ? { derivedModules: modules.derived, modules: modules.all } : {}),
    summaries: summaries(rows, backends),
    findings,
    unchanged,
    identical,
    patterns: byPattern.sort((a, b) => b.losses.length - a.losses.length),
  };
}
