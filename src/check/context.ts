import type { Span } from '../diagnostics/span.js';
import type { DiagnosticKind } from '../diagnostics/codes.js';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { IrBuilder } from '../ir/graph.js';
import type { DomainInfo, NodeId } from '../ir/types.js';
import type { ModuleLoader } from './program.js';

/** What the elaborator needs while checking one loss: the IR being built and a place to report. */
export interface ElabContext {
  readonly b: IrBuilder;
  readonly loader: ModuleLoader;
  readonly diagnostics: DiagnosticSink;
  /** Definitions being inlined, outermost first (`file#name`), to stop cycles. */
  readonly callStack: string[];
  /** Definitions inlined at least once (so they need no separate check). */
  readonly instantiated: Set<string>;
  /** Dimensions made by the loss itself (the new axis of `stack`), with their sizes. */
  readonly madeDims: Map<string, number>;
  /** Dimensions made by flatten, with the dims whose product is their size. */
  readonly productDims: Map<string, readonly string[]>;
  /** Dims unflatten splits, with the product of dims each must equal (checked at run time). */
  readonly productChecks: { readonly dim: string; readonly product: readonly string[] }[];
  /** Arguments passed for parameters with a domain, checked once the loss is built (domains.ts). */
  readonly domainChecks: DomainCheck[];
  /**
   * The loss's dims in the order they first appear in its parameters, then those it makes:
   * the canonical order of axes (order.ts).
   */
  readonly dimOrder: string[];
  /** Declared axis orders of nodes (order.ts); null where two values of a node disagree. */
  readonly orders: Map<NodeId, readonly string[] | null>;
  /** The order of the operand of each reduction over all its axes, by the reduction's node: the per-sample losses' layout. */
  readonly reduced: Map<NodeId, readonly string[]>;
  /**
   * Each `mean(l, where: m, by: d)` by its value's node: its per-sample losses select(m, l, 0),
   * the mask broadcast to l's axes, and the per-sample denominators select(m, d, 0).
   */
  readonly dividedMeans: Map<NodeId, { readonly perSample: NodeId; readonly mask: NodeId; readonly denominator: NodeId }>;
  /**
   * The left-side index variables of the bindings being checked, innermost last: in
   * `l[i] = mse(x[i], y[i])` a reduction that names no axes (mse's `mean`) keeps axis i, the
   * computation mapped over it.
   */
  readonly mapped: (readonly string[])[];
}

export interface DomainCheck {
  readonly node: NodeId;
  /** The parameter's declared domain; none: any real, where the callee may take logits. */
  readonly domain?: DomainInfo;
  /** The parameter and the def or loss it belongs to, for the message. */
  readonly param: string;
  readonly callee: string;
  readonly span: Span;
}

/** Collects diagnostics once each: a def inlined at three call sites reports its error once. */
export class DiagnosticSink {
  readonly list: Diagnostic[] = [];
  private readonly seen = new Set<string>();

  report(kind: DiagnosticKind, span: Span | undefined, args: Readonly<Record<string, string | number>> = {}, notes?: readonly string[]): void {
    this.add(diagnostic(kind, span, args, notes));
  }

  add(d: Diagnostic): void {
    const key = `${d.code}@${d.span?.file}:${d.span?.start.offset}:${d.span?.end.offset}:${d.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(d);
  }

  errorCount(): number {
    return this.list.filter((d) => d.severity === 'error').length;
  }
}

export function defKey(file: string, name: string): string {
  return `${file}#${name}`;
}
