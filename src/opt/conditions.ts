// Named side conditions of the rule table. Each is conservative: when the analysis cannot
// tell, the condition does not hold and the rule does not fire.

import type { Attrs, NodeId, TensorType } from '../ir/types.js';
import { REST } from '../ir/types.js';
import type { Range } from './ranges.js';

/** What a condition may ask about the match. */
export interface ConditionContext {
  range(id: NodeId): Range;
  type(id: NodeId): TensorType;
}

export type Condition =
  | { readonly on: 'node'; readonly doc: string; readonly test: (ctx: ConditionContext, id: NodeId) => boolean }
  | { readonly on: 'attrs'; readonly doc: string; readonly test: (attrs: Attrs) => boolean };

export const CONDITIONS = {
  nonneg: { on: 'node', doc: 'every value is >= 0 (and never NaN)', test: (ctx, id) => ctx.range(id).lo >= 0 && !ctx.range(id).nan },
  finite: { on: 'node', doc: 'every value is a finite number', test: (ctx, id) => Number.isFinite(ctx.range(id).lo) && Number.isFinite(ctx.range(id).hi) && !ctx.range(id).nan },
  scalar: { on: 'node', doc: 'the value has no axes, so it is the same along every reduced axis', test: (ctx, id) => ctx.type(id).axes.length === 0 },
  tensor: { on: 'node', doc: 'the value has at least one axis (an operation on it costs one per element)', test: (ctx, id) => ctx.type(id).axes.length > 0 },
  real: { on: 'node', doc: 'a real number (not a whole number or a condition)', test: (ctx, id) => ctx.type(id).dtype === 'real' },
  'no-axes': { on: 'attrs', doc: 'the reduction removes no axis (its operand is a scalar)', test: (a) => (a.axes ?? []).length === 0 },
  'one-axis': { on: 'attrs', doc: 'the reduction removes exactly one named axis (softmax works along one)', test: (a) => a.axes?.length === 1 && a.axes[0] !== REST },
} as const satisfies Record<string, Condition>;

export type ConditionName = keyof typeof CONDITIONS;

/** A parsed `when:` clause: `nonneg ?x & one-axis r`. */
export interface ConditionUse {
  readonly name: ConditionName;
  /** `?x` (a node variable) or `r` (an attribute name). */
  readonly arg: string;
}

export function parseConditions(text: string | undefined): ConditionUse[] {
  if (!text) return [];
  return text.split('&').map((part) => {
    const [name, arg, extra] = part.trim().split(/\s+/);
    if (!name || !arg || extra || !Object.prototype.hasOwnProperty.call(CONDITIONS, name)) {
      throw new Error(`rule condition '${part.trim()}' is not 'NAME ?var' with a known NAME`);
    }
    const cond = CONDITIONS[name as ConditionName];
    if ((cond.on === 'node') !== arg.startsWith('?')) throw new Error(`rule condition '${part.trim()}': ${name} applies to ${cond.on === 'node' ? 'a ?node' : 'attributes'}`);
    return { name: name as ConditionName, arg: arg.replace(/^\?/, '') };
  });
}
