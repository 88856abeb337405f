// The source editor: the loss language's features in Monaco, from the language service the
// language server uses too (./language-service.ts over src/service). Requests that run the
// checker (hover with axes and ranges, inlay hints, quick fixes) go to a language worker;
// the ones that only parse (completion, definition, references, rename) run here.
import { diagnosticDocsUrl } from './docs-links.js';
import type { Diagnostic } from '../../src/index.js';
import {
  completions, definition, format, prepareRename, references, rename, signatureHelp, type HoverInfo, type InlayHint, type ItemKind, type TextEdit,
} from './language-service.js';
import LangWorker from './lang.worker.ts?worker';
import { LANGUAGE_ID, monaco, systemTheme } from './monaco.js';
import { WorkerClient } from './rpc.js';
import { EDITOR_FILE } from './stdlib.js';

const KIND: Record<ItemKind, monaco.languages.CompletionItemKind> = {
  function: monaco.languages.CompletionItemKind.Function,
  keyword: monaco.languages.CompletionItemKind.Keyword,
  variable: monaco.languages.CompletionItemKind.Variable,
  dimension: monaco.languages.CompletionItemKind.TypeParameter,
  loss: monaco.languages.CompletionItemKind.Method,
  def: monaco.languages.CompletionItemKind.Function,
};

/** The language worker of the editor's features, started on the first request that needs it. */
let languageWorker: WorkerClient | undefined;
const worker = (): WorkerClient => (languageWorker ??= new WorkerClient(new LangWorker({ name: 'lossc-language' })));

const rangeOf = (model: monaco.editor.ITextModel, start: number, end: number): monaco.Range => {
  const a = model.getPositionAt(start);
  const b = model.getPositionAt(end);
  return new monaco.Range(a.lineNumber, a.column, b.lineNumber, b.column);
};

/** Edits of the editor's own file, in Monaco's terms (the stdlib's files are read-only here). */
const ownEdits = (model: monaco.editor.ITextModel, edits: readonly TextEdit[]): monaco.languages.IWorkspaceTextEdit[] =>
  edits.filter((e) => e.file === EDITOR_FILE).map((e) => ({ resource: model.uri, versionId: model.getVersionId(), textEdit: { range: rangeOf(model, e.range.start, e.range.end), text: e.text } }));

monaco.languages.registerCompletionItemProvider(LANGUAGE_ID, {
  provideCompletionItems(model, position) {
    const word = model.getWordUntilPosition(position);
    const range = new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn);
    const items = completions(model.getValue(), model.getOffsetAt(position));
    return {
      suggestions: items.map((item, i) => ({
        label: item.label,
        kind: KIND[item.kind],
        detail: item.detail,
        ...(item.doc ? { documentation: { value: item.doc } } : {}),
        insertText: item.label,
        range,
        // Names in scope first, then builtins, stdlib, keywords: the order items were made.
        sortText: String(i).padStart(4, '0'),
        ...(item.additionalEdit ? { additionalTextEdits: [{ range: rangeOf(model, item.additionalEdit.range.start, item.additionalEdit.range.end), text: item.additionalEdit.text }] } : {}),
      })),
    };
  },
});

monaco.languages.registerHoverProvider(LANGUAGE_ID, {
  async provideHover(model, position) {
    const version = model.getVersionId();
    const info = await worker().call<HoverInfo | null>('hover', { text: model.getValue(), offset: model.getOffsetAt(position) });
    if (!info || model.getVersionId() !== version) return null;
    return {
      range: rangeOf(model, info.range.start, info.range.end),
      contents: [{ value: '```' + info.language + '\n' + info.signature + '\n```' }, ...(info.doc ? [{ value: info.doc }] : [])],
    };
  },
});

monaco.languages.registerSignatureHelpProvider(LANGUAGE_ID, {
  signatureHelpTriggerCharacters: ['(', ','],
  provideSignatureHelp(model, position) {
    const s = signatureHelp(model.getValue(), model.getOffsetAt(position));
    if (!s) return null;
    return {
      value: { signatures: [{ label: s.label, ...(s.doc ? { documentation: s.doc } : {}), parameters: s.parameters.map((label) => ({ label })) }], activeSignature: 0, activeParameter: s.active },
      dispose() {},
    };
  },
});

monaco.languages.registerDefinitionProvider(LANGUAGE_ID, {
  provideDefinition(model, position) {
    // Definitions in the stdlib are not models of this editor: only the editor's own file.
    return definition(model.getValue(), model.getOffsetAt(position)).filter((l) => l.file === EDITOR_FILE).map((l) => ({ uri: model.uri, range: rangeOf(model, l.range.start, l.range.end) }));
  },
});

