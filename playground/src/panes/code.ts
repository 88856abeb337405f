// The generated TypeScript, read-only. The compile worker (ts-morph) starts only when this pane
// is first shown, and recompiles after the source has been still for a moment.
import { app, internalProblem } from '../app.js';
import { clear, debounce, h, problem } from '../dom.js';
import { monaco, systemTheme } from '../monaco.js';
import { fileButtons } from '../files.js';
import type { CompileReply } from '../protocol.js';

export function mountCode(root: HTMLElement, isVisible: () => boolean): { refresh(): void } {
  const status = h('div', { class: 'pane-status', id: 'code-status' }, 'The generated module appears here.');
  const host = h('div', { class: 'code-host', id: 'code-editor' });
  let code: string | undefined;
  // The module as shown (undefined until one was generated); named after the editor's first loss.
  const buttons = fileButtons('code', () => `${app.analysis?.losses[0]?.name ?? 'loss'}.ts`, () => code, 'text/typescript');
  clear(root, h('div', { class: 'row pane-head' }, status, buttons), host);
  let view: monaco.editor.IStandaloneCodeEditor | undefined;
  let shown = -1;
  let first = true;
  let loaded = false;

  const compile = debounce(250, async () => {
    const a = app.analysis;
    if (!a || !isVisible() || shown === app.version) return;
    const version = app.version;
    if (a.diagnostics.some((d) => d.severity === 'error')) {
      const e = a.diagnostics.find((d) => d.severity === 'error')!;
      clear(status, h('span', { class: 'stale' }, view ? 'Out of date: ' : ''), problem(e.code, `${e.message} — fix the errors to regenerate the module.`));
      root.classList.add('stale');
      return;
    }
    if (first) clear(status, h('span', { class: 'spinner' }), ' Loading the TypeScript emitter (ts-morph, once)…');
    try {
      const r = await app.compiler.call<CompileReply>('compile', { text: app.text, file: app.file, version });
      first = false;
      if (version !== app.version) return compile();
      shown = version;
      if (r.code === undefined) {
        const e = r.diagnostics.find((d) => d.severity === 'error');
        clear(status, e ? problem(e.code, e.message) : 'No code was generated.');
        return;
      }
      view ??= monaco.editor.create(host, {
        value: '', language: 'typescript', readOnly: true, theme: systemTheme(), automaticLayout: true,
        minimap: { enabled: false }, fontSize: 13, scrollBeyondLastLine: false, wordWrap: 'on',
      });
      view.setValue(r.code);
      code = r.code;
      root.classList.remove('stale');
      clear(status, `TypeScript module for @tensorflow/tfjs — ${r.code.split('\n').length} lines, compiled in ${r.ms.toFixed(0)} ms${loaded ? '' : ' (the first compile loads ts-morph)'}.`);
      loaded = true;
      status.dataset.version = String(version);
    } catch (err) {
      const d = internalProblem('generating TypeScript', err);
      clear(status, problem(d.code, d.message));
    }
  });

  app.onAnalysis(() => compile());
  return { refresh: () => compile() };
}
