// Class indices declared `ignore h` read NaN at ignored positions (src/check/ignore.ts): loud at
// run time, and said here at compile time when that NaN can reach the loss, i.e. no mask
// (`where: t != h`) removes those positions. Judged by the range analysis with NaN coming only
// from constants (the ignored positions' NaN is the only NaN constant the checker writes); NaN
// from anything else (log of a negative) is the other rules' business.

import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { IrFunction, IrNode } from '../ir/types.js';
import { RangeAnalysis } from '../ranges/analysis.js';

const isNaNConst = (n: IrNode | undefined): boolean => n?.op === 'const' && Number.isNaN(n.attrs.value);

export function ignoredReachingLoss(fn: IrFunction): Diagnostic[] {
  const ignoring = fn.inputs.filter((i) => i.ignore !== undefined);
  if (ignoring.length === 0 || !new RangeAnalysis(fn, fn.nodes, 'constants').mayBeNaN(fn.output)) return [];
  // The first read at an ignored position: select(t != h, read, NaN).
  for (const n of fn.nodes) {
    if (n.op !== 'select' || !isNaNConst(fn.nodes[n.args[2]!])) continue;
    const kept = fn.nodes[n.args[0]!];
    const index = kept?.op === 'ne' ? fn.nodes[kept.args[0]!] : undefined;
    const input = ignoring.find((i) => i.node === index?.id);
    if (!input) continue;
    return [
      diagnostic('IgnoredReachesLoss', n.span ?? fn.span, { input: input.name, hyper: input.ignore! }, [
        `fix: exclude the ignored positions from the reduction, e.g. mean(..., where: ${input.name} != ${input.ignore})`,
      ]),
    ];
  }
  return [];
}
