// The TypeScript emitter end to end: IR built by hand → emitted module → type-checked under
// strict options → written to test/.tmp and imported → run on seeded random tensors on the cpu
// and wasm backends, against independent tfjs or plain-JS computations written here: values,
// reductions and weights against tf.losses, gradients, tensor leaks, run-time validation.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { emitModule } from '../src/emit/module.js';
import { typecheckGenerated } from '../src/emit/typecheck.js';
import { IrBuilder } from '../src/ir/graph.js';
import { REST, REST_AXIS, type Axis, type DimSource, type DomainInfo, type IrFunction, type IrHyper, type IrInput, type NodeId } from '../src/ir/types.js';

// ---------------------------------------------------------------------------------------------
// IR by hand

const ax = (name: string, dim = name): Axis => (name === REST ? REST_AXIS : { name, dim });
const interval = (lo: number, hi: number, text: string, loClosed = false, hiClosed = false): DomainInfo => ({
  kind: 'interval', lo, hi, loClosed, hiClosed, text,
});

interface Spec {
  name: string;
  doc?: string;
  formula: string;
  inputs: { name: string; shape: string[]; elem?: IrInput['elem']; indexOf?: string }[];
  hypers?: { name: string; elem?: IrHyper['elem']; default?: number; domain?: DomainInfo }[];
  fixed?: Record<string, number>;
  /** Returns the output node, and the per-sample node when the output is a mean/sum of it. */
  body: (b: IrBuilder, v: Record<string, NodeId>) => { out: NodeId; perSample?: NodeId; kind?: 'mean' | 'sum' };
}

function lossFn(spec: Spec): IrFunction {
  const b = new IrBuilder();
  const v: Record<string, NodeId> = {};
  const dims: DimSource[] = Object.entries(spec.fixed ?? {}).map(([dim, size]) => ({ dim, size }));
  const inputs: IrInput[] = spec.inputs.map((i) => {
    const elem = i.elem ?? 'real';
    const axes = i.shape.map((d) => ax(d));
    const node = b.input(i.name, { dtype: elem === 'index' ? 'int' : elem, axes });
    v[i.name] = node;
    const named = i.shape.filter((d) => d !== REST);
    const fromEnd = named.length !== i.shape.length;
    named.forEach((dim, k) => {
      if (!dims.some((d) => d.dim === dim)) dims.push({ dim, input: i.name, position: fromEnd ? named.length - k : k, fromEnd });
    });
    return { name: i.name, elem, axes, node, ...(i.indexOf ? { indexOf: i.indexOf } : {}) };
  });
  const hypers: IrHyper[] = (spec.hypers ?? []).map((h) => {
    const elem = h.elem ?? 'real';
    const node = b.input(h.name, { dtype: elem, axes: [] });
    v[h.name] = node;
    return { name: h.name, elem, node, ...(h.default !== undefined ? { default: h.default } : {}), ...(h.domain ? { domain: h.domain } : {}) };
  });
  const { out, perSample, kind } = spec.body(b, v);
  return {
    name: spec.name,
    ...(spec.doc ? { doc: spec.doc } : {}),
    formula: spec.formula,
    file: 'emitter-test.loss',
    inputs,
    hypers,
    dims,
    nodes: b.nodes,
    output: out,
    ...(perSample !== undefined ? { reduction: { kind: kind ?? 'mean', perSample } } : {}),
  };
}

const sqdist = (b: IrBuilder, x: NodeId, y: NodeId, axis: string): NodeId =>
  b.op('sum', [b.op('square', [b.op('sub', [x, y])])], { axes: [axis] });

