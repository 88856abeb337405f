// The memory plan of a differentiated loss (saved.ts) for `lossc explain`: per backward pass,
// each value the forward saves for it and each it recomputes, with its shape in dims and its
// size in bytes as a polynomial of the dims (`5·N² + 8·N + 4·D bytes`), beside what saving
// every value the backward reads would hold.

import type { DType } from '../ir/ops.js';
import type { IrBackward, IrFunction, NodeId } from '../ir/types.js';
import { memoryPlan } from './saved.js';

/** Bytes per element of each dtype as tfjs stores it. */
const BYTES: Readonly<Record<DType, number>> = { real: 4, int: 4, bool: 1 };
const TF_NAME: Readonly<Record<DType, string>> = { real: 'float32', int: 'int32', bool: 'bool' };

export interface PlannedValue {
  readonly id: NodeId;
  /** `%18 le`, or `e (input)` for an input. */
  readonly label: string;
  /** `[N, N] bool`. */
  readonly shape: string;
  /** Its bytes, `N²`, `4·N·D`; absent for an input or a renamed view of a value listed already (no memory of its own). */
  readonly bytes?: string;
}

export interface PassMemory {
  /**
   * `output` (the loss's own), `perSample` (the per-sample losses, for other reductions and
   * weights), or `denominator` (a divided mean's denominators, `mean(l, where: m, by: d)`,
   * under the same options).
   */
  readonly pass: 'output' | 'perSample' | 'denominator';
  readonly saved: readonly PlannedValue[];
  readonly recomputed: readonly PlannedValue[];
  /** Bytes of the saved values together. */
  readonly savedBytes: string;
  /** Bytes saving every value the backward reads would hold. */
  readonly readBytes: string;
}

/** The tensor a node's value is: renames and reals read as reals share their operand's. */
function owner(fn: IrFunction, id: NodeId): NodeId {
  const node = fn.nodes[id]!;
  if (node.op === 'rename' || (node.op === 'to_real' && fn.nodes[node.args[0]!]!.type.dtype === 'real')) return owner(fn, node.args[0]!);
  return id;
}

type Polynomial = Map<string, { readonly dims: ReadonlyMap<string, number>; coefficient: number }>;

const SUPERSCRIPT = ['', '', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

function monomialText(dims: ReadonlyMap<string, number>): string {
  const parts = [...dims].sort(([a], [b]) => a.localeCompare(b)).map(([d, e]) => d + (SUPERSCRIPT[e] ?? `^${e}`));
  return parts.join('·');
}

function termText(coefficient: number, dims: ReadonlyMap<string, number>): string {
  const m = monomialText(dims);
  if (!m) return String(coefficient);
  return coefficient === 1 ? m : `${coefficient}·${m}`;
}

function degree(dims: ReadonlyMap<string, number>): number {
  return [...dims.values()].reduce((s, e) => s + e, 0);
}

function polynomialText(p: Polynomial): string {
  const terms = [...p.values()].sort((a, b) => degree(b.dims) - degree(a.dims) || monomialText(a.dims).localeCompare(monomialText(b.dims)));
  return terms.length === 0 ? '0 bytes' : `${terms.map((t) => termText(t.coefficient, t.dims)).join(' + ')} bytes`;
}

/** Bytes the values `ids` hold together (each tensor once, inputs not at all), and each one's own. */
function sizes(fn: IrFunction, ids: readonly NodeId[]): { total: string; own: Map<NodeId, string> } {
  const p: Polynomial = new Map();
  const own = new Map<NodeId, string>();
  const counted = new Set<NodeId>();
  for (const id of ids) {
    const t = owner(fn, id);
    if (fn.nodes[t]!.op === 'input' || counted.has(t)) continue;
    counted.add(t);
    const node = fn.nodes[t]!;
    const dims = new Map<string, number>();
    for (const a of node.type.axes) dims.set(a.dim, (dims.get(a.dim) ?? 0) + 1);
    const key = monomialText(dims);
    const entry = p.get(key) ?? { dims, coefficient: 0 };
    entry.coefficient += BYTES[node.type.dtype];
    p.set(key, entry);
    own.set(id, termText(BYTES[node.type.dtype], dims));
  }
  return { total: polynomialText(p), own };
}

function planned(fn: IrFunction, id: NodeId, own: ReadonlyMap<NodeId, string>): PlannedValue {
  const node = fn.nodes[id]!;
  const input = node.op === 'input' ? fn.inputs.find((i) => i.node === id) : undefined;
  const bytes = own.get(id);
  return {
    id,
    label: input ? `${input.name} (input)` : `%${id} ${node.op}`,
    shape: `[${node.type.axes.map((a) => a.dim).join(', ')}] ${TF_NAME[node.type.dtype]}`,
    ...(bytes !== undefined ? { bytes } : {}),
  };
}

function passMemory(fn: IrFunction, pass: IrBackward, name: PassMemory['pass']): PassMemory {
  const plan = memoryPlan(fn, pass);
  const saved = sizes(fn, plan.saved);
  return {
    pass: name,
    saved: plan.saved.map((id) => planned(fn, id, saved.own)),
    // A rename is a view of its operand's tensor: nothing to recompute.
    recomputed: plan.recomputed.filter((id) => fn.nodes[id]!.op !== 'rename').map((id) => planned(fn, id, new Map())),
    savedBytes: saved.total,
    readBytes: sizes(fn, plan.read).total,
  };
}

/** The memory plan of each backward pass of `fn` (a differentiated loss: `fn.gradients`). */
export function memoryReport(fn: IrFunction): PassMemory[] {
  const g = fn.gradients;
  if (!g) return [];
  return [
    passMemory(fn, g.output, 'output'),
    ...(g.perSample ? [passMemory(fn, g.perSample, 'perSample')] : []),
    ...(g.denominator ? [passMemory(fn, g.denominator, 'denominator')] : []),
  ];
}

const PASS_TITLE: Readonly<Record<PassMemory['pass'], string>> = {
  output: 'the loss',
  perSample: 'the per-sample losses (with a reduction or weights option)',
  denominator: "the mean's denominators (with a reduction or weights option)",
};

/** Lines for `lossc explain`: per pass, the saved values, the recomputed ones, and the totals. */
export function formatMemoryReport(passes: readonly PassMemory[]): string[] {
  const line = (verb: string, v: PlannedValue): string => `    ${verb} ${v.label}: ${v.shape}${v.bytes !== undefined ? `, ${v.bytes} bytes` : ''}`;
  const lines: string[] = [];
  passes.forEach((p, k) => {
    const same = k > 0 && JSON.stringify({ ...passes[0], pass: p.pass }) === JSON.stringify(p);
    lines.push(`  backward of ${PASS_TITLE[p.pass]}:${same ? ' as above' : ''}`);
    if (same) return;
    lines.push(...p.saved.map((v) => line('saves', v)));
    lines.push(...p.recomputed.map((v) => `    recomputes ${v.label}: ${v.shape}`));
    lines.push(`    saved in all: ${p.savedBytes} (saving every value the backward reads: ${p.readBytes})`);
  });
  return lines;
}
