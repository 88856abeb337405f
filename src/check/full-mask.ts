import type { IrBuilder } from '../ir/graph.js';
import { REST, type Axis, type NodeId } from '../ir/types.js';

/**
 * The mask `m` (or, without one, a mask selecting everything) broadcast to the axes of `l`:
 * each axis it lacks joins it as an always-true comparison along it. An index is at least 0;
 * the rest dims have no index, so there every value of l, NaN included, is <= inf or not equal
 * to itself (the mask `keep[c]` of a mean over [B, C, ...]).
 */
export function fullMask(b: IrBuilder, l: NodeId, m: NodeId | undefined): NodeId {
  const axes = b.type(l).axes;
  const have = m === undefined ? [] : b.type(m).axes;
  const missing = axes.filter((a) => !have.some((h) => h.name === a.name));
  const zero = b.constant(0, 'int');
  const everywhere = (a: Axis): NodeId =>
    a.name === REST ? b.op('or', [b.op('le', [l, b.constant(Infinity)], {}), b.op('ne', [l, l], {})], {}) : b.op('ge', [b.iota(a), zero], {});
  if (m === undefined && missing.length === 0) return b.op('eq', [zero, zero], {});
  const [first, ...rest] = m === undefined ? missing : [undefined, ...missing];
  const start = first === undefined ? m! : everywhere(first);
  return rest.reduce((acc: NodeId, a) => b.op('and', [acc, everywhere(a!)], {}), start);
}
