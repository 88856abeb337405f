// The source editor: the loss language's completion and hover, and diagnostics as markers.
import type { Diagnostic } from '../../src/index.js';
import { completions, hover, importEdit, type ItemKind } from './language-service.js';
import { LANGUAGE_ID, monaco } from './monaco.js';
import { EDITOR_FILE } from './stdlib.js';

const KIND: Record<ItemKind, monaco.languages.CompletionItemKind> = {
  function: monaco.languages.CompletionItemKind.Function,
  keyword: monaco.languages.CompletionItemKind.Keyword,
  variable: monaco.languages.CompletionItemKind.Variable,
  dimension: monaco.languages.CompletionItemKind.TypeParameter,
  loss: monaco.languages.CompletionItemKind.Method,
  def: monaco.languages.CompletionItemKind.Function,
};

monaco.languages.registerCompletionItemProvider(LANGUAGE_ID, {
  provideCompletionItems(model, position) {
    const word = model.getWordUntilPosition(position);
    const range = new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn);
    const text = model.getValue();
    const items = completions(text, model.getOffsetAt(position));
    return {
      suggestions: items.map((item, i) => {
        const edit = item.importFrom ? importEdit(text, item.label, item.importFrom) : undefined;
        const at = edit ? model.getPositionAt(edit.offset) : undefined;
        return {
          label: item.label,
          kind: KIND[item.kind],
          detail: item.detail,
          ...(item.doc ? { documentation: { value: item.doc } } : {}),
          insertText: item.label,
          range,
          // Names in scope first, then builtins, stdlib, keywords: the order items were made.
          sortText: String(i).padStart(4, '0'),
          ...(edit && at ? { additionalTextEdits: [{ range: new monaco.Range(at.lineNumber, at.column, at.lineNumber, at.column), text: edit.insert }] } : {}),
        };
      }),
    };
  },
});

monaco.languages.registerHoverProvider(LANGUAGE_ID, {
  provideHover(model, position) {
    const word = model.getWordAtPosition(position);
    if (!word) return null;
    const info = hover(model.getValue(), model.getOffsetAt(position), word.word);
    if (!info) return null;
    return {
      range: new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn),
      contents: [{ value: '```loss\n' + info.signature + '\n```' }, ...(info.doc ? [{ value: info.doc }] : [])],
    };
  },
});

export function createEditor(host: HTMLElement, value: string): monaco.editor.IStandaloneCodeEditor {
  return monaco.editor.create(host, {
    value,
    language: LANGUAGE_ID,
    theme: 'lossc',
    automaticLayout: true,
    minimap: { enabled: false },
    fontSize: 14,
    scrollBeyondLastLine: false,
    wordWrap: 'on',
    renderLineHighlight: 'line',
    fixedOverflowWidgets: false,
    'semanticHighlighting.enabled': false,
  });
}

const SEVERITY = { error: monaco.MarkerSeverity.Error, warning: monaco.MarkerSeverity.Warning, info: monaco.MarkerSeverity.Info } as const;

/**
 * Diagnostics of the editor's own file as markers; an empty span still gets one character.
 * Stability findings have their own owner, replaced only by a complete check: until then
 * Monaco keeps them, moved along with the edits.
 */
export function setMarkers(model: monaco.editor.ITextModel, diagnostics: readonly Diagnostic[], complete: boolean): void {
  const own = diagnostics.filter((d) => d.span && d.span.file === EDITOR_FILE);
  const stability = (d: Diagnostic): boolean => d.code.startsWith('W6');
  monaco.editor.setModelMarkers(model, 'lossc', own.filter((d) => !stability(d)).map(marker));
  if (complete) monaco.editor.setModelMarkers(model, 'lossc-stability', own.filter(stability).map(marker));
}

function marker(d: Diagnostic): monaco.editor.IMarkerData {
  const s = d.span!;
  const empty = s.end.offset <= s.start.offset;
  return {
    severity: SEVERITY[d.severity],
    code: d.code,
    message: [d.message, ...(d.notes ?? []).map((n) => `note: ${n}`)].join('\n'),
    source: 'lossc',
    startLineNumber: s.start.line,
    startColumn: s.start.col,
    endLineNumber: s.end.line,
    endColumn: empty ? s.start.col + 1 : s.end.col,
  };
}
