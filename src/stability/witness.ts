// Concrete inputs that trigger a hazard, found by trying the special values of each input's
// declared domain (its ends, 0, ±1, tiny and huge magnitudes) at one point of the loss
// (point.ts), simplest combinations first. Every finding carries one: the analysis reports
// nothing it cannot show happening, and the message names the inputs that matter.

import type { IrFunction, NodeId } from '../ir/types.js';
import { contains, formatValue } from '../ranges/interval.js';
import { cone, PointModel } from './point.js';
import { render } from './render.js';
import { domainRange, type Guard } from '../ranges/analysis.js';
import { quoted } from '../ir/enum-text.js';

/** Values at the point: float32 as the loss computes them, and exact (float64) from the same inputs. */
export interface PointView {
  f32(id: NodeId): number;
  exact(id: NodeId): number;
}

export type Test = (p: PointView) => boolean;

export interface Witness {
  /** Input node id → value. */
  readonly values: ReadonlyMap<NodeId, number>;
  readonly view: PointView;
  /** "p = 0", "a = p", or '' when any input triggers it. */
  readonly subject: string;
}

/** Tried in this order for a real input, after its domain's closed ends. */
const SPECIAL = [0, 1, -1, 0.5, 2, -2, 1e-8, -1e-8, 20, -20, 100, -100, 1e4, -1e4];
const INTS = [0, 1, -1, 2, 3];
/** A search costs at most this many point evaluations (a few ms), found or not. */
const MAX_COMBINATIONS = 3000;

interface Var {
  readonly node: NodeId;
  readonly name: string;
  readonly elem: string;
  readonly values: readonly number[];
}

function variables(fn: IrFunction, order: readonly NodeId[]): Var[] {
  const vars: Var[] = [];
  for (const id of order) {
    const node = fn.nodes[id]!;
    if (node.op === 'apply') {
      vars.push({ node: id, name: render(fn, id), elem: 'real', values: SPECIAL.map(Math.fround) });
      continue;
    }
    if (node.op !== 'input') continue;
    const name = node.attrs.name!;
    const input = fn.inputs.find((i) => i.name === name);
    const hyper = fn.hypers.find((h) => h.name === name);
    const elem = input?.elem ?? hyper?.elem ?? 'real';
    const domain = input?.domain ?? hyper?.domain;
    const range = domainRange(domain, elem === 'index' ? 'int' : elem);
    let values: number[];
    if (elem === 'bool') values = [0, 1];
    else if (elem === 'index') values = [0];
    else if (domain?.kind === 'set') values = [...(domain.values ?? [])];
    else {
      const ends = [range.loOpen ? undefined : range.lo, range.hiOpen ? undefined : range.hi].filter((v): v is number => v !== undefined);
      const pool = elem === 'int' ? [...ends, ...INTS] : [...ends, ...SPECIAL];
      values = pool.filter((v) => contains(range, v));
    }
    if (hyper?.default !== undefined) values.unshift(hyper.default);
    vars.push({ node: id, name, elem, values: [...new Set(values.map(Math.fround))] });
  }
  return vars;
}

/** Index vectors over `sizes`, by increasing sum (simplest first), at most `limit`. */
function combinations(sizes: readonly number[], limit: number): number[][] {
  const maxSum = sizes.reduce((s, n) => s + n - 1, 0);
  const out: number[][] = [];
  const pick: number[] = sizes.map(() => 0);
  const fill = (k: number, left: number): void => {
    if (out.length >= limit) return;
    if (k === sizes.length) {
      if (left === 0) out.push([...pick]);
      return;
    }
    for (let i = 0; i < sizes[k]! && i <= left; i++) {
      pick[k] = i;
      fill(k + 1, left - i);
    }
  };
  for (let s = 0; s <= maxSum && out.length < limit; s++) fill(0, s);
  return out;
}

export class WitnessFinder {
  private readonly model: PointModel;

  constructor(private readonly fn: IrFunction) {
    this.model = new PointModel(fn);
  }

