// Class indices declared `ignore h` read NaN at ignored positions (src/check/ignore.ts): loud at
// run time, and said here at compile time when that NaN can reach the loss, i.e. no mask
// (`where: t != h`) removes those positions. Judged by the range analysis with NaN coming only
// from those reads, select(t != h, read, NaN): not from NaN constants in general, which a
// user's NaN (a parameter's default 0 / 0) shares with them once hash-consed, and not from
// anything else (log of a negative), which is the other rules' business.

import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { IrFunction, IrInput, IrNode } from '../ir/types.js';
import { RangeAnalysis } from '../ranges/analysis.js';

const isNaNConst = (n: IrNode | undefined): boolean => n?.op === 'const' && Number.isNaN(n.attrs.value);

/** The reads at ignored positions, select(t != h, read, NaN), each with the input `t`. */
function ignoredReads(fn: IrFunction, ignoring: readonly IrInput[]): { node: IrNode; input: IrInput }[] {
  return fn.nodes.flatMap((n) => {
    if (n.op !== 'select' || !isNaNConst(fn.nodes[n.args[2]!])) return [];
    const kept = fn.nodes[n.args[0]!];
    const index = kept?.op === 'ne' ? fn.nodes[kept.args[0]!] : undefined;
    const input = ignoring.find((i) => i.node === index?.id);
    return input ? [{ node: n, input }] : [];
  });
}

export function ignoredReachingLoss(fn: IrFunction): Diagnostic[] {
  const ignoring = fn.inputs.filter((i) => i.ignore !== undefined);
  const reads = ignoredReads(fn, ignoring);
  if (reads.length === 0 || !new RangeAnalysis(fn, fn.nodes, new Set(reads.map((r) => r.node.id))).mayBeNaN(fn.output)) return [];
  // The first read whose NaN reaches the loss.
  for (const { node, input } of reads) {
    if (!new RangeAnalysis(fn, fn.nodes, new Set([node.id])).mayBeNaN(fn.output)) continue;
    return [
      diagnostic('IgnoredReachesLoss', node.span ?? fn.span, { input: input.name, hyper: input.ignore! }, [
        `fix: exclude the ignored positions from the reduction, e.g. mean(..., where: ${input.name} != ${input.ignore})`,
      ]),
    ];
  }
  return [];
}
