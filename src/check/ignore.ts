// Class indices declared `ignore h` (torch's ignore_index) hold h at ignored positions. What is
// read at such a position (a gather, a onehot row) is NaN there, so a program that forgets to
// mask them out gets NaN, never row 0 quietly averaged in. The read itself takes index 0 at
// those positions (never out of range on any backend). A mask `where: t != h` is the same
// comparison node as the one chosen on here, so the range analysis knows it removes exactly the
// NaN positions, and the masked reduction's double where gives them gradient 0.

import type { Span } from '../../grammar/ast.js';
import type { NodeId } from '../ir/types.js';
import type { ElabContext } from './context.js';

/**
 * `read(index)` at the kept positions of `indices` (of node `indices` ignoring the value of node
 * `ignore`), NaN at the ignored ones. `read` receives the indices with 0 at ignored positions.
 */
export function readIgnoring(ctx: ElabContext, indices: NodeId, ignore: NodeId, span: Span, read: (safe: NodeId) => NodeId): NodeId {
  const b = ctx.b;
  const kept = b.op('ne', [indices, ignore], {}, span);
  const safe = b.op('select', [kept, indices, b.constant(0, 'int', span)], {}, span);
  return b.op('select', [kept, read(safe), b.constant(NaN, 'real', span)], {}, span);
}
