// The loss as tfjs's autodiff may differentiate it: where a select or a mask discards a
// position, an op of the discarded part whose derivative is infinite there (log at 0) gets
// a safe operand instead ("double where"). tfjs's gradient of tf.where(c, a, b) is 0 for a
// where c is false, and log's gradient multiplies it by 1/x: 0 · ∞ = NaN at x = 0, although
// the value there is never used. The compiler's own backward pass needs none of this: it
// knows where each share is 0 (src/grad/derivatives.ts, Guards). The values the loss returns
// do not change: only positions whose values are discarded read the safe operand.

import { OPS, type OpName } from './ops.js';
import { IrBuilder } from './graph.js';
import { memoized } from './memo.js';
import { withNodes } from './remap.js';
import type { IrFunction, IrNode, NodeId } from './types.js';
import { analyzeTiling } from './tile.js';
import { reachable } from './walk.js';

export type GuardRow = readonly [op: OpName, operand: number, safe: number, why: string];

/** Operands at which tfjs's derivative of the op is infinite or overflows, and a value where it is finite. */
export const GUARDS: readonly GuardRow[] = [
  // op        operand  safe  why
  ['log',      0,       1,    'd log x = dx / x: infinite at 0'],
  ['log1p',    0,       0,    'd log(1 + x) = dx / (1 + x): infinite at -1'],
  ['sqrt',     0,       1,    'd√x = dx / 2√x: infinite at 0'],
  ['div',      1,       1,    'd(a/b) = da / b - a db / b²: infinite at b = 0'],
  ['pow',      0,       1,    'd a^b = b a^(b-1) da + a^b log(a) db: infinite at a = 0 for b < 1, log 0 for db'],
  ['atan2',    1,       1,    'd atan2(a, b) = (b da - a db) / (a² + b²): 0/0 at (0, 0)'],
  ['lgamma',   0,       1,    'd log|Γ(x)| = ψ(x) dx: poles at 0 and the negative whole numbers'],
  ['digamma',  0,       1,    "d ψ(x) = ψ′(x) dx: poles at 0 and the negative whole numbers"],
  ['trigamma', 0,       1,    "d ψ′(x) = ψ″(x) dx: poles at 0 and the negative whole numbers"],
  ['exp',      0,       0,    'd e^x = e^x dx: overflows float32 above 88.7'],
  ['expm1',    0,       0,    'd(e^x - 1) = e^x dx: overflows float32 above 88.7'],
  ['cosh',     0,       0,    'd cosh x = sinh x dx: overflows float32 above 89'],
];

const SAFE = new Map(GUARDS.map(([op, operand, safe]) => [`${op}:${operand}`, safe] as const));
const guarded = (op: OpName): boolean => GUARDS.some(([o]) => o === op);

/**
 * Ops through which a position of the result reads the same position of each operand (by axis
 * name; a reduction reads every position along its axes): a discarded position of the result
 * discards those of the operands. Others (gathers, sorts, softmax along an axis, renames)
 * mix positions, and the search for guarded ops stops there.
 */
const positional = (op: OpName): boolean => {
  const kind = OPS[op].kind;
  return kind === 'unary' || kind === 'binary' || kind === 'select' || kind === 'reduce';
};

/** `fn` with the discarded operands of its guarded ops made safe; `fn` itself when it has none. */
export function guardedForAutodiff(fn: IrFunction): IrFunction {
  return memoized(fn, 'guarded for autodiff', () => {
    const general = rebuilt(fn, false)?.fn ?? fn;
    const specialised = fn.specialised?.map((s) => {
      const guarded = guardedForAutodiff(s.fn);
      return guarded === s.fn ? s : { ...s, fn: guarded };
    });
    if (general === fn && (specialised ?? []).every((s, k) => s === fn.specialised![k])) return fn;
    return { ...general, ...(specialised ? { specialised } : {}) };
  });
}

/**
 * The same for checkFinite's diagnosis of the forward pass: a log(0) the mask discards is no
 * step where a non-finite value "first appears" (it would hide the step that made the loss
 * NaN). Every node of `fn` keeps its id (the lowering's inputs and hyperparameters are keyed
 * by them); `at` gives the guarded form of a node (itself when unchanged).
 */
export function guardedForDiagnosis(fn: IrFunction): { readonly fn: IrFunction; readonly at: (id: NodeId) => NodeId } {
  return memoized(fn, 'guarded for the diagnosis', () => rebuilt(fn, true) ?? { fn, at: (id: NodeId) => id });
}

