// `lossc`: compile, check, eval, explain. Exit codes: 0 ok, 1 compile errors or failed
// evaluation (or a file that cannot be read or written), 2 bad usage. Every problem is one
// line on stderr with its code, never a stack trace.

import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { compile, evaluate, explain, sampleCheck } from '../api.js';
import type { SampleReport } from '../sample/sample.js';
import { reportLine } from '../sample/sample-findings.js';
import { diagnostic, formatDiagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { countOps, formatCountChanges } from '../opt/stats.js';
import { frontEnd } from '../pipeline.js';
import { hint } from '../check/values.js';
import { collectSources, foreignFiles, fsHost, GENERATED_MARK, outputFolderProblem, readText, UsageError, writeOutputs } from './files.js';
import { readInputsFile } from './inputs-file.js';
import { Scope } from '../emit/names.js';

export const USAGE = `Usage:
  lossc compile <file|dir>... [--out DIR] [--no-opt] [--autodiff] [--target wasm|cpu]
  lossc check   <file|dir>... [--json] [--sample N]
  lossc eval    <file> --loss NAME --inputs FILE.json [--set NAME=VALUE]... [--grad]
                [--autodiff] [--json] [--backend wasm|cpu] [--no-opt] [--reduction mean|sum|none]
  lossc explain <file> --loss NAME [--no-opt] [--stats] [--grad] [--target wasm|cpu]
  lossc explain <file|dir>... --stats
  lossc --help | --version

Gradients are the backward pass the compiler derives (emitted with tf.customGrad);
--autodiff uses TensorFlow.js's own autodiff instead, for comparison. --target picks, among
equivalent forms, the cheapest on that backend by measured op costs (default wasm).

Exit codes: 0 ok; 1 errors in the sources, a failed evaluation, or a file that cannot be
read or written; 2 bad usage (unknown command or flag, missing argument).`;

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Output streams, replaceable so tests can run the CLI in-process too. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  if (io === processIo) quietOnClosedPipe();
  try {
    return await run(argv, io);
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      io.err(`${formatDiagnostic(diagnostic('BadUsage', undefined, { problem: err.message }))}\n${USAGE}`);
      return EXIT.usage;
    }
    const reason = err instanceof Error ? err.message : String(err);
    io.err(formatDiagnostic(diagnostic('InternalError', undefined, { phase: `running 'lossc ${argv[0] ?? ''}'`, reason })));
    return EXIT.failed;
  }
}

async function run(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'compile':
      return compileCommand(rest, io);
    case 'check':
      return checkCommand(rest, io);
    case 'eval':
      return evalCommand(rest, io);
    case 'explain':
      return explainCommand(rest, io);
    case '--help':
    case '-h':
    case 'help':
      io.out(USAGE);
      return EXIT.ok;
    case '--version':
    case '-v': {
      const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
      io.out(pkg.version);
      return EXIT.ok;
    }
    case undefined:
      throw new UsageError('no command given');
    default:
      throw new UsageError(`unknown command '${command}'${hint(command, ['compile', 'check', 'eval', 'explain'])}`);
  }
}

function printDiagnostics(io: Io, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) io.err(formatDiagnostic(d));
}

function readSource(path: string, io: Io): string | undefined {
  const read = readText(path);
  if ('reason' in read) io.err(formatDiagnostic(diagnostic('FileNotFound', undefined, { path, reason: read.reason }), 'lossc'));
  return 'text' in read ? read.text : undefined;
}

/** `lossc compile x.loss | head`: the reader leaving early is not an error worth a stack trace. */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') > 0) continue;
    stream.on('error', (e: NodeJS.ErrnoException) => process.exit(e.code === 'EPIPE' ? EXIT.ok : EXIT.failed));
  }
}

