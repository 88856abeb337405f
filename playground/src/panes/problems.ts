// The problems list under the editor: every diagnostic, with its code, including those that
// point at no place in the file (or at an imported stdlib file).
import type { Diagnostic } from '../../../src/index.js';
import { app } from '../app.js';
import { clear, h } from '../dom.js';
import type { monaco } from '../monaco.js';
import { diagnosticDocsUrl } from '../docs-links.js';
import { EDITOR_FILE } from '../stdlib.js';

export function mountProblems(root: HTMLElement, editor: monaco.editor.IStandaloneCodeEditor): void {
  const count = document.getElementById('problem-count');
  app.onAnalysis((a) => {
    const errors = a.diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = a.diagnostics.length - errors;
    if (count) {
      const parts = [errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : ''].filter(Boolean);
      count.textContent = parts.length ? parts.join(', ') : '✓ no problems';
      count.className = errors ? 'count bad' : warnings ? 'count warn' : 'count ok';
    }
    if (a.diagnostics.length === 0) {
      clear(root, h('div', { class: 'empty' }, `No problems. ${a.losses.length} loss${a.losses.length === 1 ? '' : 'es'} checked in ${a.checkMs.toFixed(1)} ms.`));
      return;
    }
    clear(root, a.diagnostics.map((d) => row(d, editor)));
  });
}

function row(d: Diagnostic, editor: monaco.editor.IStandaloneCodeEditor): HTMLElement {
  const own = d.span?.file === EDITOR_FILE;
  const where = d.span ? `${own ? '' : `${d.span.file}:`}${d.span.start.line}:${d.span.start.col}` : '';
  const jump = (): void => {
    if (!own || !d.span) return;
    editor.setPosition({ lineNumber: d.span.start.line, column: d.span.start.col });
    editor.revealLineInCenter(d.span.start.line);
    editor.focus();
  };
  return h('div', { class: `problem ${d.severity}`, 'data-code': d.code, onclick: jump, title: own ? 'Go to the problem' : '' },
    h('span', { class: 'sev' }, d.severity === 'error' ? '●' : '▲'),
    h('span', { class: 'where' }, where),
    // The code opens its section of the diagnostics guide in a new tab (the work stays put).
    h('a', { class: 'code', href: diagnosticDocsUrl(d.code), target: '_blank', rel: 'noopener', title: `What ${d.code} means, with an example and the fix`, onclick: (e: Event) => e.stopPropagation() }, d.code),
    h('span', { class: 'msg' }, d.message, ...(d.notes ?? []).map((n) => h('div', { class: 'note' }, `note: ${n}`))));
}
