// IR back to short loss-language text for messages: `log(1 - sigmoid(x))`, `norm(a - p, D)`.
// Deep subexpressions become `…` so that a message stays one readable line. Given the source
// text (`Quote`), a node that is exactly one expression the user wrote is shown as written:
// `exp(p / t)`, not the inlined `exp(sum(…, j, where: i == j) / t)`.

import { formatValue } from '../ranges/interval.js';
import type { Span } from '../diagnostics/span.js';
import type { IrFunction, IrNode, NodeId } from '../ir/types.js';

const INFIX: Record<string, [string, number]> = {
  or: ['or', 1], and: ['and', 2],
  eq: ['==', 4], ne: ['!=', 4], lt: ['<', 4], le: ['<=', 4], gt: ['>', 4], ge: ['>=', 4],
  add: ['+', 5], sub: ['-', 5], mul: ['*', 6], div: ['/', 6], pow: ['^', 8],
};
export const ATOM = 9;
/** Precedence of a sum or difference: an operand below it needs parentheses in `x + 1e-6`. */
export const ADDITIVE = 5;
const MAX_LENGTH = 60;

/** The text of a source file by its name, when known. */
export type SourceText = (file: string) => string | undefined;
/** The user's text of a node and its precedence, when the node is one written expression. */
export type Quote = (id: NodeId) => [string, number] | undefined;

const INDEX_LEAVES: ReadonlySet<string> = new Set(['iota', 'size', 'const']);
const sameSpan = (a: Span | undefined, b: Span): boolean => a !== undefined && a.file === b.file && a.start.offset === b.start.offset && a.end.offset === b.end.offset;

/**
 * Quotes of `fn`'s nodes from their source spans, when the text is one short line. A call
 * lowered to several nodes (`norm` as the sqrt of a sum of squares, `s[i, i]` as a masked sum
 * with its mask) gives them one span: only the outermost, whose value the call has, is
 * quoted. Nodes a rewrite made carry no span but at its root (opt/match.ts), whose value is
 * that of the source it replaced.
 */
export function quoter(fn: IrFunction, source: SourceText | undefined): Quote {
  if (!source) return () => undefined;
  const inner = new Set<NodeId>();
  for (const n of fn.nodes) for (const a of n.args) if (n.span && sameSpan(fn.nodes[a]!.span, n.span)) inner.add(a);
  return (id) => {
    const n = fn.nodes[id];
    const span = n?.span;
    // A leaf renders as its name or value (an input's span is its whole declaration).
    if (!n || !span || n.args.length === 0 || inner.has(id)) return undefined;
    // Index machinery (the i == j mask of `s[i, i]`) has the span of the indexing: rendered.
    const ops = n.args.map((a) => fn.nodes[a]!.op);
    if (ops.every((op) => INDEX_LEAVES.has(op)) && ops.some((op) => op !== 'const')) return undefined;
    const text = unwrap(source(span.file)?.slice(span.start.offset, span.end.offset).trim() ?? '');
    if (!text || text.includes('\n') || text.length > MAX_LENGTH) return undefined;
    return [text, precedenceOf(n)];
  };
}

/** `(1 - p)` as `1 - p`: the span of a parenthesised expression has its parentheses. */
export function unwrap(text: string): string {
  while (text.startsWith('(') && text.endsWith(')')) {
    let depth = 0;
    for (let i = 0; i < text.length - 1; i++) {
      depth += text[i] === '(' ? 1 : text[i] === ')' ? -1 : 0;
      if (depth === 0) return text; // the first parenthesis closes before the end: (a) * (b)
    }
    text = text.slice(1, -1).trim();
  }
  return text;
}

function precedenceOf(n: IrNode): number {
  const infix = INFIX[n.op];
  if (infix) return infix[1];
  if (n.op === 'select') return 0;
  if (n.op === 'not') return 3;
  if (n.op === 'neg' || (n.op === 'const' && (n.attrs.value ?? 0) < 0)) return 7;
  return ATOM;
}

export function render(fn: IrFunction, id: NodeId, quote?: Quote): string {
  return renderPrec(fn, id, quote)[0];
}

/** The text and its precedence (for embedding in a larger expression). */
export function renderPrec(fn: IrFunction, id: NodeId, quote?: Quote): [string, number] {
  for (let depth = 5; depth > 1; depth--) {
    const out = new Renderer(fn, depth, new Map(), quote).expr(id, 0);
    if (out[0].length <= MAX_LENGTH) return out;
  }
  return new Renderer(fn, 1, new Map(), quote).expr(id, 0);
}

