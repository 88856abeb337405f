import { formatAxes } from './axes.js';
import { liveNodes } from './live.js';
import type { Attrs, IrFunction, IrNode } from './types.js';

/**
 * A readable listing of a lowered loss, one node per line:
 *   %4 = sub(%1, %2)                     : real[N, D]
 */
export function printIr(fn: IrFunction): string {
  const lines: string[] = [];
  const sig = [
    ...fn.inputs.map((i) => {
      const elem = i.elem === 'index' ? `index of ${i.indexOf}` : i.elem;
      // A list input (`list[K] of [N, C]`): the body reads it stacked, [K, N, C].
      return i.list ? `${i.name}: list[${i.axes[0]!.dim}] of ${elem}[${formatAxes(i.axes.slice(1))}]` : `${i.name}: ${elem}[${formatAxes(i.axes)}]`;
    }),
    ...fn.hypers.map((h) => `${h.name}: ${h.elem}${h.default !== undefined ? ` = ${formatNumber(h.default)}` : ''}`),
  ];
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
