// resize(y, like: preds[k], mode: 'nearest-exact'): y's '...' dims resampled to those of an
// element of a ragged list, as torch's F.interpolate with the element's size. Whether `like`
// is such an element is a property of the whole loss, checked with the split (src/ir/ragged.ts).

import type { Call } from '../../grammar/ast.js';
import { RESIZE_MODES } from '../ir/ragged.js';
import { REST } from '../ir/types.js';
import { checkArity, type SplitArgs } from './calls.js';
import type { ElabContext } from './context.js';
import { elabTensor, expectNumber, fromNode } from './expr.js';
import type { Scope } from './scope.js';
import type { Val } from './values.js';

export function elabResize(ctx: ElabContext, scope: Scope, call: Call, args: SplitArgs): Val | null {
  if (!checkArity(ctx, call, args, 1, 1, ['like', 'mode'])) return null;
  const modeArg = args.named.get('mode');
  const modeText = modeArg ? `, mode: ${modeArg.value.kind === 'String' ? `'${modeArg.value.value}'` : '…'}` : '';
  const refuse = (span: Call['span'], why: string): null => {
    ctx.diagnostics.report('ResizeUse', span, { mode: modeText, why });
    return null;
  };
  let mode: string = RESIZE_MODES[0];
  if (modeArg) {
    const v = modeArg.value;
    if (v.kind !== 'String' || !(RESIZE_MODES as readonly string[]).includes(v.value)) {
      return refuse(v.span, `the mode is a string, one of ${RESIZE_MODES.map((m) => `'${m}'`).join(', ')} (torch's names; linear modes are not supported)`);
    }
    mode = v.value;
  }
  const likeArg = args.named.get('like');
  if (!likeArg) return refuse(call.span, "say whose '...' dims y takes with like: (an element of a ragged list, like: preds[k])");
  const x = elabTensor(ctx, scope, args.positional[0]!);
  const like = elabTensor(ctx, scope, likeArg.value);
  if (!x || !like) return null;
  if (!expectNumber(ctx, x, 'the argument of resize', args.positional[0]!.span)) return null;
  if (!x.axes.some((a) => a.name === REST)) return refuse(args.positional[0]!.span, "y has no '...' dims to resample (declare it [B, C, ...])");
  if (!like.axes.some((a) => a.name === REST)) return refuse(likeArg.value.span, "z has no '...' dims to take the size of (an element of a ragged list, preds[k] of preds: list[K] of ragged [B, C, ...])");
  return fromNode(ctx, ctx.b.op('resize', [x.id, like.id], { mode }, call.span), x.elem, [x, like]);
}