function rebuilt(fn: IrFunction, keepIds: boolean): { readonly fn: IrFunction; readonly at: (id: NodeId) => NodeId } | undefined {
  const real = (id: NodeId): boolean => fn.nodes[id]!.type.dtype === 'real';
  // The forward pass (not a derived backward one), its inputs and hyperparameters.
  const forward = [fn.output, ...(fn.reduction ? [fn.reduction.perSample] : []), ...(fn.reduction?.mask !== undefined ? [fn.reduction.mask] : []), ...(fn.reduction?.denominator !== undefined ? [fn.reduction.denominator] : [])];
  const visited = reachable(fn.nodes, [...forward, ...fn.inputs.map((i) => i.node), ...fn.hypers.map((h) => h.node)]);
  const order = fn.nodes.filter((n) => visited.has(n.id));
  // Whether a guarded op is reached from the node through positional ops and real operands.
  const reaches: boolean[] = [];
  for (const n of order) reaches[n.id] = guarded(n.op) || (positional(n.op) && realOperands(n).some((a) => real(a) && reaches[a]));
  const sites = order.filter((n) => (n.op === 'select' && (reaches[n.args[1]!] || reaches[n.args[2]!])) || (OPS[n.op].kind === 'reduce' && n.args.length === 2 && reaches[n.args[0]!]));
  if (sites.length === 0) return undefined;

  // Kept ids: the nodes as they are come first, and a copy of one unchanged is the node itself.
  const b = new IrBuilder(keepIds ? fn.nodes : []);
  const at = new Map<NodeId, NodeId>();
  const memo = new Map<string, NodeId>();
  const axesOf = (id: NodeId): string[] => b.type(id).axes.map((a) => a.name);
  /** The guard `g` (true: the position is used) over the axes of `target`: used if used anywhere along the others. */
  const over = (g: NodeId | undefined, target: NodeId): NodeId | undefined => {
    if (g === undefined) return undefined;
    const mine = new Set(axesOf(target));
    const extra = axesOf(g).filter((a) => !mine.has(a));
    return extra.length === 0 ? g : b.op('any', [g], { axes: extra });
  };
  const both = (g: NodeId | undefined, c: NodeId): NodeId => (g === undefined || g === c ? c : b.op('and', [g, c]));
  /**
   * Node `id` rebuilt, with the operands of guarded ops in it replaced by their safe value
   * where `g` (over its axes) is false; `g` undefined: every position is used.
   */
  const guard = (id: NodeId, g: NodeId | undefined): NodeId => {
    if (g !== undefined && !reaches[id]) return at.get(id)!;
    const key = `${id}:${g ?? ''}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const node = fn.nodes[id]!;
    const args = node.args.map((a) => at.get(a)!);
    if (node.op === 'select') {
      const c = args[0]!;
      args[1] = guard(node.args[1]!, over(both(g, c), at.get(node.args[1]!)!));
      args[2] = guard(node.args[2]!, over(both(g, b.op('not', [c])), at.get(node.args[2]!)!));
    } else if (OPS[node.op].kind === 'reduce' && real(node.args[0]!)) {
      // The mask (a second operand) discards what it does not select.
      const m = args[1];
      const used = m === undefined ? g : both(g, m);
      args[0] = guard(node.args[0]!, over(used, at.get(node.args[0]!)!));
    } else if (g !== undefined && positional(node.op)) {
      node.args.forEach((a, k) => {
        if (!real(a)) return;
        const own = over(g, at.get(a)!);
        const x = guard(a, own);
        const safe = SAFE.get(`${node.op}:${k}`);
        args[k] = safe === undefined ? x : b.op('select', [own!, x, b.constant(safe)], { guard: true });
      });
    }
    const out = b.copy(node, args);
    memo.set(key, out);
    return out;
  };
  for (const node of order) at.set(node.id, guard(node.id, undefined));
  const { gradients: _, specialised: __, ...plain } = fn;
  if (keepIds) return { fn: withNodes(plain, b.nodes, (id) => at.get(id) ?? id), at: (id) => at.get(id) ?? id };

  // Only what the loss reads, its inputs and hyperparameters (the plain copies of guarded parts go).
  const roots = [...forward, ...fn.inputs.map((i) => i.node), ...fn.hypers.map((h) => h.node)].map((id) => at.get(id)!);
  const live = reachable(b.nodes, roots);
  const c = new IrBuilder();
  const compact = new Map<NodeId, NodeId>();
  for (const n of b.nodes) if (live.has(n.id)) compact.set(n.id, c.copy(n, n.args.map((a) => compact.get(a)!)));
  const out = withNodes(plain, c.nodes, (id) => compact.get(at.get(id)!)!);
  // The tiling plan decides the options object (`blockRows`): both forms take the same one.
  if ('plan' in analyzeTiling(fn) !== 'plan' in analyzeTiling(out)) return undefined;
  return { fn: out, at: (id) => compact.get(at.get(id)!)! };
}

/** The operands a gradient flows to: not a select's condition, not a reduction's mask. */
function realOperands(n: IrNode): readonly NodeId[] {
  if (n.op === 'select') return n.args.slice(1);
  if (OPS[n.op].kind === 'reduce') return n.args.slice(0, 1);
  return n.args;
}