/** Node `id` as an operand of an operator of precedence `min`: parenthesised when it binds less tightly. */
export function renderOperand(fn: IrFunction, id: NodeId, min: number, quote?: Quote): string {
  const [text, p] = renderPrec(fn, id, quote);
  return p < min ? `(${text})` : text;
}

/**
 * Node `id` in full, except that each node of `parts` is rendered on its own (shortened as
 * `render` does): a rewrite's replacement around the subexpressions it reuses.
 */
export function renderAround(fn: IrFunction, id: NodeId, parts: Iterable<NodeId>, quote?: Quote): string {
  const fixed = new Map([...parts].map((p) => [p, renderPrec(fn, p, quote)] as const));
  return new Renderer(fn, Infinity, fixed).expr(id, 0)[0];
}

class Renderer {
  constructor(
    private readonly fn: IrFunction,
    private readonly maxDepth: number,
    private readonly fixed: ReadonlyMap<NodeId, [string, number]> = new Map(),
    private readonly quote?: Quote,
  ) {}

  private n(id: NodeId): IrNode {
    return this.fn.nodes[id]!;
  }

  /** Text of node `id` and its precedence. */
  expr(id: NodeId, depth: number): [string, number] {
    const given = this.fixed.get(id) ?? this.quote?.(id);
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
      case 'sort': case 'unsort': {
        const by = node.args[0] === node.args[1] ? [] : [`by: ${sub(1)}`];
        return call(node.op, sub(0), node.attrs.axis!, ...by, ...(node.attrs.descending ? ['descending: true'] : []));
      }
      case 'cumsum': return call('cumsum', sub(0), node.attrs.axis!, ...(node.attrs.reverse ? ['reverse: true'] : []));
      case 'gather': return [`${sub(0, ATOM)}[${sub(1)}]`, ATOM];
      // Renames to the checker's internal axis names (%0) are steps of one e[i]: not shown.
      case 'rename': return node.attrs.to?.startsWith('%') ? this.expr(node.args[0]!, depth) : [`${sub(0, ATOM)}[${node.attrs.to}]`, ATOM];
      case 'pick': return [`${sub(0, ATOM)}[${node.attrs.index}]`, ATOM];
      case 'flatten': return call('flatten', sub(0), `(${node.attrs.axes!.join(', ')})`, node.attrs.to!);
      case 'unflatten': return call('unflatten', sub(0), node.attrs.axis!, `(${node.attrs.axes!.join(', ')})`);
      // A contraction is the language's dot: sum(a * b) over its axes.
      case 'contract': return call('dot', sub(0), sub(1), ...this.axesOf(node));
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

/** The operator of each binary op as written, and its precedence. */
export const INFIX_OPS: Readonly<Record<string, [string, number]>> = INFIX;

/**
 * The two operands of a binary operation as written in its source text (`inter / union` gives
 * `inter` and `union`, the names the user bound, where the IR holds their values): split at
 * the last operator of the op's precedence outside parentheses, or undefined when the text
 * does not split so (a call, a binding name) or that operator is not the op's (the optimizer
 * made the op from another one the user wrote).
 */
export function splitOperands(text: string, op: string): [string, string] | undefined {
  const info = INFIX[op];
  if (!info || op === 'pow') return undefined;
  const [, prec] = info;
  const symbols = Object.values(INFIX).filter(([, p]) => p === prec).map(([sym]) => sym);
  let depth = 0;
  let at: [number, number] | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && c === ' ') {
      // Operators stand between spaces in the text the checker quotes (a - b, x / y).
      const sym = symbols.find((sy) => text.startsWith(` ${sy} `, i));
      if (sym) at = [i, i + sym.length + 2];
    }
    // A lower-precedence operator outside parentheses: the text is not one operation of `op`.
    if (depth === 0 && c === ' ' && Object.values(INFIX).some(([sy, p]) => p < prec && text.startsWith(` ${sy} `, i))) return undefined;
  }
  // The operation written is another one (`w * a` rewritten to `a / s`): its operands are not this op's.
  if (!at || text.slice(at[0] + 1, at[1] - 1) !== info[0]) return undefined;
  const left = text.slice(0, at[0]).trim();
  const right = text.slice(at[1]).trim();
  return left && right ? [left, right] : undefined;
}
