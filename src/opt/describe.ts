// Short readable forms of IR subterms, for the before → after of each applied rewrite:
// `log(sigmoid(x))`, `sum(exp(x), C)`, `(y * x) - softplus(x)`. Deeper parts are `…`.

import { OPS } from '../ir/ops.js';
import { formatNumber } from '../ir/print.js';
import type { IrNode, NodeId } from '../ir/types.js';

const INFIX: Readonly<Record<string, string>> = {
  add: '+', sub: '-', mul: '*', div: '/', pow: '^',
  eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=', and: 'and', or: 'or',
};

export function describeNode(node: (id: NodeId) => IrNode, id: NodeId, depth = 5): string {
  const n = node(id);
  const sub = (a: NodeId): string => {
    const text = describeNode(node, a, depth - 1);
    return INFIX[node(a).op] && text !== '…' ? `(${text})` : text;
  };
  switch (n.op) {
    case 'input':
      return n.attrs.name!;
    case 'const':
      return formatNumber(n.attrs.value!);
    case 'size':
      return n.attrs.dim!;
    case 'iota':
      return n.attrs.axis!;
  }
  if (depth <= 0) return '…';
  const infix = INFIX[n.op];
  if (infix) return `${sub(n.args[0]!)} ${infix} ${sub(n.args[1]!)}`;
  const args = n.args.map((a) => describeNode(node, a, depth - 1));
  switch (n.op) {
    case 'neg':
      return `-${sub(n.args[0]!)}`;
    case 'select':
      return `if ${args[0]} then ${args[1]} else ${args[2]}`;
    case 'gather':
      return `${sub(n.args[0]!)}[${args[1]}]`;
    case 'pick':
      return `pick(${args[0]}, ${n.attrs.axis}=${n.attrs.index})`;
    case 'rename':
      return `rename(${args[0]}, ${n.attrs.from} -> ${n.attrs.to})`;
    case 'flatten':
      return `flatten(${args[0]}, (${n.attrs.axes!.join(', ')}), ${n.attrs.to})`;
    case 'unflatten':
      return `unflatten(${args[0]}, ${n.attrs.axis}, (${n.attrs.axes!.join(', ')}))`;
  }
  const extra: string[] = [];
  const axes = n.attrs.axes;
  if (axes) extra.push(axes.length === 1 ? axes[0]! : `(${axes.join(', ')})`);
  if (n.attrs.axis !== undefined) extra.push(n.attrs.axis);
  // Only a reduction's second operand is a mask: maximum(x, 0) is two operands.
  if (OPS[n.op].kind !== 'reduce') return `${n.op}(${[...args, ...extra].join(', ')})`;
  if (args.length > 1) extra.push(`where: ${args[1]}`);
  return `${n.op}(${[args[0]!, ...extra].join(', ')})`;
}
