// Value checks of the tfjs evaluator, the twins of what generated code does (emit-values.ts,
// the `nanAt` and `nonFinite` helpers of emit-ops.ts) with the same messages: NaN in an input,
// and with `checkFinite`, where a NaN or infinite loss first came from.
import * as tf from '@tensorflow/tfjs';
import { REST, type IrFunction, type NodeId } from '../ir/types.js';
import { topoOrder } from './emit-body.js';
import { inputDependencies, nodeLabel } from './emit-finite.js';
import { EvalError } from './reference.js';

const LEAVES = new Set(['input', 'const', 'size', 'iota']);

function index(shape: readonly number[], flat: number): number[] {
  const out: number[] = [];
  for (let k = shape.length - 1, r = flat; k >= 0; k--) {
    out.unshift(r % shape[k]!);
    r = Math.floor(r / shape[k]!);
  }
  return out;
}

/** Where `x` first holds NaN, as `[i, j]`, or undefined; only a flag is read back otherwise. */
export function nanAt(x: tf.Tensor): string | undefined {
  if (x.dtype !== 'float32' || tf.tidy(() => tf.any(tf.isNaN(x)).dataSync()[0]) !== 1) return undefined;
  const flat = Array.from(x.dataSync()).findIndex((v) => Number.isNaN(v));
  return `[${index(x.shape, flat).join(', ')}]`;
}

/** Throws for NaN in a real input or in the weights, as generated code does. */
export function rejectNaN(fn: IrFunction, inputs: Readonly<Record<string, tf.Tensor>>, weights: tf.Tensor | undefined): void {
  const scanned = [...fn.inputs.filter((i) => i.elem === 'real').map((i) => [`input '${i.name}'`, inputs[i.name]] as const), ["option 'weights'", weights] as const];
  for (const [what, t] of scanned) {
    const at = t ? nanAt(t) : undefined;
    if (at !== undefined) throw new EvalError(`${fn.name}: ${what} holds NaN at ${at}, but must hold numbers (float32 values that are not NaN)`);
  }
}

/**
 * With `checkFinite`: throws when the value of `root` holds NaN or an infinity, naming the
 * input, option or first operation that led there. `valueOf` gives the tensors computed.
 */
export function rejectNonFinite(
  fn: IrFunction,
  root: NodeId,
  valueOf: (id: NodeId) => tf.Tensor | undefined,
  inputs: Readonly<Record<string, tf.Tensor>>,
  hypers: Readonly<Record<string, number>>,
): void {
  const bad = (t: tf.Tensor): number => (t.dtype === 'float32' ? Array.from(t.dataSync()).findIndex((v) => !Number.isFinite(v)) : -1);
  const value = valueOf(root)!;
  const at = bad(value);
  if (at < 0) return;
  const show = (t: tf.Tensor, k: number): string => String(t.dataSync()[k]);
  const head = `${fn.name}: the loss is ${show(value, at)}${value.rank > 0 ? ` at [${index(value.shape, at).join(', ')}]` : ''} (checkFinite)`;
  const given = fn.inputs.map((i) => [i.name, inputs[i.name]!, i.axes.map((a) => (a.name === REST ? REST : a.dim))] as const);
  for (const [name, t] of given) {
    const k = bad(t);
    if (k >= 0) throw new EvalError(`${head}: input '${name}' holds ${show(t, k)} at [${index(t.shape, k).join(', ')}]`);
  }
  for (const h of fn.hypers) {
    const v = hypers[h.name] ?? h.default;
    if (h.elem === 'real' && v !== undefined && !Number.isFinite(v)) throw new EvalError(`${head}: option '${h.name}' is ${v}`);
  }
  const order = topoOrder(fn, [root]);
  const deps = inputDependencies(fn, order);
  for (const node of order) {
    const t = node.type.dtype === 'real' && !LEAVES.has(node.op) ? valueOf(node.id) : undefined;
    const k = t ? bad(t) : -1;
    if (!t || k < 0) continue;
    const axes = node.type.axes.filter((a) => a.name !== REST);
    const pos = index(t.shape, k);
    const lead = pos.slice(0, pos.length - axes.length);
    const named = pos.slice(pos.length - axes.length);
    const where = [...(lead.length > 0 ? [`...=[${lead.join(', ')}]`] : []), ...axes.map((a, i) => `${a.name}=${named[i]}`)];
    const there = (deps.get(node.id) ?? []).map((d) => {
      const [name, x, dims] = given[d]!;
      const restRank = x.rank - dims.length + 1;
      const fixed = dims.flatMap((dim): (number | undefined)[] => {
        if (dim === REST) return Array.from({ length: restRank }, (_, i) => (lead.length === restRank ? lead[i] : undefined));
        const hits = axes.flatMap((a, i) => (a.dim === dim ? [named[i]] : []));
        return [hits.length === 1 ? hits[0] : undefined];
      });
      const values: string[] = [];
      const data = x.dataSync();
      for (let f = 0; f < x.size && values.length <= 4; f++) {
        if (index(x.shape, f).every((p, i) => fixed[i] === undefined || fixed[i] === p)) values.push(String(data[f]));
      }
      const shown = values.length > 4 ? [...values.slice(0, 4), '...'] : values;
      return `${name}[${fixed.map((p) => p ?? ':').join(', ')}] = ${shown.join(', ')}`;
    });
    throw new EvalError(`${head}: it first appears as ${show(t, k)} in ${nodeLabel(node)} at [${where.join(', ')}] from finite operands${there.length > 0 ? `, where ${there.join('; ')}` : ''}`);
  }
  throw new EvalError(head);
}
