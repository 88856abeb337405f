// `lossc lsp`: the language server over stdio. A thin adapter: documents in, the language
// service's answers (src/service) out, converted between offsets and LSP positions.
// Diagnostics come in two passes: syntax, names, types and shapes as soon as the editor
// sends a change (milliseconds), then the stability analysis once typing pauses. Until that
// second pass, the last stability findings stay, moved along with the edits.
// Every handler is guarded: a failure is logged and answered with nothing, never a crash.

import { fileURLToPath, pathToFileURL } from 'node:url';
import { readdirSync, readFileSync } from 'node:fs';
import {
  CodeActionKind, createConnection, DiagnosticSeverity, DocumentSymbol, ProposedFeatures, ResponseError, SemanticTokensBuilder, SymbolKind,
  TextDocumentSyncKind, CompletionItemKind, InlayHintKind, MarkupKind, ErrorCodes,
  type Connection, type Diagnostic as LspDiagnostic, type InitializeResult, type Range, type TextEdit as LspTextEdit, type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { resolveImport, STDLIB_DIR, STDLIB_IMPORT_PREFIX } from '../check/program.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { formatSource } from '../fmt/index.js';
import * as service from '../service/index.js';
import type { ItemKind, OutlineItem, ServiceHost, StdlibFile, TextEdit, Workspace } from '../service/index.js';

/** How long typing must pause before the stability analysis runs (it takes ~100 ms on a large file). */
const STABILITY_DELAY_MS = 300;

const COMPLETION_KIND: Record<ItemKind, CompletionItemKind> = {
  function: CompletionItemKind.Function, keyword: CompletionItemKind.Keyword, variable: CompletionItemKind.Variable,
  dimension: CompletionItemKind.TypeParameter, loss: CompletionItemKind.Method, def: CompletionItemKind.Function,
};
const SYMBOL_KIND: Record<OutlineItem['kind'], SymbolKind> = {
  loss: SymbolKind.Function, def: SymbolKind.Function, dim: SymbolKind.Enum, param: SymbolKind.Variable, binding: SymbolKind.Variable, import: SymbolKind.Module,
};
const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

/** A document's file name for the compiler: a path for file: URIs, the URI itself otherwise. */
export function uriToFile(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return fileURLToPath(uri);
  } catch {
    return uri;
  }
}

export function fileToUri(file: string): string {
  return file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file) ? pathToFileURL(file).href : file;
}

function stdlibFiles(): StdlibFile[] {
  try {
    return readdirSync(STDLIB_DIR).filter((n) => n.endsWith('.loss')).sort().map((n) => {
      const path = `${STDLIB_DIR}/${n}`;
      return { spec: `${STDLIB_IMPORT_PREFIX}${n.replace(/\.loss$/, '')}`, path, text: readFileSync(path, 'utf8') };
    });
  } catch {
    return [];
  }
}

interface OpenDocument {
  doc: TextDocument;
  /** Stability findings of an earlier text, as offset ranges moved along with the edits since. */
  stale: { start: number; end: number; diagnostic: LspDiagnostic }[];
  quick?: NodeJS.Immediate;
  full?: NodeJS.Timeout;
}

