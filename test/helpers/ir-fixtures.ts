// Hand-built IrFunctions for tests that need IR without the parser (evaluators, emitter,
// optimizer, stability analysis). Each fixture says in its doc comment the formula it stands
// for; `buildIr` assembles any other one from an IrBuilder callback.
import { IrBuilder } from '../../src/ir/graph.js';
import { findReduction } from '../../src/ir/reduction.js';
import { REST, REST_AXIS, type Axis, type DimSource, type IrFunction, type IrHyper, type IrInput, type NodeId } from '../../src/ir/types.js';

/** A tensor parameter: `shape` lists dim names, optionally '...' first. */
export interface FixtureInput {
  name: string;
  shape: string[];
  elem?: 'real' | 'int' | 'bool' | 'index';
  /** For elem 'index': the dim whose size bounds the values. */
  indexOf?: string;
}

export interface FixtureHyper {
  name: string;
  elem?: 'real' | 'int' | 'bool';
  default?: number;
}

export interface FixtureSpec {
  name: string;
  formula?: string;
  inputs: FixtureInput[];
  hypers?: FixtureHyper[];
  /** Dims with a size fixed by the declaration (e.g. `[N, 3]`). */
  fixedDims?: Record<string, number>;
  /** Builds the body; `v` maps every input and hyper name to its node. Returns the output. */
  body: (b: IrBuilder, v: Record<string, NodeId>) => NodeId;
}

/** An axis whose name is its dim, or an index-variable axis `name` over `dim`. */
export function ax(name: string, dim: string = name): Axis {
  return name === REST ? REST_AXIS : { name, dim };
}

/**
 * Assembles an IrFunction: input and hyper nodes first, then the body; `dims` read each
 * named dim from the first input that has it (counted from the back after a rest axis,
 * 1 = last); `reduction` as the lowering finds it (an outer unmasked mean/sum over all axes).
 */
export function buildIr(spec: FixtureSpec): IrFunction {
  const b = new IrBuilder();
  const v: Record<string, NodeId> = {};
  const inputs: IrInput[] = [];
  const hypers: IrHyper[] = [];
  const dims: DimSource[] = [];
  const seen = new Set<string>();
  for (const [dim, size] of Object.entries(spec.fixedDims ?? {})) {
    dims.push({ dim, size });
    seen.add(dim);
  }
  for (const inp of spec.inputs) {
    const elem = inp.elem ?? 'real';
    const axes = inp.shape.map((d) => ax(d));
    const node = b.input(inp.name, { dtype: elem === 'index' ? 'int' : elem, axes });
    v[inp.name] = node;
    inputs.push({ name: inp.name, elem, axes, node, ...(inp.indexOf ? { indexOf: inp.indexOf } : {}) });
    const named = inp.shape.filter((d) => d !== REST);
    const fromEnd = named.length !== inp.shape.length;
    named.forEach((dim, i) => {
      if (seen.has(dim)) return;
      seen.add(dim);
      dims.push({ dim, input: inp.name, position: fromEnd ? named.length - i : i, fromEnd });
    });
  }
  for (const h of spec.hypers ?? []) {
    const elem = h.elem ?? 'real';
    const node = b.input(h.name, { dtype: elem, axes: [] });
    v[h.name] = node;
    hypers.push({ name: h.name, elem, node, ...(h.default !== undefined ? { default: h.default } : {}) });
  }
  const output = spec.body(b, v);
  const reduction = findReduction(b.nodes, output);
  return {
    name: spec.name,
    formula: spec.formula ?? spec.name,
    file: 'fixtures.loss',
    inputs,
    hypers,
    dims,
    nodes: [...b.nodes],
    output,
    ...(reduction ? { reduction } : {}),
  };
}

/** `loss mse(x: [..., D], y: [..., D]) = mean((x - y)^2)`: mean over the rest axis and D. */
export function mseFixture(): IrFunction {
  return buildIr({
    name: 'mse',
    formula: 'mean((x - y)^2)',
    inputs: [{ name: 'x', shape: [REST, 'D'] }, { name: 'y', shape: [REST, 'D'] }],
    body: (b, v) => b.op('mean', [b.op('square', [b.op('sub', [v.x!, v.y!])])], { axes: [REST, 'D'] }),
  });
}

/**
 * `loss triplet(a: [N, D], p: [N, D], n: [N, D], m: real = 1.0) =
 *    mean(max(0, sum((a - p)^2, D) - sum((a - n)^2, D) + m))`: squared distances, hyper m.
 */
