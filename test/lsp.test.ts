// The language server as an editor meets it: `node bin/lossc.js lsp` started as a process,
// driven by the LSP protocol's own client over its stdio. Expected answers come from the
// sources themselves (where a name is declared, what a quick fix's text must become), never
// from the service's code. Needs `npm run build` (bin/lossc.js runs dist/).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter, InitializeRequest, InitializedNotification, DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification, PublishDiagnosticsNotification, HoverRequest, CompletionRequest, DefinitionRequest, ReferencesRequest,
  RenameRequest, PrepareRenameRequest, CodeActionRequest, DocumentFormattingRequest, InlayHintRequest, ShutdownRequest, ExitNotification,
  DocumentSymbolRequest, FoldingRangeRequest, SemanticTokensRequest, SignatureHelpRequest, WorkspaceSymbolRequest, LogMessageNotification,
  type ProtocolConnection, type PublishDiagnosticsParams, type Position, type TextEdit, type WorkspaceEdit, type MarkupContent, type CompletionItem, type Location,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';

const ROOT = join(import.meta.dirname, '..');
const STDLIB = join(ROOT, 'stdlib');
const uriOf = (path: string): string => pathToFileURL(path).href;

interface Server {
  readonly child: ChildProcessWithoutNullStreams;
  readonly connection: ProtocolConnection;
  readonly stderr: string[];
  /** What the server logged to the client (window/logMessage): a handler's failure shows here. */
  readonly logged: string[];
  /** Diagnostics published for `uri` at `version` or later (the next ones matching `until`). */
  diagnostics(uri: string, until?: (p: PublishDiagnosticsParams) => boolean): Promise<PublishDiagnosticsParams>;
  /** Once `count` publications for `uri` have come, counting those before the call. */
  publications(uri: string, count: number): Promise<void>;
}

async function startServer(): Promise<Server> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/lossc.js'), 'lsp', '--stdio'], { stdio: 'pipe' });
  const stderr: string[] = [];
  child.stderr.on('data', (b: Buffer) => stderr.push(b.toString()));
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const logged: string[] = [];
  connection.onNotification(LogMessageNotification.type, (p) => void logged.push(p.message));
  const published: PublishDiagnosticsParams[] = [];
  const waiters: { uri: string; until: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  const counters: { uri: string; count: number; resolve: () => void }[] = [];
  const countFor = (uri: string): number => published.filter((q) => q.uri === uri).length;
  connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
    published.push(p);
    for (const c of [...counters]) {
      if (c.uri === p.uri && countFor(c.uri) >= c.count) {
        counters.splice(counters.indexOf(c), 1);
        c.resolve();
      }
    }
    for (const w of [...waiters]) {
      if (w.uri === p.uri && w.until(p)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(p);
      }
    }
  });
  connection.listen();
  const init = await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: uriOf(ROOT), capabilities: {}, workspaceFolders: null });
  expect(init.capabilities.hoverProvider).toBe(true);
  await connection.sendNotification(InitializedNotification.type, {});
  return {
    child, connection, stderr, logged,
    diagnostics: (uri, until = () => true) => new Promise((resolve) => waiters.push({ uri, until, resolve })),
    publications: (uri, count) => new Promise((resolve) => (countFor(uri) >= count ? resolve() : counters.push({ uri, count, resolve }))),
  };
}

/** The position of the `nth` occurrence of `needle` in `text`, `shift` characters into it. */
function at(text: string, needle: string, shift = 0, nth = 0): Position {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  if (i < 0) throw new Error(`'${needle}' not in the text`);
  return TextDocument.create('x', 'loss', 0, text).positionAt(i + shift);
}

function applyAll(text: string, edits: readonly TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('x', 'loss', 0, text), [...edits]);
}

let server: Server;
const metricPath = join(STDLIB, 'metric.loss');
const metric = readFileSync(metricPath, 'utf8');
const metricUri = uriOf(metricPath);

/** A user file beside the stdlib files, importing one of them. */
const userPath = join(STDLIB, 'user-editing.loss');
const userUri = uriOf(userPath);
const USER = `import { sqdist } from "./metric"

/// Pulls each row toward its target.
loss pull(a: [N, D], b: [N, D], scale: real in (0, inf) = 2.0) =
  mean(scale * dist)
  where dist = sqdist(a, b)
`;

