import { formatAxes } from './axes.js';
import { liveNodes } from './live.js';
import { enumText } from './enum-text.js';
import type { Attrs, Axis, IrFunction, IrHyper, IrInput, IrNode } from './types.js';

/**
 * A readable listing of a lowered loss, one node per line:
 *   %4 = sub(%1, %2)                     : real[N, D]
 */
export function printIr(fn: IrFunction): string {
  const lines: string[] = [];
  // In the order written (the IR keeps required inputs first).
  const at = (node: number): number => fn.nodes[node]?.span?.start.offset ?? 0;
  const sig = [...fn.inputs, ...fn.hypers].sort((a, b) => at(a.node) - at(b.node)).map((p) => ('axes' in p ? inputText(p) : hyperText(p)));
  lines.push(`loss ${fn.name}(${sig.join(', ')})`);
  const live = liveNodes(fn);
  for (const node of fn.nodes) {
    if (!live.has(node.id)) continue;
    const text = `%${node.id} = ${node.op}${formatArgs(node)}`;
    lines.push(`  ${text.padEnd(40)} : ${node.type.dtype}[${formatAxes(node.type.axes)}]`);
  }
  lines.push(`  return %${fn.output}${fn.reduction ? `    (reduction: ${fn.reduction.kind} of %${fn.reduction.perSample})` : ''}`);
  const passes = fn.gradients ? [fn.gradients.output, ...(fn.gradients.perSample ? [fn.gradients.perSample] : [])] : [];
  for (const pass of passes) {
    const grads = pass.grads.map((g) => `d/d${g.input} = %${g.node}`);
    lines.push(`  gradient of %${pass.root} given %${pass.seed}: ${grads.length > 0 ? grads.join(', ') : 'none'}`);
  }
  return lines.join('\n');
}

/** An input as declared: its kind, type, other form, domain and default (`y: real[N] = x`). */
function inputText(i: IrInput): string {
  const dims = (axes: readonly Axis[]): string => `[${formatAxes(axes)}]`;
  const elemType = (axes: readonly Axis[]): string =>
    i.elem === 'index' ? `index${dims(axes)} of ${i.indexOf}${i.ignore ? ` ignore ${i.ignore}` : ''}` : `${i.elem}${dims(axes)}`;
  // A list input (`list[K] of [N, C]`): the body reads it stacked, [K, N, C].
  const type = i.list ? `list[${i.axes[0]!.dim}] of ${elemType(i.axes.slice(1))}` : elemType(i.axes);
  const union = i.orIndices ? `index${dims(i.orIndices.axes)} of ${i.orIndices.of} | ` : '';
  const prefix = i.learnable ? 'param ' : i.broadcasts ? 'broadcast ' : '';
  const dflt = i.default === undefined ? '' : ` = ${typeof i.default === 'number' ? formatNumber(i.default) : i.default.input}`;
  return `${prefix}${i.name}: ${union}${type}${i.domain ? ` in ${i.domain.text}` : ''}${dflt}`;
}

/** A hyperparameter as declared: a string option's default is its string, not its position. */
function hyperText(h: IrHyper): string {
  if (h.values) return `${h.name}: ${enumText(h.values)}${h.default !== undefined ? ` = ${enumText([h.values[h.default]!])}` : ''}`;
  return `${h.name}: ${h.elem}${h.domain ? ` in ${h.domain.text}` : ''}${h.default !== undefined ? ` = ${formatNumber(h.default)}` : ''}`;
}

function formatArgs(node: IrNode): string {
  const args = node.args.map((a) => `%${a}`);
  const attrs = formatAttrs(node.op, node.attrs);
  return `(${[...args, ...attrs].join(', ')})`;
}

function formatAttrs(op: string, attrs: Attrs): string[] {
  switch (op) {
    case 'input':
      return [attrs.name!];
    case 'const':
      return [formatNumber(attrs.value!)];
    case 'iota':
      return [attrs.axis!];
    case 'size':
      return [attrs.dim!];
    case 'apply':
      return [attrs.name!];
    case 'rename':
      return [`${attrs.from} -> ${attrs.to}`];
    case 'pick':
      return [`${attrs.axis}=${attrs.index}`];
    case 'flatten':
      return [`(${attrs.axes!.join(', ')}) -> ${attrs.to}`];
    case 'unflatten':
      return [`${attrs.axis} -> (${attrs.axes!.join(', ')})`];
    default: {
      const out: string[] = [];
      if (attrs.axes) out.push(`axes=[${attrs.axes.join(', ')}]`);
      if (attrs.axis) out.push(`axis=${attrs.axis}`);
      if (attrs.empty !== undefined) out.push(`empty=${formatNumber(attrs.empty)}`);
      return out;
    }
  }
}

export function formatNumber(v: number): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}
