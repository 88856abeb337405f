// Arguments against the domains of the parameters they are passed to. A def or loss that
// declares `p: [N] in [0, 1]` relies on it (log(p), 1 - p as a probability); called with
// logits it computes a number with no meaning and nothing fails. Each argument's range comes
// from the range analysis of the whole loss, once it is built: the declared domains of the
// loss's inputs, carried through the ops (sigmoid gives [0, 1], a free input any real).

import type { Param, Span } from '../../grammar/ast.js';
import type { DomainInfo, IrFunction, NodeId } from '../ir/types.js';
import { RangeAnalysis, domainRange } from '../ranges/analysis.js';
import { contains, formatRange, formatValue, isEmpty, type Range } from '../ranges/interval.js';
import { domainInfo } from './constants.js';
import type { DiagnosticSink, DomainCheck, ElabContext } from './context.js';

/** Whether every value of `r` lies in the domain. */
function within(r: Range, domain: DomainInfo): boolean {
  if (isEmpty(r)) return true;
  const d = domainRange(domain, 'real');
  if (r.values) return r.values.every((v) => contains(d, v));
  if (d.values) return false;
  const loOk = r.lo > d.lo || (r.lo === d.lo && (!d.loOpen || r.loOpen));
  const hiOk = r.hi < d.hi || (r.hi === d.hi && (!d.hiOpen || r.hiOpen));
  return loOk && hiOk;
}

function report(sink: DiagnosticSink, check: DomainCheck, r: Range): void {
  const why = r.values?.length === 1 ? `it is ${formatValue(r.values[0]!)}` : `it ranges over ${formatRange(r)}`;
  const probability = check.domain.kind === 'interval' && check.domain.lo! >= 0 && check.domain.hi! <= 1;
  const notes = probability && (r.lo === -Infinity || r.hi === Infinity)
    ? ['if it holds logits, pass sigmoid(x) (or softmax(x, C)), or use the logits form of the loss; if it holds probabilities, declare its input \'in [0, 1]\'']
    : undefined;
  sink.report('ArgumentOutsideDomain', check.span, { param: check.param, name: check.callee, domain: check.domain.text, why }, notes);
}

export function checkArgumentDomains(ctx: ElabContext, fn: IrFunction): void {
  if (ctx.domainChecks.length === 0) return;
  const ranges = new RangeAnalysis(fn);
  for (const check of ctx.domainChecks) {
    const r = ranges.range(check.node);
    if (!within(r, check.domain)) report(ctx.diagnostics, check, r);
  }
}

/** Records an argument for a parameter with a domain, to be checked once the loss is built. */
export function expectInDomain(ctx: ElabContext, param: Param, callee: string, node: NodeId, span: Span): void {
  // A domain that is not constant was reported with the definition.
  const domain = param.domain && domainInfo(param.domain);
  if (domain) ctx.domainChecks.push({ node, domain, param: param.name.name, callee, span });
}