beforeAll(async () => {
  server = await startServer();
  let version = 1;
  for (const [uri, text] of [[metricUri, metric], [userUri, USER]] as const) {
    const published = server.diagnostics(uri);
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'loss', version: version++, text } });
    await published;
  }
}, 30_000);

afterAll(async () => {
  if (!server) return;
  const exited = new Promise<number | null>((resolve) => server.child.on('exit', (code) => resolve(code)));
  await server.connection.sendRequest(ShutdownRequest.type);
  await server.connection.sendNotification(ExitNotification.type);
  expect(await exited).toBe(0);
  // Nothing went wrong inside the server on the way: a handler that throws logs 'failed'.
  expect(server.logged.filter((m) => /failed/.test(m))).toEqual([]);
  expect(server.stderr.join('')).toBe('');
});

describe('lossc lsp on the stdlib and a file importing it', () => {
  it('publishes no errors for a stdlib file, and stability findings once typing pauses', async () => {
    // The stability pass of the opened file, its second publication: under load it may have
    // come before this test began, and waiting for the next one would wait forever.
    await server.publications(metricUri, 2);
    const text = metric.replace('mean(max(0, d(a, p) - d(a, n) + margin))', 'mean(max(0, d(a, p) - d(a, n) + margin)) + mean(log(a))');
    const published: PublishDiagnosticsParams[] = [];
    const stable = server.diagnostics(metricUri, (p) => (published.push(p), p.diagnostics.some((d) => d.code === 'W6001' || String(d.code).startsWith('W6'))));
    await server.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: metricUri, version: 10 }, contentChanges: [{ text }] });
    const last = await stable;
    const log = last.diagnostics.find((d) => String(d.code).startsWith('W6'))!;
    expect(log.range.start).toEqual(at(text, 'log(a)'));
    expect(last.diagnostics.filter((d) => d.severity === 1)).toEqual([]);
    // The first publication was the quick pass, before the stability analysis.
    expect(published[0]!.diagnostics.some((d) => String(d.code).startsWith('W6'))).toBe(false);
    const back = server.diagnostics(metricUri, (p) => p.version === 11 && !p.diagnostics.some((d) => String(d.code).startsWith('W6')));
    await server.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: metricUri, version: 11 }, contentChanges: [{ text: metric }] });
    await back;
  }, 20_000);

  it('hovers a binding with its axes and range, a builtin with its doc, a parameter with its declaration', async () => {
    const hover = async (pos: Position): Promise<string> => {
      const h = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri: metricUri }, position: pos });
      return (h!.contents as MarkupContent).value;
    };
    // dist[i, j] = norm(e[i] - e[j], D): a pairwise matrix over i and j of N, never negative.
    const dist = await hover(at(metric, 'hardest_pos[i] = max(dist', 22));
    expect(dist).toContain('dist[i, j] = norm(e[i] - e[j], D)');
    expect(dist).toContain('real[i: N, j: N] ≥ 0');
    expect(await hover(at(metric, 'norm(e[i]', 1))).toContain('Euclidean norm');
    const margin = await hover(at(metric, 'margin: real in [0, inf) = 1.0) =\n  mean(max(0, d(a, p)', 1));
    expect(margin).toContain('(parameter of triplet) margin: real in [0, inf) = 1.0');
    // The loss itself: its header and doc comment.
    expect(await hover(at(metric, 'loss triplet(', 6))).toContain('Triplet loss (Schroff et al., 2015');
  });

  it('goes to a definition in the same file and across an import', async () => {
    const local = await server.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri: metricUri }, position: at(metric, 'where d = sqdist', 12) });
    expect(local).toEqual([{ uri: metricUri, range: { start: at(metric, 'def sqdist', 4), end: at(metric, 'def sqdist', 10) } }]);
    const across = await server.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri: userUri }, position: at(USER, 'sqdist(a, b)', 2) });
    expect(across).toEqual(local);
    // An index variable leads to the left side that declares it.
    const iv = await server.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri: metricUri }, position: at(metric, 'norm(e[i] - e[j]', 7) }) as Location[];
    expect(iv[0]!.range.start).toEqual(at(metric, 'dist[i, j]     =', 5));
  });

  it('finds references of a def in its file and in the open file importing it', async () => {
    const refs = await server.connection.sendRequest(ReferencesRequest.type, { textDocument: { uri: metricUri }, position: at(metric, 'def sqdist', 5), context: { includeDeclaration: true } });
    const where = refs!.map((r) => `${r.uri === userUri ? 'user' : 'metric'}:${r.range.start.line}`).sort();
    const lineOf = (text: string, needle: string, nth = 0): number => at(text, needle, 0, nth).line;
    expect(where).toEqual([
      `metric:${lineOf(metric, 'def sqdist')}`, `metric:${lineOf(metric, 'where d = sqdist')}`,
      `user:${lineOf(USER, 'import { sqdist')}`, `user:${lineOf(USER, 'sqdist(a, b)')}`,
    ].sort());
  });

  it('renames a binding everywhere it is used, and refuses a rename that would capture another name', async () => {
    const pos = at(metric, 'dist[i, j]     =');
    const prep = await server.connection.sendRequest(PrepareRenameRequest.type, { textDocument: { uri: metricUri }, position: pos });
    expect(prep).toMatchObject({ placeholder: 'dist' });
    const edit = await server.connection.sendRequest(RenameRequest.type, { textDocument: { uri: metricUri }, position: pos, newName: 'distance' }) as WorkspaceEdit;
    const renamed = applyAll(metric, edit.changes![metricUri]!);
    const body = renamed.slice(renamed.indexOf('loss batch_hard_triplet'), renamed.indexOf('// ----'));
    expect(body).toContain('distance[i, j]     = norm(e[i] - e[j], D)');
    expect(body).toContain('max(distance[i, j], j');
    expect(body).toContain('min(distance[i, j], j');
    expect(body).not.toMatch(/\bdist\b/);
    // `j` is the index variable of the bindings using dist: renaming dist to j would capture it.
    await expect(server.connection.sendRequest(RenameRequest.type, { textDocument: { uri: metricUri }, position: pos, newName: 'j' })).rejects.toThrow(/would/);
    await expect(server.connection.sendRequest(RenameRequest.type, { textDocument: { uri: metricUri }, position: pos, newName: 'where' })).rejects.toThrow(/not a name/);
  });

  it('completes names in scope, builtins and stdlib losses with their import', async () => {
    const text = `loss f(x: [N, C], t: index[N] of C) =\n  mean(cr`;
    const uri = uriOf(join(STDLIB, 'user-completion.loss'));
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'loss', version: 1, text } });
    const items = await server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: at(text, 'cr', 2) }) as CompletionItem[];
    const labels = items.map((i) => i.label);
    for (const name of ['x', 't', 'N', 'C', 'logsumexp', 'where']) expect(labels).toContain(name);
    const ce = items.find((i) => i.label === 'cross_entropy')!;
    expect(ce.additionalTextEdits).toHaveLength(1);
    expect(applyAll(text, ce.additionalTextEdits!)).toMatch(/^import \{ cross_entropy \} from "lossc\/stdlib\/classification"\n/);
  });

  it('shows signature help inside a call', async () => {
    const help = await server.connection.sendRequest(SignatureHelpRequest.type, { textDocument: { uri: metricUri }, position: at(metric, 'max(dist[i, j], j,', 17) });
    expect(help!.signatures[0]!.label).toContain('max(');
    expect(help!.activeParameter).toBe(1);
  });

  it('gives inlay hints of each binding\'s axes and range', async () => {
    const hints = await server.connection.sendRequest(InlayHintRequest.type, { textDocument: { uri: metricUri }, range: { start: { line: 0, character: 0 }, end: { line: 200, character: 0 } } });
    const labelAt = (needle: string): string | undefined => {
      const p = at(metric, needle);
      return hints!.find((h) => h.position.line === p.line && h.position.character === p.character)?.label as string | undefined;
    };
    expect(labelAt('     = norm(e[i] - e[j], D)')).toBe(': [i, j] ≥ 0');
    expect(labelAt('   = label[i] == label[j] and i != j')).toBe(': bool[i, j]');
    expect(labelAt('       = any(is_pos[i, j], j)')).toBe(': bool[i]');
  });

  it('finds definitions by name across the open files and the stdlib', async () => {
    const found = await server.connection.sendRequest(WorkspaceSymbolRequest.type, { query: 'bhtrip' }) as { name: string; location: Location }[];
    expect(found.map((s) => s.name)).toEqual(['batch_hard_triplet']);
    expect(found[0]!.location.range.start).toEqual(at(metric, 'batch_hard_triplet('));
    const ce = await server.connection.sendRequest(WorkspaceSymbolRequest.type, { query: 'cross_entropy' }) as { name: string; location: Location }[];
    expect(ce.map((s) => s.name)).toContain('cross_entropy');
    expect(ce.find((s) => s.name === 'cross_entropy')!.location.uri).toBe(uriOf(join(STDLIB, 'classification.loss')));
  });

  it('gives the outline, folding ranges and semantic tokens', async () => {
    const symbols = await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: metricUri } }) as { name: string; children?: { name: string }[] }[];
    const names = symbols.map((s) => s.name);
    expect(names).toEqual([...metric.matchAll(/^(?:loss|def) (\w+)/gm)].map((m) => m[1]));
    expect(symbols.find((s) => s.name === 'batch_hard_triplet')!.children!.map((c) => c.name)).toEqual(['e', 'label', 'margin', 'dist', 'is_pos', 'is_neg', 'hardest_pos', 'hardest_neg', 'valid']);
    const folds = await server.connection.sendRequest(FoldingRangeRequest.type, { textDocument: { uri: metricUri } });
    expect(folds!.some((f) => f.startLine === at(metric, 'loss batch_hard_triplet').line)).toBe(true);
    const tokens = await server.connection.sendRequest(SemanticTokensRequest.type, { textDocument: { uri: metricUri } });
    expect(tokens!.data.length % 5).toBe(0);
    expect(tokens!.data.length / 5).toBeGreaterThan(100);
  });
});