export function startServer(connection: Connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout)): Promise<void> {
  const documents = new Map<string, OpenDocument>();
  const byFile = (file: string): OpenDocument | undefined => {
    for (const d of documents.values()) if (uriToFile(d.doc.uri) === file) return d;
    return undefined;
  };
  let stdlibCache: StdlibFile[] | undefined;
  const host: ServiceHost = {
    readFile(path) {
      const open = byFile(path);
      if (open) return open.doc.getText();
      try {
        return readFileSync(path, 'utf8').replace(/^\ufeff/, '');
      } catch {
        return undefined;
      }
    },
    stdlib: () => (stdlibCache ??= stdlibFiles()),
  };
  const ws: Workspace = { host, openFiles: () => [...documents.values()].map((d) => uriToFile(d.doc.uri)) };

  const log = (what: string, err: unknown): void => connection.console.error(`lossc: ${what} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  /** Runs a handler; a failure is logged and answered with `fallback`. */
  const guard = <A extends unknown[], R>(what: string, fallback: R, f: (...args: A) => R) => (...args: A): R => {
    try {
      return f(...args);
    } catch (err) {
      if (err instanceof ResponseError) throw err;
      log(what, err);
      return fallback;
    }
  };
  const docOf = (uri: string): { open: OpenDocument; parsed: service.Parsed } | undefined => {
    const open = documents.get(uri);
    return open ? { open, parsed: service.parsed(open.doc.getText(), uriToFile(uri)) } : undefined;
  };
  const range = (doc: TextDocument, start: number, end: number): Range => ({ start: doc.positionAt(start), end: doc.positionAt(Math.max(start, end)) });

  /** The compiler's diagnostics of `file` in LSP terms; errors in imported files shown at their import. */
  const toLsp = (doc: TextDocument, file: string, ds: readonly Diagnostic[]): LspDiagnostic[] => {
    const out: LspDiagnostic[] = [];
    for (const d of ds) {
      const message = [d.message, ...(d.notes ?? []).map((n) => `note: ${n}`)].join('\n');
      const base = { severity: SEVERITY[d.severity], code: d.code, source: 'lossc' };
      if (!d.span) out.push({ ...base, message, range: range(doc, 0, 0) });
      else if (d.span.file === file) {
        const empty = d.span.end.offset <= d.span.start.offset;
        out.push({ ...base, message, range: range(doc, d.span.start.offset, empty ? Math.min(d.span.start.offset + 1, doc.getText().length) : d.span.end.offset) });
      } else if (d.severity === 'error') {
        // Parsed only here: the keystroke path does not parse twice for the few files with such errors.
        const imp = service.parsed(doc.getText(), file).module.imports.find((i) => resolveImport(file, i.from) === d.span!.file);
        const at = imp ? imp.fromSpan : undefined;
        out.push({ ...base, message: `in ${d.span.file}:${d.span.start.line}:${d.span.start.col}: ${message}`, range: at ? range(doc, at.start.offset, at.end.offset) : range(doc, 0, 0) });
      }
    }
    return out;
  };
  const key = (d: LspDiagnostic): string => `${d.code}|${d.range.start.line}:${d.range.start.character}|${d.message}`;

  const publishQuick = (uri: string): void => {
    const open = documents.get(uri);
    if (!open) return;
    const file = uriToFile(uri);
    const quick = toLsp(open.doc, file, service.quickCheck(open.doc.getText(), file, host).diagnostics);
    const stale = open.stale.map((s) => ({ ...s.diagnostic, range: range(open.doc, s.start, s.end) }));
    void connection.sendDiagnostics({ uri, version: open.doc.version, diagnostics: [...quick, ...stale] });
  };
  const publishFull = (uri: string): void => {
    const open = documents.get(uri);
    if (!open) return;
    const file = uriToFile(uri);
    const text = open.doc.getText();
    const full = toLsp(open.doc, file, service.fullCheck(text, file, host));
    const quick = new Set(toLsp(open.doc, file, service.quickCheck(text, file, host).diagnostics).map(key));
    open.stale = full.filter((d) => !quick.has(key(d))).map((d) => ({ start: open.doc.offsetAt(d.range.start), end: open.doc.offsetAt(d.range.end), diagnostic: d }));
    void connection.sendDiagnostics({ uri, version: open.doc.version, diagnostics: full });
  };
  const schedule = (uri: string): void => {
    const open = documents.get(uri);
    if (!open) return;
    if (open.quick) clearImmediate(open.quick);
    if (open.full) clearTimeout(open.full);
    // A burst of changes read in one go is checked once, for the last text.
    open.quick = setImmediate(guard('checking', undefined, () => publishQuick(uri)));
    open.full = setTimeout(guard('the stability analysis', undefined, () => publishFull(uri)), STABILITY_DELAY_MS);
  };
  /** Files importing `file` are checked again when it changes. */
  const dependents = (file: string): string[] =>
    [...documents.entries()].filter(([uri, d]) => uriToFile(uri) !== file && service.parsed(d.doc.getText(), uriToFile(uri)).module.imports.some((i) => resolveImport(uriToFile(uri), i.from) === file)).map(([uri]) => uri);

  connection.onInitialize((): InitializeResult => ({
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      hoverProvider: true,
      completionProvider: { triggerCharacters: ['.'] },
      signatureHelpProvider: { triggerCharacters: ['(', ','] },
      definitionProvider: true,
      referencesProvider: true,
      documentHighlightProvider: true,
      renameProvider: { prepareProvider: true },
      documentSymbolProvider: true,
      workspaceSymbolProvider: true,
      foldingRangeProvider: true,
      semanticTokensProvider: { legend: { tokenTypes: [...service.SEMANTIC_TOKEN_TYPES], tokenModifiers: [...service.SEMANTIC_TOKEN_MODIFIERS] }, full: true },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      documentFormattingProvider: true,
      inlayHintProvider: true,
    },
    serverInfo: { name: 'lossc' },
  }));

  connection.onDidOpenTextDocument(guard('opening a document', undefined, (p) => {
    documents.set(p.textDocument.uri, { doc: TextDocument.create(p.textDocument.uri, p.textDocument.languageId, p.textDocument.version, p.textDocument.text), stale: [] });
    schedule(p.textDocument.uri);
  }));
  connection.onDidChangeTextDocument(guard('applying a change', undefined, (p) => {
    const open = documents.get(p.textDocument.uri);
    if (!open) return;
    for (const change of p.contentChanges) {
      if ('range' in change) {
        const start = open.doc.offsetAt(change.range.start);
        const end = open.doc.offsetAt(change.range.end);
        const delta = change.text.length - (end - start);
        open.stale = open.stale.filter((s) => s.end <= start || s.start >= end).map((s) => (s.start >= end ? { ...s, start: s.start + delta, end: s.end + delta } : s));
      } else open.stale = [];
      open.doc = TextDocument.update(open.doc, [change], p.textDocument.version);
    }
    schedule(p.textDocument.uri);
    for (const uri of dependents(uriToFile(p.textDocument.uri))) schedule(uri);
  }));
  connection.onDidCloseTextDocument(guard('closing a document', undefined, (p) => {
    const open = documents.get(p.textDocument.uri);
    if (open?.quick) clearImmediate(open.quick);
    if (open?.full) clearTimeout(open.full);
    documents.delete(p.textDocument.uri);
    void connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
  }));

  // A file changed on disk (the client watches **/*.loss): what the open files import may have.
  connection.onDidChangeWatchedFiles(guard('a file change', undefined, () => {
    for (const uri of documents.keys()) schedule(uri);
  }));

  connection.onHover(guard('hover', null, (p) => {
    const e = docOf(p.textDocument.uri);
    if (!e) return null;
    const h = service.hover(ws, e.parsed, e.open.doc.offsetAt(p.position));
    if (!h) return null;
    return { range: range(e.open.doc, h.range.start, h.range.end), contents: { kind: MarkupKind.Markdown, value: `\`\`\`${h.language}\n${h.signature}\n\`\`\`${h.doc ? `\n\n${h.doc}` : ''}` } };
  }));

  const lspEdit = (edit: TextEdit): LspTextEdit | undefined => {
    const target = byFile(edit.file)?.doc ?? TextDocument.create(fileToUri(edit.file), 'loss', 0, host.readFile(edit.file) ?? '');
    return { range: range(target, edit.range.start, edit.range.end), newText: edit.text };
  };
  const workspaceEdit = (edits: readonly TextEdit[]): WorkspaceEdit => {
    const changes: Record<string, LspTextEdit[]> = {};
    for (const e of edits) {
      const uri = byFile(e.file)?.doc.uri ?? fileToUri(e.file);
      const converted = lspEdit(e);
      if (converted) (changes[uri] ??= []).push(converted);
    }
    return { changes };
  };

  connection.onCompletion(guard('completion', [], (p) => {
    const e = docOf(p.textDocument.uri);
    if (!e) return [];
    return service.completions(e.parsed, e.open.doc.offsetAt(p.position), host).map((item, i) => {
      const extra = item.additionalEdit ? lspEdit(item.additionalEdit) : undefined;
      return {
        label: item.label, kind: COMPLETION_KIND[item.kind], detail: item.detail,
        ...(item.doc ? { documentation: { kind: MarkupKind.Markdown, value: item.doc } } : {}),
        // Names in scope first, then builtins, stdlib, keywords: the order the service made them in.
        sortText: String(i).padStart(4, '0'),
        ...(extra ? { additionalTextEdits: [extra] } : {}),
      };
    });
  }));

  connection.onSignatureHelp(guard('signature help', null, (p) => {
    const e = docOf(p.textDocument.uri);
    if (!e) return null;
    const s = service.signatureHelp(ws, e.parsed, e.open.doc.offsetAt(p.position));
    if (!s) return null;
    return { signatures: [{ label: s.label, ...(s.doc ? { documentation: s.doc } : {}), parameters: s.parameters.map((label) => ({ label })) }], activeSignature: 0, activeParameter: Math.min(s.active, Math.max(0, s.parameters.length - 1)) };
  }));

  const locations = (list: readonly service.Location[]) => list.flatMap((l) => {
    const open = byFile(l.file);
    const doc = open?.doc ?? TextDocument.create(fileToUri(l.file), 'loss', 0, host.readFile(l.file) ?? '');
    return [{ uri: doc.uri, range: range(doc, l.range.start, l.range.end) }];
  });

  connection.onDefinition(guard('go to definition', [], (p) => {
    const e = docOf(p.textDocument.uri);
    return e ? locations(service.definition(ws, e.parsed, e.open.doc.offsetAt(p.position))) : [];
  }));
  connection.onReferences(guard('find references', [], (p) => {
    const e = docOf(p.textDocument.uri);
    return e ? locations(service.references(ws, e.parsed, e.open.doc.offsetAt(p.position), p.context.includeDeclaration)) : [];
  }));
  connection.onDocumentHighlight(guard('highlights', [], (p) => {
    const e = docOf(p.textDocument.uri);
    if (!e) return [];
    return service.references(ws, e.parsed, e.open.doc.offsetAt(p.position), true).filter((l) => l.file === e.parsed.file).map((l) => ({ range: range(e.open.doc, l.range.start, l.range.end) }));
  }));
  connection.onPrepareRename(guard('prepare rename', null, (p) => {
    const e = docOf(p.textDocument.uri);
    if (!e) return null;
    const r = service.prepareRename(ws, e.parsed, e.open.doc.offsetAt(p.position));
    if ('error' in r) throw new ResponseError(ErrorCodes.InvalidRequest, r.error);
    return { range: range(e.open.doc, r.range.start, r.range.end), placeholder: r.placeholder };
  }));
  connection.onRenameRequest(guard('rename', null, (p) => {
    const e = docOf(p.textDocument.uri);
    if (!e) return null;
    const r = service.rename(ws, e.parsed, e.open.doc.offsetAt(p.position), p.newName);
    if ('error' in r) throw new ResponseError(ErrorCodes.InvalidRequest, r.error);
    return workspaceEdit(r.edits);
  }));

  connection.onDocumentSymbol(guard('document symbols', [], (p) => {
    const e = docOf(p.textDocument.uri);
    if (!e) return [];
    const convert = (item: OutlineItem): DocumentSymbol => DocumentSymbol.create(
      item.name, item.detail, SYMBOL_KIND[item.kind], range(e.open.doc, item.range.start, item.range.end), range(e.open.doc, item.selection.start, item.selection.end), item.children.map(convert),
    );
    return service.outline(e.parsed).map(convert);
  }));
  connection.onWorkspaceSymbol(guard('workspace symbols', [], (p) => {
    const open = [...documents.values()].map((d) => ({ file: uriToFile(d.doc.uri), text: d.doc.getText() }));
    const files = [...open, ...host.stdlib().map((f) => ({ file: f.path, text: host.readFile(f.path) ?? f.text }))];
    return service.workspaceSymbols(files, p.query).map((s) => {
      const doc = byFile(s.file)?.doc ?? TextDocument.create(fileToUri(s.file), 'loss', 0, files.find((f) => f.file === s.file)!.text);
      return { name: s.name, kind: s.kind === 'dim' ? SymbolKind.Enum : SymbolKind.Function, location: { uri: doc.uri, range: range(doc, s.range.start, s.range.end) }, containerName: s.file.split('/').pop()! };
    });
  }));
  connection.onFoldingRanges(guard('folding', [], (p) => {
    const e = docOf(p.textDocument.uri);
    return e ? service.foldingRanges(e.parsed).map((f) => ({ startLine: f.startLine, endLine: f.endLine, ...(f.kind ? { kind: f.kind } : {}) })) : [];
  }));
  connection.languages.semanticTokens.on(guard('semantic tokens', { data: [] }, (p) => {
    const e = docOf(p.textDocument.uri);
    if (!e) return { data: [] };
    const builder = new SemanticTokensBuilder();
    for (const t of service.semanticTokens(e.parsed)) {
      const at = e.open.doc.positionAt(t.start);
      builder.push(at.line, at.character, t.length, t.type, t.modifiers);
    }
    return builder.build();
  }));

  connection.onCodeAction(guard('code actions', [], (p) => {
    const e = docOf(p.textDocument.uri);
    if (!e) return [];
    const ds = service.fullCheck(e.parsed.text, e.parsed.file, host);
    const start = e.open.doc.offsetAt(p.range.start);
    const end = e.open.doc.offsetAt(p.range.end);
    return service.codeActions(e.parsed, ds, start, end, host).map((a) => {
      const lspDiagnostic = toLsp(e.open.doc, e.parsed.file, [a.diagnostic])[0];
      return { title: a.title, kind: CodeActionKind.QuickFix, isPreferred: a.preferred, ...(lspDiagnostic ? { diagnostics: [lspDiagnostic] } : {}), edit: workspaceEdit(a.edits) };
    });
  }));

  connection.onDocumentFormatting(guard('formatting', [], (p) => {
    const e = docOf(p.textDocument.uri);
    if (!e) return [];
    const r = formatSource(e.parsed.text, e.parsed.file);
    if ('diagnostics' in r) {
      const first = r.diagnostics[0];
      connection.console.info(`lossc: not formatted: ${first ? `${first.span ? `${first.span.start.line}:${first.span.start.col}: ` : ''}${first.message}` : 'the file has errors'}`);
      return [];
    }
    return r.text === e.parsed.text ? [] : [{ range: range(e.open.doc, 0, e.parsed.text.length), newText: r.text }];
  }));

  connection.languages.inlayHint.on(guard('inlay hints', [], (p) => {
    const e = docOf(p.textDocument.uri);
    if (!e) return [];
    const facts = service.valueFacts(ws, e.parsed);
    const within = { start: e.open.doc.offsetAt(p.range.start), end: e.open.doc.offsetAt(p.range.end) };
    return service.inlayHints(e.parsed, facts, within).map((h) => ({
      position: e.open.doc.positionAt(h.offset), label: h.label, kind: InlayHintKind.Type, paddingLeft: false, paddingRight: true,
      tooltip: `The axes of ${h.name} and the range of its values (when not NaN), as the checker infers them`,
    }));
  }));

  // A bug must not take the editor's language support down with it.
  process.on('uncaughtException', (err) => log('a handler', err));
  process.on('unhandledRejection', (err) => log('a handler', err));

  return new Promise((resolve) => {
    connection.onExit(() => resolve());
    connection.listen();
  });
}