const LOSSES = {
  mse: lossFn({
    name: 'mse',
    doc: 'Mean squared error over any leading dimensions.',
    formula: 'mean((x - y)^2)',
    inputs: [{ name: 'x', shape: [REST, 'D'] }, { name: 'y', shape: [REST, 'D'] }],
    body: (b, v) => {
      const sq = b.op('square', [b.op('sub', [v.x!, v.y!])]);
      return { out: b.op('mean', [sq], { axes: [REST, 'D'] }), perSample: sq };
    },
  }),
  triplet: lossFn({
    name: 'triplet',
    doc: 'Triplet loss (Schroff et al., 2015), squared distances.',
    formula: 'mean(max(0, d(a,p) - d(a,n) + m))',
    inputs: [{ name: 'a', shape: ['N', 'D'] }, { name: 'p', shape: ['N', 'D'] }, { name: 'n', shape: ['N', 'D'] }],
    hypers: [{ name: 'm', default: 1, domain: interval(0, Infinity, '(0, inf)') }],
    body: (b, v) => {
      const hinge = b.op('maximum', [b.constant(0), b.op('add', [b.op('sub', [sqdist(b, v.a!, v.p!, 'D'), sqdist(b, v.a!, v.n!, 'D')]), v.m!])]);
      return { out: b.op('mean', [hinge], { axes: ['N'] }), perSample: hinge };
    },
  }),
  hardest: lossFn({
    name: 'hardest_positive',
    doc: 'Batch-hard mining: the largest distance to another sample of the same label (0 if none).',
    formula: 'mean(max(dist[i, j], j, where: label[i] == label[j] and i != j, empty: 0))',
    inputs: [{ name: 'e', shape: ['N', 'D'] }, { name: 'label', shape: ['N'], elem: 'int' }],
    body: (b, v) => {
      const ren = (x: NodeId, to: string): NodeId => b.op('rename', [x], { from: 'N', to });
      // [i, D] - [j, D] has axes [i, D, j]: the sum over D then needs a transpose-free layout [i, j].
      const dist = sqdist(b, ren(v.e!, 'i'), ren(v.e!, 'j'), 'D');
      const same = b.op('eq', [ren(v.label!, 'i'), ren(v.label!, 'j')]);
      const notSelf = b.op('ne', [b.iota(ax('i', 'N')), b.iota(ax('j', 'N'))]);
      const hp = b.op('max', [dist, b.op('and', [same, notSelf])], { axes: ['j'], empty: 0 });
      return { out: b.op('mean', [hp], { axes: ['i'] }), perSample: hp };
    },
  }),
  masked: lossFn({
    name: 'masked_lse',
    doc: 'Masked logsumexp (empty rows: -5) plus masked mean (empty rows: 0) per row, summed.',
    formula: 'sum(logsumexp(s, M, where: keep, empty: -5) + mean(s, M, where: keep, empty: 0))',
    inputs: [{ name: 's', shape: ['N', 'M'] }, { name: 'keep', shape: ['N', 'M'], elem: 'bool' }],
    body: (b, v) => {
      const lse = b.op('logsumexp', [v.s!, v.keep!], { axes: ['M'], empty: -5 });
      const avg = b.op('mean', [v.s!, v.keep!], { axes: ['M'], empty: 0 });
      const row = b.op('add', [lse, avg]);
      return { out: b.op('sum', [row], { axes: ['N'] }), perSample: row, kind: 'sum' };
    },
  }),
  ce: lossFn({
    name: 'cross_entropy',
    doc: 'Cross-entropy with class-index targets.',
    formula: 'mean(-log_softmax(logits, C)[target])',
    inputs: [{ name: 'logits', shape: ['N', 'C'] }, { name: 'target', shape: ['N'], elem: 'index', indexOf: 'C' }],
    body: (b, v) => {
      const nll = b.op('neg', [b.op('gather', [b.op('log_softmax', [v.logits!], { axis: 'C' }), v.target!], { axis: 'C' })]);
      return { out: b.op('mean', [nll], { axes: ['N'] }), perSample: nll };
    },
  }),
  huber: lossFn({
    name: 'huber',
    doc: 'Huber loss (delta 1): the comparison is on the differentiated input.',
    formula: 'sum(|x - y| < 1 ? 0.5 * (x - y)^2 : |x - y| - 0.5)',
    inputs: [{ name: 'x', shape: ['N'] }, { name: 'y', shape: ['N'] }],
    body: (b, v) => {
      const diff = b.op('sub', [v.x!, v.y!]);
      const ad = b.op('abs', [diff]);
      const sel = b.op('select', [
        b.op('lt', [ad, b.constant(1)]),
        b.op('mul', [b.constant(0.5), b.op('square', [diff])]),
        b.op('sub', [ad, b.constant(0.5)]),
      ]);
      return { out: b.op('sum', [sel], { axes: ['N'] }), perSample: sel, kind: 'sum' };
    },
  }),
  pick: lossFn({
    name: 'pick_ends',
    formula: 'x[:, 0] - x[:, -1]',
    inputs: [{ name: 'x', shape: ['N', 'K'] }],
    body: (b, v) => {
      b.op('exp', [v.x!]); // dead: not emitted
      return { out: b.op('sub', [b.op('pick', [v.x!], { axis: 'K', index: 0 }), b.op('pick', [v.x!], { axis: 'K', index: -1 })]) };
    },
  }),
  layout: lossFn({
    name: 'layout',
    doc: 'Alignment by name: w [D, C] is transposed against x [..., C, D]; softmax on a non-last axis.',
    formula: 'k * sum(softmax(x * w, C) * x, D)',
    inputs: [{ name: 'x', shape: [REST, 'C', 'D'] }, { name: 'w', shape: ['D', 'C'] }],
    hypers: [{ name: 'k', elem: 'int', default: 2, domain: interval(0, 10, '[0, 10]', true, true) }],
    body: (b, v) => {
      const sm = b.op('softmax', [b.op('mul', [v.x!, v.w!])], { axis: 'C' });
      return { out: b.op('mul', [v.k!, b.op('sum', [b.op('mul', [sm, v.x!])], { axes: ['D'] })]) };
    },
  }),
  bmask: lossFn({
    name: 'broadcast_mask',
    doc: 'Masks with axes the operand lacks, and an operand with the rest axis the mask lacks.',
    formula: 'mean(sum(x, D, where: keep) + max(x, D, where: keep, empty: 0))',
    inputs: [{ name: 'x', shape: [REST, 'D'] }, { name: 'keep', shape: ['D', 'K'], elem: 'bool' }],
    body: (b, v) => {
      const sum = b.op('sum', [v.x!, v.keep!], { axes: ['D'], empty: 0 });
      const max = b.op('max', [v.x!, v.keep!], { axes: ['D'], empty: 0 });
      const row = b.op('add', [sum, max]);
      return { out: b.op('mean', [row], { axes: [REST, 'K'] }), perSample: row };
    },
  }),
  permute: lossFn({
    name: 'permute',
    doc: 'A gather whose index has an axis named like the gathered one: out[n, c] = x[n, perm[c]].',
    formula: 'x[perm] / size(C)',
    inputs: [{ name: 'x', shape: ['N', 'C'] }, { name: 'perm', shape: ['C'], elem: 'index', indexOf: 'C' }],
    body: (b, v) => ({ out: b.op('div', [b.op('gather', [v.x!, v.perm!], { axis: 'C' }), b.size('C')]) }),
  }),
  restops: lossFn({
    name: 'rest_ops',
    formula: 'sum(x * y, ...)',
    inputs: [{ name: 'x', shape: [REST, 'C', 'D'] }, { name: 'y', shape: [REST, 'D', 'C'] }],
    body: (b, v) => ({ out: b.op('sum', [b.op('mul', [v.x!, v.y!])], { axes: [REST] }) }),
  }),
  hazards: lossFn({
    name: 'delete',
    doc: 'A doc that ends a comment */ early, has `code`, ```fences```, ${x} and a \\ backslash.\n@param nothing',
    formula: 'mean(`new` * tf) */',
    inputs: [{ name: 'new', shape: ['Math', 'options'] }, { name: 'options', shape: ['options'] }],
    hypers: [{ name: 'tf', default: 0.5, domain: interval(0, 1, '[0, 1]', true, true) }],
    fixed: { options: 3 },
    body: (b, v) => {
      const prod = b.op('mul', [b.op('mul', [v.new!, v.options!]), v.tf!]);
      return { out: b.op('mean', [prod], { axes: ['Math', 'options'] }), perSample: prod };
    },
  }),
};