async function compileCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { out: { type: 'string' }, 'no-opt': { type: 'boolean' }, autodiff: { type: 'boolean' }, target: { type: 'string' } } });
  const target = costTarget(values.target);
  if (positionals.length === 0) throw new UsageError('compile needs at least one .loss file or directory');
  const { files, problems } = collectSources(positionals);
  problems.forEach((p) => io.err(formatDiagnostic(diagnostic('FileNotFound', undefined, { ...p }))));
  if (problems.length > 0) return EXIT.failed;
  if (!values.out && files.length > 1) throw new UsageError('compiling several files needs --out DIR');
  const folder = values.out === undefined ? undefined : outputFolderProblem(values.out);
  if (folder) {
    io.err(formatDiagnostic(diagnostic('OutputFolder', undefined, { path: values.out!, reason: folder })));
    return EXIT.failed;
  }
  const outputs = new Map<string, string>();
  const sourceOf = new Map<string, string>();
  const index: string[] = [];
  let failed = false;
  for (const file of files) {
    const text = readSource(file.path, io);
    if (text === undefined) {
      failed = true;
      continue;
    }
    const result = await compile(text, file.path, { host: fsHost, optimize: !values['no-opt'], autodiff: values.autodiff ?? false, target });
    printDiagnostics(io, result.diagnostics);
    if (!result.code) {
      failed = true;
      continue;
    }
    const rel = (file.relative || basename(file.path)).replace(/\.loss$/, '.ts');
    if (values.out) {
      const target = join(values.out, rel);
      // Two sources with one output path: the second would silently replace the first.
      const first = sourceOf.get(target);
      if (first !== undefined) {
        io.err(formatDiagnostic(diagnostic('DuplicateOutput', undefined, { first, second: file.path, path: target })));
        failed = true;
        continue;
      }
      sourceOf.set(target, file.path);
      outputs.set(target, result.code);
      index.push(rel);
    } else {
      io.out(result.code);
    }
  }
  if (failed) return EXIT.failed;
  if (values.out) {
    if (index.length > 1) outputs.set(join(values.out, 'index.ts'), indexModule(index));
    const foreign = foreignFiles([...outputs.keys()]);
    if (foreign.length > 0) {
      foreign.forEach((path) => io.err(formatDiagnostic(diagnostic('OutputConflict', undefined, { path }), 'lossc')));
      return EXIT.failed;
    }
    const unwritten = writeOutputs(outputs);
    unwritten.forEach((p) => io.err(formatDiagnostic(diagnostic('WriteFailed', undefined, { ...p }))));
    const written = outputs.size - unwritten.length;
    io.err(`lossc: wrote ${written} file${written === 1 ? '' : 's'} to ${values.out}`);
    if (unwritten.length > 0) return EXIT.failed;
  }
  return EXIT.ok;
}

/** `export * as regression from './regression.js'` for each module. */
function indexModule(modules: readonly string[]): string {
  // Distinct identifiers, and the path as a JSON string: a file name cannot break the syntax.
  const names = new Scope();
  const lines = modules.map((m) => {
    const spec = `./${m.replace(/\.ts$/, '.js')}`;
    const name = names.claim(m.replace(/\.ts$/, '').replace(/[^\p{L}\p{N}_$]+/gu, '_'));
    return `export * as ${name} from ${spec.includes("'") || spec.includes('\\') ? JSON.stringify(spec) : `'${spec}'`};`;
  });
  return `${GENERATED_MARK}; do not edit. Re-exports every compiled module.\n${lines.join('\n')}\n`;
}