describe('lossc lsp on broken and unformatted files', () => {
  it('reports a syntax error at its place, and the error goes when the text is fixed', async () => {
    const uri = uriOf('/tmp/lossc-lsp-broken.loss');
    const broken = 'loss f(x: [N]) = mean(x +)\n';
    const first = server.diagnostics(uri);
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'loss', version: 1, text: broken } });
    const d = (await first).diagnostics;
    expect(d.length).toBeGreaterThan(0);
    expect(d[0]!.severity).toBe(1);
    expect(d[0]!.range.start.line).toBe(0);
    expect(String(d[0]!.code)).toMatch(/^E1/);
    const fixed = server.diagnostics(uri, (p) => p.diagnostics.length === 0);
    // An incremental change: delete the stray '+'.
    await server.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: at(broken, ' +)'), end: at(broken, ' +)', 2) }, text: '' }],
    });
    await fixed;
  });

  it('offers a quick fix for a misspelt name that, applied, removes the error', async () => {
    const uri = uriOf('/tmp/lossc-lsp-typo.loss');
    const text = 'loss f(pred: [N], target: [N]) = mean((pred - targte)^2)\n';
    const first = server.diagnostics(uri, (p) => p.diagnostics.length > 0);
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'loss', version: 1, text } });
    const diag = (await first).diagnostics[0]!;
    expect(diag.message).toContain("did you mean 'target'");
    const actions = await server.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] } }) as { title: string; edit: WorkspaceEdit }[];
    expect(actions.length).toBe(1);
    const after = applyAll(text, actions[0]!.edit.changes![uri]!);
    expect(after).toBe('loss f(pred: [N], target: [N]) = mean((pred - target)^2)\n');
    const clean = server.diagnostics(uri, (p) => p.version === 2 && p.diagnostics.length === 0);
    await server.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: after }] });
    await clean;
  });

  it('offers the stability finding\'s own fix, which applied leaves no finding', async () => {
    const uri = uriOf('/tmp/lossc-lsp-stability.loss');
    const text = 'loss iou(a1: [N], b1: [N], a2: [N], b2: [N]) = mean(1 - inter / union)\n  where inter = relu(min(b1, b2) - max(a1, a2))\n        union = (b1 - a1) + (b2 - a2) - inter\n';
    const found = server.diagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'W6003'));
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'loss', version: 1, text } });
    const diag = (await found).diagnostics.find((d) => d.code === 'W6003')!;
    const actions = await server.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] } }) as { title: string; edit: WorkspaceEdit }[];
    expect(actions.length).toBeGreaterThan(0);
    const after = applyAll(text, actions[0]!.edit.changes![uri]!);
    expect(after).not.toBe(text);
    // A change is published twice: at once (the last findings kept, moved along) and after the
    // pause, with the stability analysis run again. The second is the one to read.
    let passes = 0;
    const full = server.diagnostics(uri, (p) => p.version === 2 && ++passes === 2);
    await server.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: after }] });
    const settled = await full;
    expect(settled.diagnostics.filter((d) => d.code === 'W6003')).toEqual([]);
  }, 20_000);

  it('formats a document, keeping its comments', async () => {
    const uri = uriOf('/tmp/lossc-lsp-format.loss');
    const text = '// header\nloss f(x:[N],y:[N]) =   mean( (x-y)^2 )   // squared\n  where   d=x\n';
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'loss', version: 1, text } });
    const edits = await server.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    expect(applyAll(text, edits!)).toBe('// header\nloss f(x: [N], y: [N]) = mean((x - y)^2) // squared\n  where d = x\n');
    // A file with a syntax error is left alone.
    const bad = uriOf('/tmp/lossc-lsp-format-bad.loss');
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: bad, languageId: 'loss', version: 1, text: 'loss f(x: [N]) = mean(x +' } });
    expect(await server.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri: bad }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
  });

  it('survives garbage: the fuzzer\'s soups and edited programs, with every request on them', async () => {
    const { programs, editedProgram, tokenSoup, charSoup } = await import('./fuzz/soup.js');
    const sample = <T>(arb: fc.Arbitrary<T>, n: number): T[] => fc.sample(arb, { numRuns: n, seed: 19 });
    const garbage = [
      '\u0000\uffff(((((', '/* never closed', '"never closed', 'loss loss loss', ')]}', 'loss f(x: [N]) = x[[[[', '1e', '///\n///',
      'loss f(x: [N], x: [N]) = let a = a in a', 'def g(x) = g(x)\nloss f(x: [N]) = g(x)', 'dim A = {a, a}\nloss f(x: [N, A]) = x.b',
      ...sample(editedProgram(programs()), 8), ...sample(tokenSoup, 5), ...sample(charSoup, 3),
      'é'.repeat(300), `loss f(x: [N]) = ${'('.repeat(3000)}x${')'.repeat(3000)}`,
    ];
    const uri = uriOf('/tmp/lossc-lsp-garbage.loss');
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'loss', version: 1, text: '' } });
    let version = 1;
    for (const text of garbage) {
      version++;
      const published = server.diagnostics(uri, (p) => p.version === version);
      await server.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
      await published;
      const doc = TextDocument.create(uri, 'loss', 0, text);
      for (const offset of [0, Math.floor(text.length / 2), text.length]) {
        const position = doc.positionAt(offset);
        const td = { textDocument: { uri }, position };
        await server.connection.sendRequest(HoverRequest.type, td);
        await server.connection.sendRequest(CompletionRequest.type, td);
        await server.connection.sendRequest(DefinitionRequest.type, td);
        await server.connection.sendRequest(ReferencesRequest.type, { ...td, context: { includeDeclaration: true } });
        await server.connection.sendRequest(SignatureHelpRequest.type, td);
        await server.connection.sendRequest(RenameRequest.type, { ...td, newName: 'zz' }).catch(() => undefined);
      }
      await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
      await server.connection.sendRequest(FoldingRangeRequest.type, { textDocument: { uri } });
      await server.connection.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } });
      await server.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
      await server.connection.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) } });
      await server.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) }, context: { diagnostics: [] } });
    }
    expect(server.child.exitCode).toBe(null);
  }, 60_000);
});
