// The IR of each loss before and after optimization, with the rewrites the optimizer applied,
// and its derived backward pass; and the stability report (the W6xxx findings of the checker).
import type { Diagnostic } from '../../../src/index.js';
import { app, internalProblem } from '../app.js';
import { clear, debounce, h, problem } from '../dom.js';
import type { IrReport } from '../protocol.js';

export function mountIr(root: HTMLElement, isVisible: () => boolean): { refresh(): void } {
  let shown = -1;
  const refresh = debounce(150, async () => {
    if (!isVisible() || shown === app.version) return;
    const version = app.version;
    try {
      const report = await app.irReport();
      if (version !== app.version) return refresh();
      shown = version;
      render(root, report);
    } catch (err) {
      const d = internalProblem('printing the IR', err);
      clear(root, problem(d.code, d.message));
    }
  });
  app.onAnalysis(() => refresh());
  return { refresh };
}

function render(root: HTMLElement, report: IrReport): void {
  const names = Object.keys(report.ir);
  if (names.length === 0) {
    clear(root, h('div', { class: 'empty' }, 'No loss checks yet: the IR of every loss without errors is listed here.'));
    return;
  }
  clear(root,
    h('p', { class: 'hint' }, report.source === 'explain'
      ? 'From the library\u2019s explain: the IR before and after optimization, each rewrite applied, and the backward pass the compiler derives (what generated code runs in tf.customGrad).'
      : 'printIr of the losses returned by check, without and with the optimizer.'),
    names.map((name) => {
      const ir = report.ir[name]!;
      const changed = ir.before !== ir.after;
      return h('details', { class: 'ir', open: names.length <= 3 },
        h('summary', {}, name, ' ', h('span', { class: 'muted ir-count' }, summaryOf(ir.rewrites.length, changed))),
        ir.rewrites.length
          ? h('ul', { class: 'rewrites' }, ir.rewrites.map((r) => h('li', {}, h('code', {}, r.rule), r.line ? ` at ${r.line}:${r.col}` : '', r.detail ? ` — ${r.detail}` : '')))
          // The optimizer also folds constants and drops unused nodes without a named rule: an
          // After that differs under "no rewrite" would read as a contradiction.
          : h('div', { class: 'muted' }, changed ? 'No named rewrite; After differs by folded constants or removed unused nodes.' : 'No rewrite applied.'),
        h('div', { class: 'ir-cols' },
          h('div', {}, h('h4', {}, 'Before'), h('pre', {}, ir.before)),
          h('div', {}, h('h4', {}, 'After'), h('pre', {}, ir.after))),
        ir.gradients !== undefined || ir.noGradients !== undefined
          ? h('div', { class: 'ir-grad' },
            h('h4', {}, 'With the derived gradients'),
            ir.gradients !== undefined ? h('pre', {}, ir.gradients) : h('div', { class: 'muted' }, `None: ${ir.noGradients}; TensorFlow.js differentiates it.`))
          : null);
    }));
}

function summaryOf(rewrites: number, changed: boolean): string {
  if (rewrites > 0) return `${rewrites} rewrite${rewrites === 1 ? '' : 's'}`;
  return changed ? 'folded and cleaned up' : 'unchanged';
}

export function mountStability(root: HTMLElement): void {
  app.onAnalysis((a) => {
    const findings = a.diagnostics.filter((d) => d.severity !== 'error');
    const stability = findings.filter((d) => d.code.startsWith('W6'));
    clear(root,
      h('p', { class: 'hint' }, 'Numeric hazards found by the checker (W6xxx): overflow, log of 0, NaN gradients, float32 error. Every warning of the file is listed.'),
      findings.length === 0
        ? h('div', { class: 'empty ok', id: 'stability-empty' }, '✓ No warnings.')
        : h('div', { id: 'stability-list' },
          stability.length ? [h('h4', { class: 'group' }, 'Numeric stability'), ...stability.map(finding)] : h('div', { class: 'empty ok' }, '✓ No numeric hazard found.'),
          findings.length > stability.length ? [h('h4', { class: 'group' }, 'Other warnings'), ...findings.filter((d) => !stability.includes(d)).map(finding)] : null));
  });
}

function finding(d: Diagnostic): HTMLElement {
  return h('div', { class: `finding ${d.code.startsWith('W6') ? 'stab' : ''}`, 'data-code': d.code },
    h('div', {}, h('span', { class: 'code' }, d.code), d.span ? h('span', { class: 'where' }, ` ${d.span.start.line}:${d.span.start.col}`) : '', ' ', d.message),
    (d.notes ?? []).map((n) => h('div', { class: 'note' }, n)));
}