const TF_NAMED = lossFn({
  name: 'tf',
  formula: 'sum(x)',
  inputs: [{ name: 'x', shape: ['N'] }],
  body: (b, v) => ({ out: b.op('sum', [v.x!], { axes: ['N'] }) }),
});

/** A hyperparameter without default makes `options` required; a bool one selects. */
const REQUIRED_HYPER = lossFn({
  name: 'scaled',
  formula: 'sum(flag ? x * s : x)',
  inputs: [{ name: 'x', shape: ['N'] }],
  hypers: [{ name: 's' }, { name: 'flag', elem: 'bool', default: 1 }],
  body: (b, v) => ({ out: b.op('sum', [b.op('select', [v.flag!, b.op('mul', [v.x!, v.s!]), v.x!])], { axes: ['N'] }) }),
});

/** One generated module per entry (file name → losses). */
const MODULES: Record<string, IrFunction[]> = {
  ...Object.fromEntries(Object.entries(LOSSES).filter(([k]) => k !== 'hazards').map(([k, fn]) => [k, [fn]])),
  hazards: [LOSSES.hazards, TF_NAMED, REQUIRED_HYPER],
};

/** Strictness the checker must enforce: a rank-generic tensor is not a Scalar; noUncheckedIndexedAccess. */
const BROKEN = [
  "import * as tf from '@tensorflow/tfjs';",
  'const t: tf.Tensor = tf.zeros([2, 2]);',
  'export const s: tf.Scalar = t;',
  'export const n: number = t.shape.slice(1)[0];',
].join('\n');

const TMP = path.join(path.dirname(fileURLToPath(import.meta.url)), '.tmp', 'emitter');
const code: Record<string, string> = {};
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const mods: Record<string, any> = {};
let diagnostics: string[] = [];

beforeAll(async () => {
  for (const [name, losses] of Object.entries(MODULES)) {
    code[name] = await emitModule({ file: `${name}.loss`, doc: `Test module ${name}.`, losses });
  }
  // One program for every module (creating it is the slow part), plus a file that must fail.
  const files = Object.fromEntries(Object.entries(code).map(([k, v]) => [`${k}.ts`, v]));
  files['broken.ts'] = BROKEN;
  diagnostics = await typecheckGenerated(files);
  mkdirSync(TMP, { recursive: true });
  for (const [name, text] of Object.entries(code)) {
    const file = path.join(TMP, `${name}.ts`);
    writeFileSync(file, text);
    mods[name] = await import(/* @vite-ignore */ file);
  }
});

