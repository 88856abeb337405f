// Arguments against the domains of the parameters they are passed to. A def or loss that
// declares `p: [N] in [0, 1]` relies on it (log(p), 1 - p as a probability); called with
// logits it computes a number with no meaning and nothing fails. The converse mistake is as
// silent: a probability (sigmoid(x), softmax(x, C)) passed to a parameter the callee squashes
// itself (softplus, log_softmax: it takes logits) is squashed twice, and the loss trains on a
// value confined to [0, 1]. Each argument's range comes from the range analysis of the whole
// loss, once it is built: the declared domains of the loss's inputs, carried through the ops
// (sigmoid gives [0, 1], a free input any real).

import type { Param, Span } from '../../grammar/ast.js';
import type { OpName } from '../ir/ops.js';
import type { DomainInfo, IrFunction, NodeId } from '../ir/types.js';
import { RangeAnalysis, domainRange } from '../ranges/analysis.js';
import { contains, formatRange, formatValue, isEmpty, type Range } from '../ranges/interval.js';
import { domainInfo } from './constants.js';
import type { DiagnosticSink, DomainCheck, ElabContext } from './context.js';

/**
 * Ops that read their operand as logits (any real, squashed or normalised by the op itself),
 * by how the message names them. A parameter the callee passes to one of these takes logits.
 */
const TAKES_LOGITS: Partial<Record<OpName, string>> = {
  sigmoid: 'sigmoid',
  log_sigmoid: 'log_sigmoid',
  softplus: 'softplus',
  softmax: 'softmax',
  log_softmax: 'log_softmax',
  logsumexp: 'logsumexp',
};

/** Ops that pass a value on unchanged in kind (a sign flip, a renamed axis): logits stay logits. */
const PASS_THROUGH: ReadonlySet<OpName> = new Set<OpName>(['neg', 'rename']);

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

const isProbabilityDomain = (d: DomainInfo): boolean => d.kind === 'interval' && d.lo! >= 0 && d.hi! <= 1;

function report(sink: DiagnosticSink, check: DomainCheck & { domain: DomainInfo }, r: Range): void {
  const unbounded = r.lo === -Infinity || r.hi === Infinity;
  const logits = isProbabilityDomain(check.domain) && r.lo === -Infinity && r.hi === Infinity;
  const ranges = r.values?.length === 1 ? `it is ${formatValue(r.values[0]!)}` : `it ranges over ${formatRange(r)}`;
  // Any real for a probability: logits, most likely (a model's raw output).
  const why = logits ? `${ranges}, as logits do, where a probability is expected` : ranges;
  const notes = isProbabilityDomain(check.domain) && unbounded
    ? ['if it holds logits, pass sigmoid(x) (or softmax(x, C)), or use the logits form of the loss; if it holds probabilities, declare its input \'in [0, 1]\'']
    : undefined;
  sink.report('ArgumentOutsideDomain', check.span, { param: check.param, name: check.callee, domain: check.domain.text, why }, notes);
}

/** The first op among the users of `node` (through sign flips and renamed axes) that reads it as logits. */
function logitsUse(fn: IrFunction, node: NodeId, users: ReadonlyMap<NodeId, readonly NodeId[]>): string | undefined {
  const seen = new Set<NodeId>();
  const walk = (id: NodeId): string | undefined => {
    if (seen.has(id)) return undefined;
    seen.add(id);
    for (const u of users.get(id) ?? []) {
      const op = fn.nodes[u]!.op;
      // A reduction's mask is not its operand.
      if (TAKES_LOGITS[op] !== undefined && fn.nodes[u]!.args[0] === id) return TAKES_LOGITS[op];
      if (PASS_THROUGH.has(op)) {
        const found = walk(u);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(node);
}

export function checkArgumentDomains(ctx: ElabContext, fn: IrFunction): void {
  if (ctx.domainChecks.length === 0) return;
  const ranges = new RangeAnalysis(fn);
  let users: Map<NodeId, NodeId[]> | undefined;
  // A def passes its parameter on to the defs it calls: the same node, checked again further
  // in (outer calls are recorded first). Only the outermost call, the one the user wrote, is told.
  const told = new Set<NodeId>();
  for (const check of ctx.domainChecks) {
    const r = ranges.range(check.node);
    if (check.domain) {
      if (!within(r, check.domain)) report(ctx.diagnostics, { ...check, domain: check.domain }, r);
      continue;
    }
    // Provably a probability (not a constant: 0.5 for logits is a choice, not a slip).
    const node = fn.nodes[check.node];
    if (!node || node.op === 'const' || node.type.dtype !== 'real' || isEmpty(r) || r.values || r.lo < 0 || r.hi > 1) continue;
    if (!users) {
      users = new Map();
      for (const n of fn.nodes) for (const a of new Set(n.args)) users.set(a, [...(users.get(a) ?? []), n.id]);
    }
    const op = told.has(check.node) ? undefined : logitsUse(fn, check.node, users);
    if (op === undefined) continue;
    told.add(check.node);
    ctx.diagnostics.report('ProbabilityAsLogits', check.span, { param: check.param, name: check.callee, range: formatRange(r), op }, [
      `fix: pass the logits themselves (x rather than sigmoid(x) or softmax(x, C)), or use the form of the loss that takes probabilities (bce rather than bce_with_logits)`,
    ]);
  }
}

/** Records an argument for a parameter, to be checked against its domain (or, with none, for a probability given as logits) once the loss is built. */
export function expectInDomain(ctx: ElabContext, param: Param, callee: string, node: NodeId, span: Span): void {
  // A domain that is not constant was reported with the definition.
  if (param.domain) {
    const domain = domainInfo(param.domain);
    if (domain) ctx.domainChecks.push({ node, domain, param: param.name.name, callee, span });
    return;
  }
  ctx.domainChecks.push({ node, param: param.name.name, callee, span });
}
