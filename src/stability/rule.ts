// The shape of a stability rule. The engine (index.ts) asks `possible` on the ranges, then
// searches for inputs that make `triggers` true at one concrete point (witness.ts); only a
// rule with such inputs is reported, with `consequence` completing "<inputs> gives ...".

import type { DiagnosticKind } from '../diagnostics/codes.js';
import type { OpName } from '../ir/ops.js';
import type { NodeId } from '../ir/types.js';
import { ADDITIVE, ATOM, INFIX_OPS, render, renderOperand, splitOperands, unwrap } from './render.js';
import type { Site } from './sites.js';
import type { PointView } from './witness.js';

export interface StabilityRule {
  readonly kind: DiagnosticKind;
  readonly ops: readonly OpName[];
  /** Judging by the ranges alone, the hazard can happen. */
  readonly possible: (s: Site) => boolean;
  /** It happens at this point. */
  readonly triggers: (s: Site, p: At) => boolean;
  /** What happens there: "log(0) = -Infinity". */
  readonly consequence: (s: Site, p: At) => string;
  /** Message placeholders besides {expr} and {trigger}. */
  readonly args?: (s: Site) => Record<string, string>;
  /** Only for nodes whose value is computed under a condition (a select branch, a mask). */
  readonly guardedOnly?: boolean;
  /** The edit that removes the hazard, when no naive form (naive-forms.ts) matches. */
  readonly fix: (s: Site) => string;
}

/** Values of the site's node and operands at one point. */
export interface At {
  /** float32 value of operand i. */
  arg(i: number): number;
  /** float32 value of the node. */
  value(): number;
  /** float64 value of the node from the same inputs. */
  exact(): number;
  /** float32 value of any node. */
  of(id: NodeId): number;
}

export function at(s: Site, p: PointView): At {
  return {
    arg: (i) => p.f32(s.node.args[i]!),
    value: () => p.f32(s.node.id),
    exact: () => p.exact(s.node.id),
    of: (id) => p.f32(id),
  };
}

/** Text of operand i (or the node itself): as the user wrote it when it is one expression of theirs, else rendered. */
export function text(s: Site, i?: number): string {
  if (i !== undefined) {
    const written = writtenOperand(s, i);
    if (written) return written[0];
  }
  return render(s.fn, i === undefined ? s.node.id : s.node.args[i]!, s.quote);
}

/** Operand i as the left operand of `+` or `-` (`… + 1e-6`): parenthesised when it binds less tightly. */
export function summand(s: Site, i: number): string {
  const written = writtenOperand(s, i);
  if (written) return written[1] < ADDITIVE ? `(${written[0]})` : written[0];
  return renderOperand(s.fn, s.node.args[i]!, ADDITIVE, s.quote);
}

/**
 * Operand i of a binary operation as the user wrote it in that operation (`union` in
 * `inter / union`, not the binding's expression), with its precedence: the lowest of an
 * operator outside parentheses in it, else that of an atom.
 */
function writtenOperand(s: Site, i: number): [string, number] | undefined {
  const whole = s.quote?.(s.node.id)?.[0];
  const parts = whole === undefined ? undefined : splitOperands(whole, s.node.op);
  if (!parts) return undefined;
  const part = unwrap(parts[i]!);
  // Only a name standing for a value made elsewhere (a binding, an input) is taken as written:
  // an operand written inside the operation quotes itself, and one the optimizer made (no span)
  // or moved may not be the part at this position.
  const arg = s.fn.nodes[s.node.args[i]!]!;
  const outer = s.node.span;
  const within = arg.span !== undefined && outer !== undefined && arg.span.file === outer.file && arg.span.start.offset >= outer.start.offset && arg.span.end.offset <= outer.end.offset;
  if (!arg.span || within || !/^[A-Za-z_][A-Za-z_0-9]*$/.test(part)) return undefined;
  let depth = 0;
  let prec = ATOM;
  for (let k = 0; k < part.length; k++) {
    const c = part[k]!;
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && c === ' ') for (const [sym, p] of Object.values(INFIX_OPS)) if (part.startsWith(` ${sym} `, k)) prec = Math.min(prec, p);
  }
  if (/^if\b/.test(part)) prec = 0;
  return [part, prec];
}

/** More than 16 of float32's 24 bits wrong. */
export function inaccurate(value: number, exact: number): boolean {
  return Number.isFinite(exact) && exact !== 0 && !(Math.abs(value - exact) <= Math.abs(exact) * 2 ** -8);
}
