// IR back to short loss-language text for messages: `log(1 - sigmoid(x))`, `norm(a - p, D)`.
// Deep subexpressions become `…` so that a message stays one readable line.

import { formatValue } from '../ranges/interval.js';
import type { IrFunction, IrNode, NodeId } from '../ir/types.js';

const INFIX: Record<string, [string, number]> = {
  or: ['or', 1], and: ['and', 2],
  eq: ['==', 4], ne: ['!=', 4], lt: ['<', 4], le: ['<=', 4], gt: ['>', 4], ge: ['>=', 4],
  add: ['+', 5], sub: ['-', 5], mul: ['*', 6], div: ['/', 6], pow: ['^', 8],
};
const ATOM = 9;
const MAX_LENGTH = 60;

export function render(fn: IrFunction, id: NodeId): string {
  return renderPrec(fn, id)[0];
}

/** The text and its precedence (for embedding in a larger expression). */
function renderPrec(fn: IrFunction, id: NodeId): [string, number] {
  for (let depth = 5; depth > 1; depth--) {
    const out = new Renderer(fn, depth).expr(id, 0);
    if (out[0].length <= MAX_LENGTH) return out;
  }
  return new Renderer(fn, 1).expr(id, 0);
}

/**
 * Node `id` in full, except that each node of `parts` is rendered on its own (shortened as
 * `render` does): a rewrite's replacement around the subexpressions it reuses.
 */
export function renderAround(fn: IrFunction, id: NodeId, parts: Iterable<NodeId>): string {
  const fixed = new Map([...parts].map((p) => [p, renderPrec(fn, p)] as const));
  return new Renderer(fn, Infinity, fixed).expr(id, 0)[0];
}

class Renderer {
  constructor(
    private readonly fn: IrFunction,
    private readonly maxDepth: number,
    private readonly fixed: ReadonlyMap<NodeId, [string, number]> = new Map(),
  ) {}

  private n(id: NodeId): IrNode {
    return this.fn.nodes[id]!;
  }

  /** Text of node `id` and its precedence. */
  expr(id: NodeId, depth: number): [string, number] {
    const given = this.fixed.get(id);
    if (given) return given;
    const node = this.n(id);
    if (depth > this.maxDepth && node.args.length > 0) return ['…', ATOM];
    const sub = (i: number, min = 0): string => this.paren(node.args[i]!, depth + 1, min);
    const call = (name: string, ...args: string[]): [string, number] => [`${name}(${args.join(', ')})`, ATOM];
    const infix = INFIX[node.op];
    if (infix) {
      const [sym, p] = infix;
      if (node.op === 'pow') return [`${sub(0, p + 1)}^${sub(1, p)}`, p];
      return [`${sub(0, p)} ${sym} ${sub(1, p + 1)}`, p];
    }
    switch (node.op) {
      case 'input': return [node.attrs.name!, ATOM];
      case 'const': return [formatValue(node.attrs.value!), node.attrs.value! < 0 ? 7 : ATOM];
      case 'iota': return [node.attrs.axis!, ATOM];
      case 'size': return [node.attrs.dim!, ATOM];
      case 'neg': return [`-${sub(0, 8)}`, 7];
      case 'not': return [`not ${sub(0, 3)}`, 3];
      case 'to_real': return call('real', sub(0));
      case 'select': return [`if ${sub(0)} then ${sub(1)} else ${sub(2)}`, 0];
      case 'sqrt': {
        const s = this.n(node.args[0]!);
        const sq = s.op === 'sum' && s.args.length === 1 ? this.n(s.args[0]!) : undefined;
        if (sq?.op === 'square') return call('norm', this.paren(sq.args[0]!, depth + 1, 0), ...this.axesOf(s));
        return call('sqrt', sub(0));
      }
      case 'minimum': {
        const lo = this.n(node.args[0]!);
        if (lo.op === 'maximum') return call('clamp', this.paren(lo.args[0]!, depth + 2, 0), this.paren(lo.args[1]!, depth + 2, 0), sub(1));
        return call('min', sub(0), sub(1));
      }
      case 'maximum': return call('max', sub(0), sub(1));
      case 'apply': return call(node.attrs.name!, sub(0));
      case 'softmax': case 'log_softmax': return call(node.op, sub(0), node.attrs.axis!);
      case 'gather': return [`${sub(0, ATOM)}[${sub(1)}]`, ATOM];
      // Renames to the checker's internal axis names (%0) are steps of one e[i]: not shown.
      case 'rename': return node.attrs.to?.startsWith('%') ? this.expr(node.args[0]!, depth) : [`${sub(0, ATOM)}[${node.attrs.to}]`, ATOM];
      case 'pick': return [`${sub(0, ATOM)}[${node.attrs.index}]`, ATOM];
      case 'sum': case 'mean': case 'max': case 'min': case 'prod': case 'logsumexp': case 'any': case 'all': {
        const x = this.n(node.args[0]!);
        const mask = node.args.length > 1 ? [`where: ${sub(1)}`] : [];
        if (node.op === 'sum' && x.op === 'to_real' && node.args.length === 1) return call('count', this.paren(x.args[0]!, depth + 2, 0), ...this.axesOf(node));
        return call(node.op, sub(0), ...this.axesOf(node), ...mask);
      }
      default: return call(node.op, ...node.args.map((_, i) => sub(i)));
    }
  }

  private axesOf(node: IrNode): string[] {
    const names = node.attrs.axes ?? [];
    const all = new Set(node.args.flatMap((a) => this.n(a).type.axes.map((x) => x.name)));
    if (names.length === 0 || names.length === all.size) return [];
    return [names.length === 1 ? names[0]! : `(${names.join(', ')})`];
  }

  private paren(id: NodeId, depth: number, min: number): string {
    const [text, p] = this.expr(id, depth);
    return p < min ? `(${text})` : text;
  }
}
