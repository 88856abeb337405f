// The language worker: checks the editor's text off the main thread, so typing never waits for
// the checker (or a slow stability analysis). Returns diagnostics and the losses' signatures;
// the IR before and after optimization is a separate request, made only for the IR pane.
import * as api from '../../src/api.js';
import * as lossc from '../../src/index.js';
import type { IrFunction } from '../../src/index.js';
import type { Analysis, InputSummary, IrReport, LossIr, LossSummary, RewriteSummary } from './protocol.js';
import { codeActions, hover, inlayHints } from './language-service.js';
import { serve } from './rpc.js';
import { stdlibHost } from './stdlib.js';

type Rewrite = { rule: string; detail?: string; span?: { start: { line: number; col: number } } };

function summarize(fn: IrFunction): LossSummary {
  const fixedDims: Record<string, number> = {};
  for (const d of fn.dims) if ('size' in d) fixedDims[d.dim] = d.size;
  const inputs: InputSummary[] = fn.inputs.map((i) => ({
    name: i.name,
    elem: i.elem,
    ...(i.indexOf ? { indexOf: i.indexOf } : {}),
    dims: i.axes.map((a) => a.dim),
    ...(i.domain ? { domain: i.domain } : {}),
    // Optional tensor inputs (`weight: [C] = 1`, `y_hat: [N] = x`) carry a default.
    optional: i.default !== undefined,
    ...(typeof i.default === 'object' ? { defaultsTo: i.default.input } : {}),
    ...(i.list ? { list: true as const } : {}),
  }));
  return {
    name: fn.name,
    file: fn.file,
    ...(fn.doc ? { doc: fn.doc } : {}),
    formula: fn.formula,
    inputs,
    hypers: fn.hypers.map((h) => ({ name: h.name, elem: h.elem, ...(h.default !== undefined ? { default: h.default } : {}), ...(h.domain ? { domain: h.domain } : {}), ...(h.values ? { values: h.values } : {}) })),
    fixedDims,
    ...(fn.reduction ? { reduction: fn.reduction.kind } : {}),
  };
}

type Explain = (
  text: string,
  file: string,
  loss: string,
  options: lossc.PipelineOptions & { grad?: boolean },
) => { before?: string; after?: string; rewrites: readonly Rewrite[]; gradients?: string; noGradients?: string };

// The library's `explain` (IR before/after and the rewrites) where the API has it; otherwise
// printIr of what `check` returns without and with the optimizer.
const explain = (api as unknown as { explain?: Explain }).explain;

function summarizeRewrites(list: readonly Rewrite[] | undefined): RewriteSummary[] {
  return (list ?? []).map((r) => ({
    rule: r.rule,
    ...(r.detail ? { detail: r.detail } : {}),
    ...(r.span ? { line: r.span.start.line, col: r.span.start.col } : {}),
  }));
}

/** Only what the markers and the panes' signatures need: this is the keystroke path. */
function analyze(params: { text: string; file: string; version: number; stability?: boolean }): Analysis {
  const t0 = performance.now();
  const stability = params.stability !== false;
  const checked = lossc.check(params.text, params.file, { host: stdlibHost, stability });
  return { version: params.version, diagnostics: checked.diagnostics, losses: checked.losses.map(summarize), checkMs: performance.now() - t0, complete: stability };
}

/** The IR pane, asked for only while it is shown. */
function ir(params: { text: string; file: string }): IrReport {
  const options = { host: stdlibHost, stability: false };
  const out: Record<string, LossIr> = {};
  if (explain) {
    for (const fn of lossc.check(params.text, params.file, { ...options, optimize: false }).losses) {
      const r = explain(params.text, params.file, fn.name, { ...options, grad: true });
      out[fn.name] = {
        before: r.before ?? '',
        after: r.after ?? '',
        rewrites: summarizeRewrites(r.rewrites),
        ...(r.gradients !== undefined ? { gradients: r.gradients } : {}),
        ...(r.noGradients !== undefined ? { noGradients: r.noGradients } : {}),
      };
    }
    return { ir: out, source: 'explain' };
  }
  const after = lossc.check(params.text, params.file, options);
  const before = lossc.check(params.text, params.file, { ...options, optimize: false });
  const rewrites = (after as { rewrites?: ReadonlyMap<string, readonly Rewrite[]> }).rewrites;
  for (const fn of after.losses) {
    const raw = before.losses.find((l) => l.name === fn.name);
    out[fn.name] = { before: raw ? lossc.printIr(raw) : '', after: lossc.printIr(fn), rewrites: summarizeRewrites(rewrites?.get(fn.name)) };
  }
  return { ir: out, source: 'printIr' };
}

// The language service's requests that run the checker: off the main thread, like analyze.
serve({
  analyze,
  ir,
  hover: (p: { text: string; offset: number }) => hover(p.text, p.offset) ?? null,
  inlayHints: (p: { text: string }) => inlayHints(p.text),
  codeActions: (p: { text: string; start: number; end: number }) => codeActions(p.text, p.start, p.end).map((a) => ({ title: a.title, edits: a.edits, preferred: a.preferred, code: a.diagnostic.code, start: a.diagnostic.span?.start.offset ?? 0 })),
});
