// Numeric-stability analysis of one lowered (and optimized) loss: findings are diagnostics
// from the shared table (W6xxx), pointing at the source span of the offending expression.
// The engine: ranges of every node (src/ranges) prune, the rule tables (forward-rules.ts,
// gradient-rules.ts) say what is hazardous, and a concrete witness (witness.ts) confirms each
// finding and names the inputs that trigger it. The sampled float32-vs-float64 check lives in
// sample.ts (it needs tfjs) and is run on request, not here.

import type { Span } from '../diagnostics/span.js';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { IrFunction, NodeId } from '../ir/types.js';
import { FORWARD_RULES } from './forward-rules.js';
import { GRADIENT_RULES } from './gradient-rules.js';
import { ignoredReachingLoss } from './ignored.js';
import { naiveFormAround } from './naive-forms.js';
import { BASE, RangeAnalysis, type Guard } from '../ranges/analysis.js';
import { quoter, render, type SourceText } from './render.js';
import { at, type StabilityRule } from './rule.js';
import { consumersOf, forwardSites, gradientPath, type Site } from './sites.js';
import { sentence, WitnessFinder } from './witness.js';

export interface StabilityOptions {
  /** The text of the loss's source files: messages then quote the expressions as written. */
  readonly source?: SourceText;
}

export function analyzeStability(fn: IrFunction, options: StabilityOptions = {}): Diagnostic[] {
  try {
    return analyze(fn, options);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return [diagnostic('InternalError', fn.span, { phase: `analyzing the numeric stability of '${fn.name}'`, reason })];
  }
}

function analyze(fn: IrFunction, options: StabilityOptions): Diagnostic[] {
  const ranges = new RangeAnalysis(fn);
  const consumers = consumersOf(fn);
  const finder = new WitnessFinder(fn);
  const found = new Map<NodeId, Diagnostic>();
  const unguarded = new Set<NodeId>();
  const extra = { quote: quoter(fn, options.source), ...(options.source ? { source: options.source } : {}) };
  for (const site of forwardSites(fn, ranges, consumers, extra)) {
    if (site.ctx.guards.length === 0) unguarded.add(site.node.id);
    if (found.has(site.node.id)) continue;
    const d = firstFinding(site, FORWARD_RULES, finder, site.ctx.guards);
    if (d) found.set(site.node.id, d);
  }
  // The backward pass sees no conditions; a node already reported forward is not repeated.
  for (const id of [...gradientPath(fn)].sort((a, b) => a - b)) {
    if (found.has(id)) continue;
    const site: Site = { fn, node: fn.nodes[id]!, ctx: BASE, ranges, consumers, ...extra };
    const rules = unguarded.has(id) ? GRADIENT_RULES.filter((r) => !r.guardedOnly) : GRADIENT_RULES;
    const d = firstFinding(site, rules, finder, []);
    if (d) found.set(id, d);
  }
  // Nodes lowered from one call share its span (norm's sqrt, sum and square): one finding each.
  const seen = new Set<string>();
  return [...found.values(), ...ignoredReachingLoss(fn)].filter((d) => {
    const key = `${d.code}@${d.span?.start.offset}-${d.span?.end.offset}`;
    return !seen.has(key) && seen.add(key);
  });
}

function firstFinding(site: Site, rules: readonly StabilityRule[], finder: WitnessFinder, guards: readonly Guard[]): Diagnostic | undefined {
  for (const rule of rules) {
    if (!rule.ops.includes(site.node.op) || !rule.possible(site)) continue;
    const w = finder.find([site.node.id, ...site.node.args], guards, (p) => rule.triggers(site, at(site, p)));
    if (!w) continue;
    const trigger = sentence(w.subject, rule.consequence(site, at(site, w.view)));
    const form = naiveFormAround(site.fn, site.ranges, site.node.id, rule.kind, site.consumers, 3, site.quote);
    const fix = form ? `write ${form.stable} instead of ${form.naive}` : rule.fix(site);
    return diagnostic(rule.kind, spanOf(site), { expr: render(site.fn, site.node.id, site.quote), trigger, ...(rule.args?.(site) ?? {}) }, [`fix: ${fix}`]);
  }
  return undefined;
}

/** The node's own span, else the nearest consumer's (nodes an optimizer made may have none). */
function spanOf(site: Site): Span | undefined {
  const queue: NodeId[] = [site.node.id];
  const seen = new Set<NodeId>();
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const span = site.fn.nodes[id]!.span;
    if (span) return span;
    queue.push(...(site.consumers.get(id) ?? []));
  }
  return site.fn.span;
}