async function checkCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { json: { type: 'boolean' }, sample: { type: 'string' } } });
  if (positionals.length === 0) throw new UsageError('check needs at least one .loss file or directory');
  const samples = values.sample === undefined ? undefined : Number(values.sample);
  if (samples !== undefined && !(Number.isInteger(samples) && samples > 0)) throw new UsageError(`--sample expects a positive whole number of inputs per loss, not '${values.sample}'`);
  const { files, problems } = collectSources(positionals);
  const all: Diagnostic[] = problems.map((p) => diagnostic('FileNotFound', undefined, { ...p }));
  const reports: (SampleReport & { file: string })[] = [];
  for (const file of files) {
    const read = readText(file.path);
    if ('reason' in read) {
      all.push(diagnostic('FileNotFound', undefined, { path: file.path, reason: read.reason }));
      continue;
    }
    const text = read.text;
    if (samples === undefined) {
      all.push(...frontEnd(text, file.path, { host: fsHost }).diagnostics);
      continue;
    }
    const sampled = await sampleCheck(text, file.path, { host: fsHost, samples });
    all.push(...sampled.diagnostics);
    reports.push(...sampled.reports.map((r) => ({ file: file.path, ...r })));
  }
  if (values.json) {
    const diagnostics = all.map(diagnosticJson);
    // JSON has no NaN or Infinity: the sampled check's non-finite values are written as strings.
    const finite = (_k: string, v: unknown): unknown => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
    io.out(JSON.stringify(samples === undefined ? diagnostics : { diagnostics, samples: reports }, finite, 2));
  } else {
    for (const r of reports) io.out(`${r.file}: ${reportLine(r)}`);
    printDiagnostics(io, all);
    const errors = all.filter((d) => d.severity === 'error').length;
    const warnings = all.filter((d) => d.severity === 'warning').length;
    io.err(`lossc: checked ${files.length} file${files.length === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
  }
  return hasErrors(all) ? EXIT.failed : EXIT.ok;
}

export function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  return {
    file: d.span?.file ?? null,
    line: d.span?.start.line ?? null,
    col: d.span?.start.col ?? null,
    endLine: d.span?.end.line ?? null,
    endCol: d.span?.end.col ?? null,
    severity: d.severity,
    code: d.code,
    message: d.message,
    ...(d.notes ? { notes: d.notes } : {}),
  };
}

function parseSets(sets: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of sets) {
    const m = /^([^=]+)=(.+)$/.exec(s);
    const value = m ? (m[2] === 'true' ? 1 : m[2] === 'false' ? 0 : m[2] === 'inf' ? Infinity : Number(m[2])) : NaN;
    if (!m || Number.isNaN(value)) throw new UsageError(`--set expects NAME=NUMBER, got '${s}'`);
    out[m[1]!.trim()] = value;
  }
  return out;
}

async function evalCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      loss: { type: 'string' },
      inputs: { type: 'string' },
      set: { type: 'string', multiple: true },
      grad: { type: 'boolean' },
      autodiff: { type: 'boolean' },
      json: { type: 'boolean' },
      backend: { type: 'string' },
      'no-opt': { type: 'boolean' },
      reduction: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('eval needs exactly one .loss file');
  if (!values.loss) throw new UsageError('eval needs --loss NAME');
  if (!values.inputs) throw new UsageError('eval needs --inputs FILE.json');
  if (values.autodiff && !values.grad) throw new UsageError('--autodiff changes how gradients are computed: use it with --grad');
  if (values.backend && values.backend !== 'wasm' && values.backend !== 'cpu') throw new UsageError(`--backend must be wasm or cpu, not '${values.backend}'`);
  const reduction = values.reduction;
  if (reduction && reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') throw new UsageError(`--reduction must be mean, sum or none, not '${reduction}'`);
  const sets = parseSets(values.set ?? []);
  const file = positionals[0]!;
  const text = readSource(file, io);
  if (text === undefined) return EXIT.failed;
  const read = readInputsFile(values.inputs);
  if ('problem' in read) {
    io.err(formatDiagnostic(read.problem));
    return EXIT.failed;
  }
  const result = await evaluate(text, file, {
    loss: values.loss,
    inputs: read.inputs,
    set: sets,
    grad: values.grad ?? false,
    autodiff: values.autodiff ?? false,
    backend: (values.backend as 'wasm' | 'cpu' | undefined) ?? 'wasm',
    optimize: !values['no-opt'],
    host: fsHost,
    ...(reduction ? { reduction: reduction as 'mean' | 'sum' | 'none' } : {}),
  });
  printDiagnostics(io, result.diagnostics);
  if (result.loss === undefined) return EXIT.failed;
  if (values.json) {
    io.out(JSON.stringify({ loss: result.loss, ...(result.grads ? { grads: result.grads } : {}) }));
  } else {
    io.out(`${values.loss} = ${JSON.stringify(result.loss)}`);
    for (const [name, g] of Object.entries(result.grads ?? {})) io.out(`d${values.loss}/d${name} = ${JSON.stringify(g)}`);
  }
  return EXIT.ok;
}

function costTarget(value: string | undefined): 'wasm' | 'cpu' {
  if (value === undefined || value === 'wasm' || value === 'cpu') return value ?? 'wasm';
  throw new UsageError(`--target must be wasm or cpu, not '${value}'`);
}

async function explainCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { loss: { type: 'string' }, 'no-opt': { type: 'boolean' }, stats: { type: 'boolean' }, grad: { type: 'boolean' }, target: { type: 'string' } },
  });
  const target = costTarget(values.target);
  if (positionals.length === 0) throw new UsageError('explain needs a .loss file');
  if (!values.loss) {
    if (!values.stats) throw new UsageError('explain needs --loss NAME (or --stats alone for the op counts of every loss)');
    return statsTable(positionals, !values['no-opt'], io);
  }
  if (positionals.length !== 1) throw new UsageError('explain --loss needs exactly one .loss file');
  const file = positionals[0]!;
  const text = readSource(file, io);
  if (text === undefined) return EXIT.failed;
  const name = values.loss;
  const r = explain(text, file, name, { host: fsHost, optimize: !values['no-opt'], grad: values.grad ?? false, target });
  printDiagnostics(io, r.diagnostics);
  if (hasErrors(r.diagnostics) || r.before === undefined) return EXIT.failed;
  io.out(`== ${name}: as written (IR before optimization)\n${r.before}`);
  if (r.after !== undefined) {
    io.out(`\n== ${name}: ${r.rewrites.length} rewrite${r.rewrites.length === 1 ? '' : 's'} applied`);
    for (const w of r.rewrites) {
      const at = w.span ? `${w.span.file}:${w.span.start.line}:${w.span.start.col}` : file;
      io.out(`${at}: ${w.rule}${w.category ? ` (${w.category})` : ''}: ${w.detail ?? ''}`);
    }
    io.out(`\n== ${name}: after optimization\n${r.after}`);
  }
  if (values.stats && r.stats) {
    const changes = formatCountChanges(r.stats.before, r.stats.after);
    io.out(`\n== ${name}: ${r.stats.before.ops} ops as written, ${r.stats.after.ops} after optimization${changes ? ` (${changes})` : ''}`);
  }
  if (values.grad) io.out(`\n== ${name}: derived gradients\n${r.gradients ?? `none: ${r.noGradients ?? 'the loss has no real input'}`}`);
  return EXIT.ok;
}

/** `explain --stats` without `--loss`: a table of op counts before/after for every loss. */
function statsTable(paths: readonly string[], optimize: boolean, io: Io): number {
  const { files, problems } = collectSources(paths);
  problems.forEach((p) => io.err(formatDiagnostic(diagnostic('FileNotFound', undefined, { ...p }))));
  let failed = problems.length > 0;
  const rows = ['| file | loss | ops as written | ops optimized | rewrites | ops changed |', '|---|---|---:|---:|---:|---|'];
  for (const file of files) {
    const text = readSource(file.path, io);
    if (text === undefined) {
      failed = true;
      continue;
    }
    const written = frontEnd(text, file.path, { host: fsHost, optimize: false, stability: false });
    const optimized = frontEnd(text, file.path, { host: fsHost, optimize, stability: false });
    printDiagnostics(io, written.diagnostics.filter((d) => d.severity === 'error'));
    if (hasErrors(written.diagnostics)) failed = true;
    for (const fn of written.losses) {
      const after = optimized.losses.find((l) => l.name === fn.name)!;
      const [b, a] = [countOps(fn), countOps(after)];
      const rel = file.relative || basename(file.path);
      rows.push(`| ${rel} | ${fn.name} | ${b.ops} | ${a.ops} | ${optimized.rewrites.get(fn.name)?.length ?? 0} | ${formatCountChanges(b, a)} |`);
    }
  }
  io.out(rows.join('\n'));
  return failed ? EXIT.failed : EXIT.ok;
}