// ---------------------------------------------------------------------------------------------
// Helpers: seeded inputs, leak checks, float64 references

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform float32 values in [lo, hi), as a tensor and as float64 data (the same numbers). */
function rand(shape: number[], seed: number, lo = -2, hi = 2): { t: tf.Tensor; data: number[] } {
  const r = mulberry32(seed);
  const data = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.fround(lo + (hi - lo) * r()));
  return { t: tf.tensor(data, shape, 'float32'), data };
}

/** Runs `f` and checks that it leaves exactly one new tensor: its result. */
function noLeak<T extends tf.Tensor>(f: () => T): T {
  const before = tf.memory().numTensors;
  const out = f();
  expect(tf.memory().numTensors).toBe(before + 1);
  return out;
}

/** Runs `f`, which must throw matching `pattern`, and checks that nothing leaked. */
function throwsClean(f: () => unknown, pattern: RegExp): void {
  const before = tf.memory().numTensors;
  expect(f).toThrow(pattern);
  expect(tf.memory().numTensors).toBe(before);
}

function expectClose(actual: ArrayLike<number> | number, expected: ArrayLike<number> | number, tol = 1e-4): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = typeof expected === 'number' ? [expected] : Array.from(expected);
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => {
    const want = e[i]!;
    expect(Number.isFinite(v), `element ${i} is ${v}`).toBe(Number.isFinite(want));
    if (Number.isFinite(want)) expect(Math.abs(v - want), `element ${i}: ${v} vs ${want}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));
  });
}

/** Central differences of a float64 plain-JS function. */
function numericGrad(f: (x: number[]) => number, x: readonly number[], h = 1e-6): number[] {
  return x.map((_, i) => {
    const up = [...x];
    const down = [...x];
    up[i]! += h;
    down[i]! -= h;
    return (f(up) - f(down)) / (2 * h);
  });
}

const data = (t: tf.Tensor): Float32Array | Int32Array | Uint8Array => t.dataSync();

// Plain-JS float64 losses, written from the formulas.
function tripletJs(a: number[], p: number[], n: number[], N: number, D: number, m: number): number {
  let total = 0;
  for (let i = 0; i < N; i++) {
    let dp = 0;
    let dn = 0;
    for (let d = 0; d < D; d++) {
      dp += (a[i * D + d]! - p[i * D + d]!) ** 2;
      dn += (a[i * D + d]! - n[i * D + d]!) ** 2;
    }
    total += Math.max(0, dp - dn + m);
  }
  return total / N;
}

function maskedJs(s: number[], keep: number[], N: number, M: number): number[] {
  const rows: number[] = [];
  for (let i = 0; i < N; i++) {
    const sel = [...Array(M).keys()].filter((j) => keep[i * M + j]).map((j) => s[i * M + j]!);
    if (sel.length === 0) {
      rows.push(-5 + 0);
      continue;
    }
    const mx = Math.max(...sel);
    const lse = mx + Math.log(sel.reduce((acc, v) => acc + Math.exp(v - mx), 0));
    rows.push(lse + sel.reduce((acc, v) => acc + v, 0) / sel.length);
  }
  return rows;
}

function huberJs(x: number[], y: number[]): number {
  return x.reduce((acc, xi, i) => {
    const d = Math.abs(xi - y[i]!);
    return acc + (d < 1 ? 0.5 * d * d : d - 0.5);
  }, 0);
}

// ---------------------------------------------------------------------------------------------
// Emission and type-checking

describe('emitted modules', () => {
  it('type-check under strict options', () => {
    expect(diagnostics.filter((d) => !d.startsWith('broken.ts'))).toEqual([]);
    // The checker does see tfjs's types and the strict options.
    const broken = diagnostics.filter((d) => d.startsWith('broken.ts'));
    expect(broken).toHaveLength(2);
    expect(broken[0]).toMatch(/^broken\.ts\(3,14\): error TS2322: Type 'Tensor<Rank>' is not assignable to type 'Scalar'/);
    expect(broken[1]).toMatch(/^broken\.ts\(4,14\): error TS2322: Type 'number \| undefined'/);
  });

  it('have the header, import tfjs alone and export the losses under their names', () => {
    for (const text of Object.values(code)) {
      expect(text.startsWith('// Generated by lossc from ')).toBe(true);
      expect(text.match(/^import .*$/gm)).toEqual(["import * as tf from '@tensorflow/tfjs';"]);
      expect(text).toContain('return tf.tidy(() => {');
    }
    expect(typeof mods.triplet.triplet).toBe('function');
    expect(typeof mods.ce.cross_entropy).toBe('function');
    // Reserved or clashing names get `_` and are exported under their own name too.
    expect(mods.hazards.delete).toBe(mods.hazards.delete_);
    expect(mods.hazards.tf).toBe(mods.hazards.tf_);
    // A hyperparameter without default: `options` has no `= {}` and the field is required.
    expect(code.hazards).toContain('export function scaled(x: tf.Tensor | tf.TensorLike, options: ScaledOptions): tf.Scalar');
    expect(code.hazards).toMatch(/\n  s: number;/);
    expect(code.hazards).toMatch(/\n  flag\?: boolean;/);
  });

  it('document the loss: doc, formula, shapes, option defaults and domains', () => {
    const t = code.triplet!;
    expect(t).toContain('Triplet loss (Schroff et al., 2015), squared distances.');
    expect(t).toContain('```\n * mean(max(0, d(a,p) - d(a,n) + m))\n * ```');
    expect(t).toContain('@param a - shape [N, D], float32');
    expect(t).toMatch(/Hyperparameter `m` \(real\), default 1; must lie in \(0, inf\)/);
    expect(t).toContain('export interface TripletOptions');
    expect(code.ce).toContain('int32 class indices of C');
    // `*/` in the doc and formula is escaped; the module still parses and type-checks.
    expect(code.hazards).toContain('ends a comment *\\/ early');
    expect(code.hazards!.match(/\*\//g)!.length).toBe(code.hazards!.match(/\/\*\*/g)!.length);
  });

  it('emit only live nodes, in order, constants and hyperparameters inline', () => {
    const t = code.triplet!;
    expect(t).toContain('tf.scalar(m)');
    expect(t).toContain('const m = options.m ?? 1;');
    expect(t).not.toMatch(/const \w+ = tf\.scalar\(/);
    expect(code.pick).not.toContain('tf.exp(');
    // The outer mean is emitted once as a node, in the customGrad of the whole loss (a call
    // without options); the per-sample pass leaves it to the `reduction` branches.
    expect(t.match(/tf\.mean\(/g)!.length).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Running the generated code

describe.each(['cpu', 'wasm'] as const)('generated code on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
    expect(tf.getBackend()).toBe(backend);
  });

  it('mse over the rest axis: reductions and weights agree with tf.losses', () => {
    const x = rand([2, 3, 4], 1).t;
    const y = rand([2, 3, 4], 2).t;
    const { mse } = mods.mse;
    const R = tf.Reduction;
    expectClose(data(noLeak(() => mse(x, y))), data(tf.losses.meanSquaredError(y, x, undefined, R.MEAN)));
    expectClose(data(noLeak(() => mse(x, y, { reduction: 'sum' }))), data(tf.losses.meanSquaredError(y, x, undefined, R.SUM)));
    expectClose(data(noLeak(() => mse(x, y, { reduction: 'none' }))), data(tf.losses.meanSquaredError(y, x, undefined, R.NONE)));
    // Weights of the full shape, and of a leading part [2, 3] broadcast over D.
    const sq = tf.squaredDifference(x, y);
    const wFull = rand([2, 3, 4], 3, 0, 1).t;
    const wLead = rand([2, 3], 4, 0, 1).t;
    for (const [w, wb] of [[wFull, wFull], [wLead, tf.reshape(wLead, [2, 3, 1])]] as const) {
      expectClose(data(noLeak(() => mse(x, y, { weights: w }))), data(tf.losses.computeWeightedLoss(sq, wb, R.MEAN)));
      expectClose(data(noLeak(() => mse(x, y, { weights: w, reduction: 'sum' }))), data(tf.losses.computeWeightedLoss(sq, wb, R.SUM)));
      expectClose(data(noLeak(() => mse(x, y, { weights: w, reduction: 'none' }))), data(tf.losses.computeWeightedLoss(sq, wb, R.NONE)));
    }
    // No leading dims at all: '...' stands for zero dims.
    const x1 = rand([4], 5).t;
    const y1 = rand([4], 6).t;
    expectClose(data(mse(x1, y1)), data(tf.losses.meanSquaredError(y1, x1, undefined, R.MEAN)));
    const g = tf.grad((xx: tf.Tensor) => mse(xx, y))(x);
    expectClose(data(g), data(tf.mul(tf.sub(x, y), 2 / 24)));
  });

  it('triplet: value, margin option and gradient against float64 central differences', () => {
    const [N, D] = [5, 3];
    const a = rand([N, D], 11);
    const p = rand([N, D], 12);
    const n = rand([N, D], 13);
    const { triplet } = mods.triplet;
    expectClose(data(noLeak(() => triplet(a.t, p.t, n.t))), tripletJs(a.data, p.data, n.data, N, D, 1));
    expectClose(data(noLeak(() => triplet(a.t, p.t, n.t, { m: 2.5 }))), tripletJs(a.data, p.data, n.data, N, D, 2.5));
    const perSample = noLeak(() => triplet(a.t, p.t, n.t, { reduction: 'none' }));
    expect(perSample.shape).toEqual([N]);
    const before = tf.memory().numTensors;
    const grads = tf.grads((aa: tf.Tensor, pp: tf.Tensor, nn: tf.Tensor) => triplet(aa, pp, nn, { m: 2.5 }))([a.t, p.t, n.t]);
    expect(tf.memory().numTensors).toBe(before + 3);
    expectClose(data(grads[0]!), numericGrad((v) => tripletJs(v, p.data, n.data, N, D, 2.5), a.data), 1e-3);
    expectClose(data(grads[1]!), numericGrad((v) => tripletJs(a.data, v, n.data, N, D, 2.5), p.data), 1e-3);
    expectClose(data(grads[2]!), numericGrad((v) => tripletJs(a.data, p.data, v, N, D, 2.5), n.data), 1e-3);
  });

  it('masked max over index variables [i, j] with iota, ne and rename', () => {
    const N = 6;
    const e = rand([N, 3], 21).t;
    // Sample 5 has a label of its own: its row selects nothing and gives the empty value 0.
    const labels = [0, 1, 0, 1, 1, 2];
    const label = tf.tensor1d(labels, 'int32');
    const maskRows = labels.map((li, i) => labels.map((lj, j) => li === lj && i !== j));
    const mask = tf.tensor2d(maskRows, [N, N], 'bool');
    const any = tf.tensor1d(maskRows.map((r) => r.some(Boolean)), 'bool');
    // Independent tfjs: pairwise distances by expandDims, the mask from plain JS.
    const byHand = (x: tf.Tensor): tf.Tensor => {
      const dist = tf.sum(tf.square(tf.sub(tf.expandDims(x, 1), tf.expandDims(x, 0))), 2);
      return tf.where(any, tf.max(tf.where(mask, dist, tf.fill([N, N], -Infinity)), 1), tf.zeros([N]));
    };
    const { hardest_positive: hp } = mods.hardest;
    const none = noLeak(() => hp(e, label, { reduction: 'none' }));
    expectClose(data(none), data(byHand(e)));
    expect(data(none)[5]).toBe(0);
    expectClose(data(noLeak(() => hp(e, label))), data(tf.mean(byHand(e))));
    const g = tf.grad((x: tf.Tensor) => hp(x, label))(e);
    const gHand = tf.grad((x: tf.Tensor) => tf.mean(byHand(x)))(e);
    expectClose(data(g), data(gHand), 1e-3);
  });

  it('masked logsumexp and mean: empty rows, finite gradients', () => {
    const [N, M] = [4, 5];
    const s = rand([N, M], 31, -3, 3);
    const r = mulberry32(32);
    const keep = Array.from({ length: N * M }, (_, k) => (k < M ? 0 : k < 2 * M ? 1 : r() < 0.5 ? 1 : 0));
    const keepT = tf.tensor(keep, [N, M], 'bool');
    const { masked_lse } = mods.masked;
    const rows = maskedJs(s.data, keep, N, M);
    expectClose(data(noLeak(() => masked_lse(s.t, keepT, { reduction: 'none' }))), rows);
    expectClose(data(noLeak(() => masked_lse(s.t, keepT))), rows.reduce((a, b) => a + b, 0));
    const g = tf.grad((x: tf.Tensor) => masked_lse(x, keepT))(s.t);
    const want = numericGrad((v) => maskedJs(v, keep, N, M).reduce((a, b) => a + b, 0), s.data);
    expectClose(data(g), want, 1e-3);
  });

  it('cross-entropy: log_softmax and a gather by an index input, against tf.losses', () => {
    const [N, C] = [6, 4];
    const logits = rand([N, C], 41, -4, 4).t;
    const target = tf.tensor1d([0, 3, 1, 2, 3, 0], 'int32');
    const onehot = tf.oneHot(target, C);
    const R = tf.Reduction;
    const { cross_entropy: ce } = mods.ce;
    expectClose(data(noLeak(() => ce(logits, target))), data(tf.losses.softmaxCrossEntropy(onehot, logits, undefined, 0, R.MEAN)));
    const perSample = tf.losses.softmaxCrossEntropy(onehot, logits, undefined, 0, R.NONE);
    expectClose(data(noLeak(() => ce(logits, target, { reduction: 'none' }))), data(perSample));
    const w = rand([N], 42, 0, 1).t;
    expectClose(data(noLeak(() => ce(logits, target, { weights: w }))), data(tf.losses.computeWeightedLoss(perSample, w, R.MEAN)));
    expectClose(data(noLeak(() => ce(logits, target, { weights: w, reduction: 'sum' }))), data(tf.losses.computeWeightedLoss(perSample, w, R.SUM)));
    const g = tf.grad((x: tf.Tensor) => ce(x, target))(logits);
    const gRef = tf.grad((x: tf.Tensor) => tf.losses.softmaxCrossEntropy(onehot, x, undefined, 0, R.MEAN))(logits);
    expectClose(data(g), data(gRef), 1e-4);
  });

  it('select on a comparison of the differentiated input: tf.grad passes', () => {
    const x = rand([8], 51, -3, 3);
    const y = rand([8], 52, -3, 3);
    const { huber } = mods.huber;
    const R = tf.Reduction;
    expectClose(data(noLeak(() => huber(x.t, y.t))), data(tf.losses.huberLoss(y.t, x.t, undefined, 1, R.SUM)));
    expectClose(data(noLeak(() => huber(x.t, y.t, { reduction: 'mean' }))), data(tf.losses.huberLoss(y.t, x.t, undefined, 1, R.MEAN)));
    const g = tf.grad((v: tf.Tensor) => huber(v, y.t))(x.t);
    expectClose(data(g), numericGrad((v) => huberJs(v, y.data), x.data), 1e-3);
  });

  it('pick: fixed positions from the front and the back; a non-scalar result', () => {
    const x = rand([3, 5], 61);
    const { pick_ends } = mods.pick;
    const out = noLeak(() => pick_ends(x.t));
    expect(out.shape).toEqual([3]);
    expectClose(data(out), [0, 1, 2].map((i) => x.data[i * 5]! - x.data[i * 5 + 4]!));
    const g = tf.grad((v: tf.Tensor) => tf.sum(pick_ends(v)))(x.t);
    expectClose(data(g), x.data.map((_, k) => (k % 5 === 0 ? 1 : k % 5 === 4 ? -1 : 0)));
  });

  it('alignment by name: a transposed operand without the rest axis, softmax on a non-last axis', () => {
    const { layout } = mods.layout;
    const w = rand([4, 3], 71).t;
    const byHand = (x: tf.Tensor, k: number): tf.Tensor => {
      const prod = tf.mul(x, tf.transpose(w)); // [..., C, D]
      const rank = prod.rank;
      const perm = [...Array(rank).keys()];
      [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
      const sm = tf.transpose(tf.softmax(tf.transpose(prod, perm)), perm);
      return tf.mul(k, tf.sum(tf.mul(sm, x), -1));
    };
    for (const shape of [[2, 2, 3, 4], [3, 4]]) {
      const x = rand(shape, 72).t;
      const out = noLeak(() => layout(x, w));
      expect(out.shape).toEqual(shape.slice(0, -1));
      expectClose(data(out), data(byHand(x, 2)));
      expectClose(data(layout(x, w, { k: 3 })), data(byHand(x, 3)));
      const g = tf.grad((v: tf.Tensor) => tf.sum(layout(v, w)))(x);
      const gHand = tf.grad((v: tf.Tensor) => tf.sum(byHand(v, 2)))(x);
      expectClose(data(g), data(gHand), 1e-3);
    }
  });

  it('masks lacking an axis of the operand, operands with the rest axis the mask lacks', () => {
    const [R0, R1, D, K] = [2, 3, 4, 3];
    const x = rand([R0, R1, D], 91);
    // Column k = 0 selects nothing: its max is the empty value 0.
    const keep = [0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0].map((v, i) => (i % K === 0 ? 0 : v));
    const keepT = tf.tensor(keep, [D, K], 'bool');
    const js = (xs: number[]): number[] => {
      const out: number[] = [];
      for (let r = 0; r < R0 * R1; r++) {
        for (let k = 0; k < K; k++) {
          const sel = [...Array(D).keys()].filter((d) => keep[d * K + k]).map((d) => xs[r * D + d]!);
          out.push(sel.reduce((a, b) => a + b, 0) + (sel.length ? Math.max(...sel) : 0));
        }
      }
      return out;
    };
    const { broadcast_mask: bm } = mods.bmask;
    const none = noLeak(() => bm(x.t, keepT, { reduction: 'none' }));
    expect(none.shape).toEqual([R0, R1, K]);
    expectClose(data(none), js(x.data));
    const g = tf.grad((v: tf.Tensor) => bm(v, keepT))(x.t);
    const mean = (v: number[]): number => js(v).reduce((a, b) => a + b, 0) / (R0 * R1 * K);
    expectClose(data(g), numericGrad(mean, x.data), 1e-3);
  });

  it('gather by an index whose axis is named like the gathered one; size() as a number', () => {
    const x = rand([2, 4], 95);
    const perm = [2, 0, 3, 1];
    const { permute } = mods.permute;
    const permT = tf.tensor1d(perm, 'int32');
    const out = noLeak(() => permute(x.t, permT));
    expect(out.shape).toEqual([2, 4]);
    expectClose(data(out), [0, 1].flatMap((n) => perm.map((p) => x.data[n * 4 + p]! / 4)));
  });

  it('transposing and reducing over the rest dims', () => {
    const { rest_ops } = mods.restops;
    for (const lead of [[2, 3], []]) {
      const x = rand([...lead, 2, 4], 97);
      const y = rand([...lead, 4, 2], 98);
      const n = lead.reduce((a, b) => a * b, 1);
      const want = [0, 1].flatMap((c) => [0, 1, 2, 3].map((d) => {
        let acc = 0;
        for (let r = 0; r < n; r++) acc += x.data[r * 8 + c * 4 + d]! * y.data[r * 8 + d * 2 + c]!;
        return acc;
      }));
      const out = noLeak(() => rest_ops(x.t, y.t));
      expect(out.shape).toEqual([2, 4]);
      expectClose(data(out), want);
    }
  });

  it('clashing names still compute', () => {
    const a = rand([2, 3], 81);
    const b = rand([3], 82);
    const want = a.data.reduce((acc, v, k) => acc + v * b.data[k % 3]! * 0.5, 0) / 6;
    expectClose(data(noLeak(() => mods.hazards.delete(a.t, b.t))), want);
    expectClose(data(mods.hazards.tf(b.t)), b.data.reduce((x, y) => x + y, 0));
    const sum = b.data.reduce((x, y) => x + y, 0);
    expectClose(data(noLeak(() => mods.hazards.scaled(b.t, { s: 3 }))), 3 * sum);
    expectClose(data(noLeak(() => mods.hazards.scaled(b.t, { s: 3, flag: false }))), sum);
  });
});

// ---------------------------------------------------------------------------------------------
// Run-time validation

describe('run-time validation', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  // Tensors are made before each call: the call itself must create (and leak) none.
  const z = (shape: number[], dtype: 'float32' | 'int32' = 'float32'): tf.Tensor => tf.zeros(shape, dtype);

  it('wrong ranks, disagreeing dims and rest dims name the loss, argument and source', () => {
    const { triplet } = mods.triplet;
    const [good, rank3, wideD, shortN, ints] = [z([4, 3]), z([4, 3, 1]), z([4, 5]), z([2, 3]), z([4, 3], 'int32')];
    throwsClean(() => triplet(rank3, good, good), /^triplet: input 'a' should have 2 dimensions \[N, D\], but has shape \[4, 3, 1\]$/);
    throwsClean(() => triplet(good, wideD, good), /^triplet: dimension D of input 'p' is 5, but it is 3 in 'a' \(shape \[N, D\]\)$/);
    throwsClean(() => triplet(good, good, shortN), /^triplet: dimension N of input 'n' is 2, but it is 4 in 'a'/);
    throwsClean(() => triplet(good, good, ints), /^triplet: input 'n' must be float32, but has dtype int32$/);
    const { mse } = mods.mse;
    const [x, y, scalar, vec] = [z([2, 3, 4]), z([3, 2, 4]), z([]), z([4])];
    throwsClean(() => mse(x, y), /^mse: the leading '\.\.\.' dimensions of 'y' are \[3, 2\] but those of 'x' are \[2, 3\]$/);
    throwsClean(() => mse(scalar, vec), /^mse: input 'x' should have at least 1 dimension \[\.\.\., D\]/);
  });

  it('class indices: int32 required, values within [0, C)', () => {
    const { cross_entropy: ce } = mods.ce;
    const logits = z([2, 4]);
    const [tooBig, negative, fractional] = [tf.tensor1d([0, 4], 'int32'), tf.tensor1d([-1, 0], 'int32'), tf.tensor1d([0, 1.5])];
    throwsClean(() => ce(logits, tooBig), /^cross_entropy: input 'target' holds 4, which is not a class index of C in \[0, 4\)$/);
    throwsClean(() => ce(logits, negative), /input 'target' holds -1/);
    throwsClean(() => ce(logits, fractional), /^cross_entropy: input 'target' must be int32 class indices of C .*, but has dtype float32$/);
  });

  it('options: hyperparameter domains, reduction, weights shape, fixed dims, picked positions', () => {
    const { triplet } = mods.triplet;
    const [t, w3] = [z([4, 3]), tf.ones([3])];
    throwsClean(() => triplet(t, t, t, { m: 0 }), /^triplet: option 'm' must lie in \(0, inf\), but is 0$/);
    throwsClean(() => triplet(t, t, t, { m: NaN }), /option 'm' must lie in/);
    throwsClean(() => triplet(t, t, t, { reduction: 'avg' }), /^triplet: option 'reduction' must be 'mean', 'sum', 'none', 'sum_by_nonzero_weights', or 'sum_over_batch_size', but is avg$/);
    throwsClean(() => triplet(t, t, t, { weights: w3 }), /^triplet: option 'weights' has shape \[3\], but it must be the per-sample shape \[N\] = \[4\]/);
    const { layout } = mods.layout;
    const [x, w] = [z([3, 4]), z([4, 3])];
    throwsClean(() => layout(x, w, { k: 1.5 }), /^layout: option 'k' must be a whole number, but is 1.5$/);
    throwsClean(() => layout(x, w, { k: 11 }), /^layout: option 'k' must lie in \[0, 10\], but is 11$/);
    const [n4, o4] = [z([2, 4]), z([4])];
    throwsClean(() => mods.hazards.delete(n4, o4), /^delete: dimension options must be 3, but 'new' gives 4$/);
    const empty = z([2, 0]);
    throwsClean(() => mods.pick.pick_ends(empty), /^pick_ends: position 0 along K does not exist: K is 0$/);
    // A required hyperparameter left out (possible from JavaScript).
    throwsClean(() => mods.hazards.scaled(o4, {}), /^scaled: option 's' is required \(it has no default\)$/);
  });
});