  /** The simplest inputs under which every guard holds and `test` is true. */
  find(roots: readonly NodeId[], guards: readonly Guard[], test: Test): Witness | undefined {
    const order = cone(this.fn, [...roots, ...guards.map((g) => g.cond)]);
    const vars = variables(this.fn, order);
    const at = (values: ReadonlyMap<NodeId, number>): PointView | undefined => {
      const f = this.model.evaluate(order, values, Math.fround);
      if (guards.some((g) => Number.isNaN(f[g.cond]!) || (f[g.cond]! !== 0) !== g.truth)) return undefined;
      // The exact values only for the rules that compare with them.
      let e: Float64Array | undefined;
      const exact = (id: NodeId): number => (e ??= this.model.evaluate(order, values, (x) => x))[id]!;
      const view: PointView = { f32: (id) => f[id]!, exact };
      return test(view) ? view : undefined;
    };
    for (const pick of combinations(vars.map((v) => v.values.length), MAX_COMBINATIONS)) {
      const values = new Map(vars.map((v, k) => [v.node, v.values[pick[k]!]!]));
      const view = at(values);
      if (view) return { values, view, subject: this.subject(vars, values, at) || diagonalOf(this.fn, order) };
    }
    return undefined;
  }

  /**
   * Names the inputs whose value matters: some other value of theirs, the others kept, does
   * not trigger it (every value of the input's pool is tried: a few would not show that x = 2
   * makes log(x - 1) finite). Equal ones as `a = p`. When none does, `whatever the inputs`.
   */
  private subject(vars: readonly Var[], values: ReadonlyMap<NodeId, number>, at: (v: ReadonlyMap<NodeId, number>) => PointView | undefined): string {
    const matters = vars.filter((v) => {
      const others = v.values.filter((x) => x !== values.get(v.node));
      return others.length > 0 && others.some((x) => !at(new Map(values).set(v.node, x)));
    });
    if (matters.length === 0) return '';
    const first = values.get(matters[0]!.node)!;
    if (matters.length > 1 && matters.every((v) => v.elem === 'real' && values.get(v.node) === first)) {
      const shared = SPECIAL.filter((x) => x !== first && matters.every((v) => v.values.includes(Math.fround(x)))).slice(0, 3);
      const held = shared.filter((x) => at(new Map([...values, ...matters.map((v): [NodeId, number] => [v.node, Math.fround(x)])])));
      if (held.length >= 2) return matters.map((v) => v.name).join(' = ');
    }
    // A hyperparameter of strings is held as its position: shown as the string.
    const strings = (v: Var): readonly string[] | undefined => this.fn.hypers.find((h) => h.node === v.node)?.values;
    const parts = matters.map((v) => `${v.name} = ${v.elem === 'bool' ? (values.get(v.node) ? 'true' : 'false') : strings(v) ? quoted(strings(v)![values.get(v.node)!] ?? '?') : formatValue(values.get(v.node)!)}`);
    return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
  }
}

/**
 * `i = j` for copies of one dim among the axes of `order` (e[i] - e[j]): the point has one
 * element per dim, so what it shows holds where the copies meet, not everywhere. '' if none.
 */
function diagonalOf(fn: IrFunction, order: readonly NodeId[]): string {
  const names = new Map<string, Set<string>>();
  for (const id of order) {
    for (const a of fn.nodes[id]!.type.axes) {
      if (a.name.startsWith('%') || a.name === a.dim) continue;
      names.set(a.dim, (names.get(a.dim) ?? new Set()).add(a.name));
    }
  }
  return [...names.values()].filter((s) => s.size > 1).map((s) => [...s].join(' = ')).join(' and ');
}

/** "p = 0 gives log(0) = -Infinity", or "whatever the inputs, ..." for a finding no input reaches. */
export function sentence(subject: string, consequence: string): string {
  return subject ? `${subject} gives ${consequence}` : `whatever the inputs, ${consequence}`;
}

/** A number as the messages print it: -Infinity, NaN, 0, 1e-8. */
export function show(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return formatValue(v);
}

/** `base^exponent` as the language reads it: `(-1)^1.5`, not `-1^1.5`, which is -(1^1.5). */
export function power(base: number, exponent: number): string {
  const operand = (v: number): string => (v < 0 || Object.is(v, -0) ? `(${show(v)})` : show(v));
  return `${operand(base)}^${operand(exponent)}`;
}
