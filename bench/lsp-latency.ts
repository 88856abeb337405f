// Keystroke-to-diagnostics latency of `lossc lsp` on the largest stdlib file, as an editor sees
// it: the server started as a process, the file opened, then keystrokes sent as incremental
// changes (characters typed into an expression), each timed from the moment the
// change is written to the moment diagnostics for its version arrive. The first publication
// of each version is the syntax-and-types pass (target under 50 ms); the stability pass comes
// after a pause in typing, and is timed from the change too (it includes the 300 ms pause).
// Also each request an editor sends while typing, in the same process.
//
//   npm run build && npx tsx bench/lsp-latency.ts        LSP_KEYSTROKES=200 LSP_FULL=20
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CompletionRequest, createProtocolConnection, DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, ExitNotification, HoverRequest, InitializedNotification,
  InitializeRequest, InlayHintRequest, PublishDiagnosticsNotification, SemanticTokensRequest, ShutdownRequest, StreamMessageReader, StreamMessageWriter, type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';

const ROOT = join(import.meta.dirname, '..');
const KEYSTROKES = Number(process.env.LSP_KEYSTROKES ?? 200);
const FULL = Number(process.env.LSP_FULL ?? 20);

const percentile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]!;
};

async function main(): Promise<void> {
  const stdlib = join(ROOT, 'stdlib');
  const [largest] = readdirSync(stdlib).filter((f) => f.endsWith('.loss')).map((f) => join(stdlib, f)).sort((a, b) => statSync(b).size - statSync(a).size);
  const text = readFileSync(largest!, 'utf8');
  const uri = pathToFileURL(largest!).href;
  const child = spawn(process.execPath, [join(ROOT, 'bin/lossc.js'), 'lsp', '--stdio'], { stdio: 'pipe' });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiting = new Map<number, (p: PublishDiagnosticsParams, at: number) => void>();
  connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
    const at = performance.now();
    const w = waiting.get(p.version ?? -1);
    if (w) w(p, at);
  });
  connection.listen();
  await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: pathToFileURL(ROOT).href, capabilities: {}, workspaceFolders: null });
  await connection.sendNotification(InitializedNotification.type, {});

  let doc = TextDocument.create(uri, 'loss', 1, text);
  const opened = new Promise<void>((resolve) => waiting.set(1, () => resolve()));
  await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'loss', version: 1, text } });
  await opened;
  await new Promise((r) => setTimeout(r, 1000));

  // Keystrokes inside the last loss's body: `0 + ` typed again and again after its `mean(`,
  // so every text is new (no memo answers) and three in four do not parse.
  const TYPED = '0 + ';
  let cursor = text.lastIndexOf('mean(') + 'mean('.length;
  const quick: number[] = [];
  const full: number[] = [];
  const edit = async (k: number, waitFull: boolean): Promise<void> => {
    const version = doc.version + 1;
    const start = doc.positionAt(cursor);
    const change = { range: { start, end: start }, text: TYPED[k % TYPED.length]! };
    cursor++;
    doc = TextDocument.update(doc, [change], version);
    const sent = performance.now();
    const arrivals: number[] = [];
    const done = new Promise<void>((resolve) => waiting.set(version, (_, at) => {
      arrivals.push(at - sent);
      if (!waitFull || arrivals.length === 2) resolve();
    }));
    await connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [change] });
    await done;
    waiting.delete(version);
    quick.push(arrivals[0]!);
    if (waitFull) full.push(arrivals[1]!);
  };
  for (let k = 0; k < KEYSTROKES; k++) await edit(k, false);
  // Whole `0 + ` at a time for the stability pass: it runs on text that checks.
  for (let k = 0; k < FULL * TYPED.length; k++) await edit(k, k % TYPED.length === TYPED.length - 1);

  // Requests while typing, in the same server.
  const requests: Record<string, number[]> = { hover: [], completion: [], inlayHint: [], semanticTokens: [] };
  const hoverAt = doc.positionAt(text.indexOf('lp[t]'));
  for (let k = 0; k < 30; k++) {
    const time = async (name: string, f: () => Promise<unknown>): Promise<void> => {
      const t0 = performance.now();
      await f();
      requests[name]!.push(performance.now() - t0);
    };
    await time('hover', () => connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: hoverAt }));
    await time('completion', () => connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: hoverAt }));
    await time('inlayHint', () => connection.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: doc.positionAt(doc.getText().length) } }));
    await time('semanticTokens', () => connection.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } }));
  }
  await connection.sendRequest(ShutdownRequest.type);
  await connection.sendNotification(ExitNotification.type);
  child.kill();

  const rows: [string, number[]][] = [
    [`keystroke → syntax-and-types diagnostics (${quick.length})`, quick],
    [`keystroke → stability diagnostics, after the 300 ms pause (${full.length})`, full],
    ...Object.entries(requests).map(([name, xs]): [string, number[]] => [`${name} request (${xs.length})`, xs]),
  ];
  const file = largest!.slice(ROOT.length + 1);
  console.log(`lossc lsp on ${file} (${text.length} characters), ${cpus().length} cores, Node ${process.versions.node}\n`);
  console.log(`${'what'.padEnd(70)} ${'median ms'.padStart(10)} ${'p95 ms'.padStart(8)}`);
  for (const [name, xs] of rows) console.log(`${name.padEnd(70)} ${percentile(xs, 0.5).toFixed(1).padStart(10)} ${percentile(xs, 0.95).toFixed(1).padStart(8)}`);
  const median = percentile(quick, 0.5);
  const p95 = percentile(quick, 0.95);
  console.log(`\nsyntax-and-types target: under 50 ms; median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms: ${p95 < 50 ? 'met' : 'NOT met'}`);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/lsp-latency.json'), `${JSON.stringify({
    date: new Date().toISOString(), file, characters: text.length, cores: cpus().length, node: process.versions.node,
    results: Object.fromEntries(rows.map(([name, xs]) => [name, { n: xs.length, medianMs: percentile(xs, 0.5), p95Ms: percentile(xs, 0.95) }])),
  }, null, 2)}\n`);
}

await main();