monaco.languages.registerReferenceProvider(LANGUAGE_ID, {
  provideReferences(model, position) {
    return references(model.getValue(), model.getOffsetAt(position)).filter((l) => l.file === EDITOR_FILE).map((l) => ({ uri: model.uri, range: rangeOf(model, l.range.start, l.range.end) }));
  },
});

monaco.languages.registerRenameProvider(LANGUAGE_ID, {
  provideRenameEdits(model, position, newName) {
    const r = rename(model.getValue(), model.getOffsetAt(position), newName);
    if ('error' in r) return { edits: [], rejectReason: r.error };
    if (r.edits.some((e) => e.file !== EDITOR_FILE)) return { edits: [], rejectReason: 'it is also used in the standard library, which the playground cannot change' };
    return { edits: ownEdits(model, r.edits) };
  },
  resolveRenameLocation(model, position) {
    const r = prepareRename(model.getValue(), model.getOffsetAt(position));
    if ('error' in r) return { range: new monaco.Range(position.lineNumber, position.column, position.lineNumber, position.column), text: '', rejectReason: r.error };
    return { range: rangeOf(model, r.range.start, r.range.end), text: r.placeholder };
  },
});

monaco.languages.registerInlayHintsProvider(LANGUAGE_ID, {
  async provideInlayHints(model) {
    const version = model.getVersionId();
    const hints = await worker().call<InlayHint[]>('inlayHints', { text: model.getValue() });
    if (model.getVersionId() !== version) return { hints: [], dispose() {} };
    return {
      hints: hints.map((h) => ({ position: model.getPositionAt(h.offset), label: h.label, kind: monaco.languages.InlayHintKind.Type, paddingRight: true, tooltip: `The axes of ${h.name} and the range of its values (when not NaN)` })),
      dispose() {},
    };
  },
});

interface WorkerAction { readonly title: string; readonly edits: readonly TextEdit[]; readonly preferred: boolean; readonly code: string; readonly start: number }

monaco.languages.registerCodeActionProvider(LANGUAGE_ID, {
  async provideCodeActions(model, range, context) {
    if (context.markers.length === 0) return { actions: [], dispose() {} };
    const version = model.getVersionId();
    const start = model.getOffsetAt(range.getStartPosition());
    const end = model.getOffsetAt(range.getEndPosition());
    const actions = await worker().call<WorkerAction[]>('codeActions', { text: model.getValue(), start, end });
    if (model.getVersionId() !== version) return { actions: [], dispose() {} };
    return {
      actions: actions.map((a) => {
        const at = model.getPositionAt(a.start);
        const markers = context.markers.filter((m) => markerCode(m) === a.code && m.startLineNumber === at.lineNumber && m.startColumn === at.column);
        return { title: a.title, kind: 'quickfix', isPreferred: a.preferred, diagnostics: markers, edit: { edits: ownEdits(model, a.edits) } };
      }),
      dispose() {},
    };
  },
}, { providedCodeActionKinds: ['quickfix'] });

monaco.languages.registerDocumentFormattingEditProvider(LANGUAGE_ID, {
  provideDocumentFormattingEdits(model) {
    const r = format(model.getValue());
    if ('error' in r || r.text === model.getValue()) return [];
    return [{ range: model.getFullModelRange(), text: r.text }];
  },
});

export function createEditor(host: HTMLElement, value: string): monaco.editor.IStandaloneCodeEditor {
  return monaco.editor.create(host, {
    value,
    language: LANGUAGE_ID,
    theme: systemTheme(),
    automaticLayout: true,
    minimap: { enabled: false },
    fontSize: 14,
    scrollBeyondLastLine: false,
    wordWrap: 'on',
    renderLineHighlight: 'line',
    fixedOverflowWidgets: false,
    'semanticHighlighting.enabled': false,
    inlayHints: { enabled: 'on' },
    lightbulb: { enabled: monaco.editor.ShowLightbulbIconMode.OnCode },
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
    // The code links to its section of the diagnostics guide (shown in the hover).
    code: { value: d.code, target: monaco.Uri.parse(diagnosticDocsUrl(d.code)) },
    message: [d.message, ...(d.notes ?? []).map((n) => `note: ${n}`)].join('\n'),
    source: 'lossc',
    startLineNumber: s.start.line,
    startColumn: s.start.col,
    endLineNumber: s.end.line,
    endColumn: empty ? s.start.col + 1 : s.end.col,
  };
}

/** A marker's diagnostic code, whether given as text or as a link. */
const markerCode = (m: monaco.editor.IMarkerData): string | undefined => (typeof m.code === 'object' ? m.code.value : m.code);