export function tripletFixture(): IrFunction {
  return buildIr({
    name: 'triplet',
    formula: 'mean(max(0, d(a, p) - d(a, n) + m))',
    inputs: ['a', 'p', 'n'].map((name) => ({ name, shape: ['N', 'D'] })),
    hypers: [{ name: 'm', default: 1 }],
    body: (b, v) => {
      const d = (x: NodeId, y: NodeId): NodeId => b.op('sum', [b.op('square', [b.op('sub', [x, y])])], { axes: ['D'] });
      const margin = b.op('add', [b.op('sub', [d(v.a!, v.p!), d(v.a!, v.n!)]), v.m!]);
      return b.op('mean', [b.op('maximum', [b.constant(0), margin])], { axes: ['N'] });
    },
  });
}

/**
 * Batch-hard positive mining: `loss hardest(e: [N, D], y: int[N]) =
 *   mean(max(dist[i, j], j, where: y[i] == y[j] and i != j), i)` with
 * `dist[i, j] = sum((e[i] - e[j])^2, D)`; rows without a positive give attrs.empty = 0.
 * Built from rename (N -> i, N -> j), iota and ne; the masked max has axes [i, j].
 */
export function maskedMaxFixture(): IrFunction {
  return buildIr({
    name: 'hardest',
    formula: 'mean(max(dist[i, j], j, where: y[i] == y[j] and i != j))',
    inputs: [{ name: 'e', shape: ['N', 'D'] }, { name: 'y', shape: ['N'], elem: 'int' }],
    body: (b, v) => {
      const at = (x: NodeId, name: string): NodeId => b.op('rename', [x], { from: 'N', to: name });
      const dist = b.op('sum', [b.op('square', [b.op('sub', [at(v.e!, 'i'), at(v.e!, 'j')])])], { axes: ['D'] });
      const same = b.op('eq', [at(v.y!, 'i'), at(v.y!, 'j')]);
      const other = b.op('ne', [b.iota(ax('i', 'N')), b.iota(ax('j', 'N'))]);
      const mask = b.op('and', [same, other]);
      const hardest = b.op('max', [dist, mask], { axes: ['j'], empty: 0 });
      return b.op('mean', [hardest], { axes: ['i'] });
    },
  });
}

/**
 * `loss cross_entropy(logits: [N, C], target: index[N] of C) =
 *   mean(-log_softmax(logits, C)[target])`: gather along C by a class index.
 */
export function crossEntropyFixture(): IrFunction {
  return buildIr({
    name: 'cross_entropy',
    formula: 'mean(-log_softmax(logits, C)[target])',
    inputs: [{ name: 'logits', shape: ['N', 'C'] }, { name: 'target', shape: ['N'], elem: 'index', indexOf: 'C' }],
    body: (b, v) => {
      const lsm = b.op('log_softmax', [v.logits!], { axis: 'C' });
      return b.op('mean', [b.op('neg', [b.op('gather', [lsm, v.target!], { axis: 'C' })])], { axes: ['N'] });
    },
  });
}

/** `loss probs(x: [N, C]) = softmax(x, C)`: a tensor output [N, C], no reduction. */
export function softmaxFixture(): IrFunction {
  return buildIr({
    name: 'probs',
    formula: 'softmax(x, C)',
    inputs: [{ name: 'x', shape: ['N', 'C'] }],
    body: (b, v) => b.op('softmax', [v.x!], { axis: 'C' }),
  });
}

/**
 * `loss hinge(x: [N], y: [N], margin: real = 1) =
 *   sum(where(y * x < margin, margin - y * x, 0))`: select on a comparison of the inputs.
 */
export function hingeSelectFixture(): IrFunction {
  return buildIr({
    name: 'hinge',
    formula: 'sum(where(y * x < margin, margin - y * x, 0))',
    inputs: [{ name: 'x', shape: ['N'] }, { name: 'y', shape: ['N'] }],
    hypers: [{ name: 'margin', default: 1 }],
    body: (b, v) => {
      const yx = b.op('mul', [v.y!, v.x!]);
      const cond = b.op('lt', [yx, v.margin!]);
      return b.op('sum', [b.op('select', [cond, b.op('sub', [v.margin!, yx]), b.constant(0)])], { axes: ['N'] });
    },
  });
}

/**
 * `loss masked_lse(x: [N, K], keep: bool[N, K]) = sum(logsumexp(x, K, where: keep, empty: 0))`:
 * rows of `keep` that are all false give 0 and must get a zero (finite) gradient.
 */
export function maskedLogsumexpFixture(): IrFunction {
  return buildIr({
    name: 'masked_lse',
    formula: 'sum(logsumexp(x, K, where: keep))',
    inputs: [{ name: 'x', shape: ['N', 'K'] }, { name: 'keep', shape: ['N', 'K'], elem: 'bool' }],
    body: (b, v) => b.op('sum', [b.op('logsumexp', [v.x!, v.keep!], { axes: ['K'], empty: 0 })], { axes: ['N'] }),
  });
}
