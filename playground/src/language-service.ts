// The playground's side of the language service (src/service): the host that serves the
// bundled stdlib, and the calls the editor makes. The logic is the service's, the same code
// the language server (`lossc lsp`) runs; here it only meets Monaco's offsets.
import { formatSource } from '../../src/fmt/index.js';
import * as service from '../../src/service/index.js';
import type { ServiceHost, StdlibFile, Workspace } from '../../src/service/index.js';
import { EDITOR_FILE, STDLIB, stdlibHost } from './stdlib.js';

export type { CompletionItem, ItemKind, HoverInfo, InlayHint, CodeAction, TextEdit, SignatureHelp } from '../../src/service/index.js';

/** The stdlib files, imported from the editor's file as `./<name>` (they sit beside it). */
const stdlibFiles: StdlibFile[] = [...STDLIB].map(([file, text]) => ({ spec: `./${file.replace(/\.loss$/, '')}`, path: file, text }));

/** Reads the editor's own text (while a request runs) and the bundled stdlib. */
export function playgroundHost(editorText: () => string): ServiceHost {
  return {
    readFile: (path) => (path === EDITOR_FILE ? editorText() : stdlibHost.readFile(path)),
    stdlib: () => stdlibFiles,
  };
}

function workspace(text: string): { ws: Workspace; doc: service.Parsed } {
  const host = playgroundHost(() => text);
  return { ws: { host, openFiles: () => [EDITOR_FILE] }, doc: service.parsed(text, EDITOR_FILE) };
}

export function completions(text: string, offset: number): service.CompletionItem[] {
  const { ws, doc } = workspace(text);
  return service.completions(doc, offset, ws.host);
}

export function hover(text: string, offset: number): service.HoverInfo | undefined {
  const { ws, doc } = workspace(text);
  return service.hover(ws, doc, offset);
}

export function signatureHelp(text: string, offset: number): service.SignatureHelp | undefined {
  const { ws, doc } = workspace(text);
  return service.signatureHelp(ws, doc, offset);
}

export function definition(text: string, offset: number): service.Location[] {
  const { ws, doc } = workspace(text);
  return service.definition(ws, doc, offset);
}

export function references(text: string, offset: number): service.Location[] {
  const { ws, doc } = workspace(text);
  return service.references(ws, doc, offset, true);
}

export function prepareRename(text: string, offset: number): ReturnType<typeof service.prepareRename> {
  const { ws, doc } = workspace(text);
  return service.prepareRename(ws, doc, offset);
}

export function rename(text: string, offset: number, newName: string): service.RenameResult {
  const { ws, doc } = workspace(text);
  return service.rename(ws, doc, offset, newName);
}

/** Inlay hints (they run the checker: called in the language worker). */
export function inlayHints(text: string): service.InlayHint[] {
  const { ws, doc } = workspace(text);
  return service.inlayHints(doc, service.valueFacts(ws, doc));
}

/** Quick fixes for [start, end] (each checked by running the checker again: in the worker). */
export function codeActions(text: string, start: number, end: number): service.CodeAction[] {
  const { ws, doc } = workspace(text);
  return service.codeActions(doc, service.fullCheck(text, EDITOR_FILE, ws.host), start, end, ws.host);
}

export function format(text: string): { text: string } | { error: string } {
  const r = formatSource(text, EDITOR_FILE);
  return 'text' in r ? r : { error: r.diagnostics.map((d) => d.message).join('; ') };
}

export { EDITOR_FILE };
