// `lossc`: compile, check, eval, explain. Exit codes: 0 ok, 1 compile errors or failed
// evaluation (or a file that cannot be read or written), 2 bad usage. Every problem is one
// line on stderr with its code, never a stack trace. The flags of each command are a table
// (usage.ts) that both the parser and `lossc <command> --help` read.

import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { compile, evaluate, explain, sampleCheck } from '../api.js';
import type { SampleReport } from '../sample/sample.js';
import { reportLine } from '../sample/sample-findings.js';
import { diagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { formatFootprint } from '../ir/footprint.js';
import { formatMemoryReport } from '../grad/memory-report.js';
import { REDUCTION_NAMES, type ReductionMode } from '../ir/reduction.js';
import { countOps, formatCountChanges } from '../opt/stats.js';
import { frontEnd } from '../pipeline.js';
import { hint } from '../check/values.js';
import { collectSources, foreignFiles, fsHost, GENERATED_MARK, outputFolderProblem, readText, UsageError, writeOutputs } from './files.js';
import { readInputsFile } from './inputs-file.js';
import { Scope } from '../emit/names.js';
import { EXIT, processIo, type Io } from './io.js';
import { javascriptModule } from './js-output.js';
import { paintCounts, paintDiagnostic, painter } from './style.js';
import { asksForHelp, COMMANDS, commandUsage, isCommand, parseCommand, USAGE } from './usage.js';
import { watchSources } from './watch.js';
import { fmtCommand } from './fmt-command.js';
import { lspCommand } from './lsp-command.js';
import { compilePytorch, evalTorch } from './pytorch-command.js';

export { EXIT, USAGE, type Io };

type Host = typeof fsHost;

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  if (io === processIo) quietOnClosedPipe();
  // Whether each stream takes colour, decided once for the run.
  const fixed: Io = { out: io.out, err: io.err, ...(io.colors ? { colors: io.colors } : {}) };
  try {
    return await run(argv, fixed);
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      const command = argv[0];
      // One line, as every problem is (parseArgs explains some mistakes over several).
      report(fixed, diagnostic('BadUsage', undefined, { problem: err.message.replace(/\s*\n\s*/g, ' ') }));
      fixed.err(isCommand(command) ? commandUsage(command) : USAGE);
      return EXIT.usage;
    }
    const reason = err instanceof Error ? err.message : String(err);
    report(fixed, diagnostic('InternalError', undefined, { phase: `running 'lossc ${argv[0] ?? ''}'`, reason }));
    return EXIT.failed;
  }
}

async function run(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (isCommand(command) && asksForHelp(rest)) {
    io.out(commandUsage(command));
    return EXIT.ok;
  }
  switch (command) {
    case 'compile':
      return compileCommand(rest, io);
    case 'check':
      return checkCommand(rest, io);
    case 'eval':
      return evalCommand(rest, io);
    case 'explain':
      return explainCommand(rest, io);
    case 'fmt':
      return fmtCommand(rest, io);
    case 'lsp':
      return lspCommand(rest);
    case '--help':
    case '-h':
    case 'help': {
      const about = rest[0];
      if (about === undefined || about === '--help' || about === '-h') io.out(USAGE);
      else if (isCommand(about)) io.out(commandUsage(about));
      else throw new UsageError(`no command named '${about}'${hint(about, Object.keys(COMMANDS))}`);
      return EXIT.ok;
    }
    case '--version':
    case '-v': {
      const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
      io.out(pkg.version);
      return EXIT.ok;
    }
    case undefined:
      throw new UsageError('no command given');
    default:
      throw new UsageError(`unknown command '${command}'${hint(command, Object.keys(COMMANDS))}`);
  }
}

/** One diagnostic on stderr: `file:line:col: error CODE: message`, coloured on a terminal. */
function report(io: Io, d: Diagnostic): void {
  io.err(paintDiagnostic(d, painter(io.colors?.err ?? false)));
}

function printDiagnostics(io: Io, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) report(io, d);
}

function readSource(path: string, io: Io): string | undefined {
  const read = readText(path);
  if ('reason' in read) report(io, diagnostic('FileNotFound', undefined, { path, reason: read.reason }));
  return 'text' in read ? read.text : undefined;
}

/** `lossc compile x.loss | head`: the reader leaving early is not an error worth a stack trace. */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') > 0) continue;
    stream.on('error', (e: NodeJS.ErrnoException) => process.exit(e.code === 'EPIPE' ? EXIT.ok : EXIT.failed));
  }
}

/** How a check or compile went: its exit code and what the watcher prints after it. */
interface RunResult {
  readonly status: number;
  readonly files: number;
  readonly errors: number;
  readonly warnings: number;
}

/** Collects the diagnostics of a run as it prints them, to count them at the end. */
class Tally {
  readonly all: Diagnostic[] = [];
  constructor(private readonly io: Io) {}
  print(...ds: readonly Diagnostic[]): void {
    this.all.push(...ds);
    printDiagnostics(this.io, ds);
  }
  count(severity: 'error' | 'warning'): number {
    return this.all.filter((d) => d.severity === severity).length;
  }
  result(status: number, files: number): RunResult {
    return { status, files, errors: this.count('error'), warnings: this.count('warning') };
  }
  /** E7014 when there are more warnings than `max`. */
  tooManyWarnings(max: number | undefined): Diagnostic | undefined {
    const warnings = this.count('warning');
    if (max === undefined || warnings <= max) return undefined;
    return diagnostic('TooManyWarnings', undefined, { warnings: `${warnings} warning${warnings === 1 ? '' : 's'}`, max });
  }
}

/** `--max-warnings N`: a whole number, 0 or more. */
function warningLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--max-warnings expects a whole number of warnings, 0 or more, not '${value}'`);
  return Number(value);
}

/**
 * Runs `once` now, and with --watch again on every change until Ctrl-C (SIGINT or SIGTERM),
 * giving it a host that notes which files the run reads, so imports are watched too.
 */
async function runOrWatch(watch: boolean, verb: string, paths: readonly string[], ignore: string | undefined, io: Io, once: (host: Host) => Promise<RunResult>): Promise<number> {
  if (!watch) return (await once(fsHost)).status;
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await watchSources({
      verb,
      paths,
      ...(ignore !== undefined ? { ignore } : {}),
      io,
      signal: stop.signal,
      run: async () => {
        const reads = new Set<string>();
        const host: Host = { readFile: (path) => (reads.add(path), fsHost.readFile(path)) };
        return { ...(await once(host)), reads: [...reads] };
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

interface CompileFlags {
  readonly out: string | undefined;
  readonly js: boolean;
  readonly optimize: boolean;
  readonly autodiff: boolean;
  readonly target: 'wasm' | 'cpu';
  readonly maxWarnings: number | undefined;
}

async function compileCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand('compile', args);
  if (values.target === 'pytorch') return compilePytorch(positionals, { out: values.out, optimize: !values['no-opt'], autodiff: values.autodiff ?? false, js: values.js ?? false, watch: values.watch ?? false }, io);
  const flags: CompileFlags = {
    out: values.out,
    js: values.js ?? false,
    optimize: !values['no-opt'],
    autodiff: values.autodiff ?? false,
    target: costTarget(values.target),
    maxWarnings: warningLimit(values['max-warnings']),
  };
  if (positionals.length === 0) throw new UsageError('compile needs at least one .loss file or directory');
  return runOrWatch(values.watch ?? false, 'compiled', positionals, values.out, io, (host) => compileOnce(positionals, flags, io, host));
}

async function compileOnce(paths: readonly string[], flags: CompileFlags, io: Io, host: Host): Promise<RunResult> {
  const tally = new Tally(io);
  const { files, problems } = collectSources(paths);
  tally.print(...problems.map((p) => diagnostic('FileNotFound', undefined, { ...p })));
  if (problems.length > 0) return tally.result(EXIT.failed, files.length);
  if (!flags.out && files.length > 1) throw new UsageError('compiling several files needs --out DIR');
  const folder = flags.out === undefined ? undefined : outputFolderProblem(flags.out);
  if (folder) {
    tally.print(diagnostic('OutputFolder', undefined, { path: flags.out!, reason: folder }));
    return tally.result(EXIT.failed, files.length);
  }
  const ext = flags.js ? '.js' : '.ts';
  const outputs = new Map<string, string>();
  const sourceOf = new Map<string, string>();
  const index: string[] = [];
  const printed: string[] = [];
  let failed = false;
  for (const file of files) {
    const read = readText(file.path);
    if ('reason' in read) {
      tally.print(diagnostic('FileNotFound', undefined, { path: file.path, reason: read.reason }));
      failed = true;
      continue;
    }
    const result = await compile(read.text, file.path, { host, optimize: flags.optimize, autodiff: flags.autodiff, target: flags.target });
    tally.print(...result.diagnostics);
    if (!result.code) {
      failed = true;
      continue;
    }
    const stem = (file.relative || basename(file.path)).replace(/\.loss$/, '');
    const modules = flags.js ? await javascriptModule(result.code, `${basename(stem)}.ts`) : undefined;
    if (!flags.out) {
      printed.push(modules ? modules.js : result.code);
      continue;
    }
    const target = join(flags.out, stem + ext);
    // Two sources with one output path: the second would silently replace the first.
    const first = sourceOf.get(target);
    if (first !== undefined) {
      tally.print(diagnostic('DuplicateOutput', undefined, { first, second: file.path, path: target }));
      failed = true;
      continue;
    }
    sourceOf.set(target, file.path);
    if (modules) {
      outputs.set(target, modules.js);
      outputs.set(join(flags.out, `${stem}.d.ts`), modules.dts);
    } else {
      outputs.set(target, result.code);
    }
    index.push(stem);
  }
  // More warnings than allowed stop the run as an error would: nothing is written.
  const tooMany = tally.tooManyWarnings(flags.maxWarnings);
  if (failed || tooMany) {
    if (tooMany) tally.print(tooMany);
    return tally.result(EXIT.failed, files.length);
  }
  printed.forEach((code) => io.out(code));
  if (flags.out) {
    if (index.length > 1) {
      const text = indexModule(index);
      if (flags.js) {
        const { js, dts } = await javascriptModule(text, 'index.ts');
        outputs.set(join(flags.out, 'index.js'), js);
        outputs.set(join(flags.out, 'index.d.ts'), dts);
      } else {
        outputs.set(join(flags.out, 'index.ts'), text);
      }
    }
    const foreign = foreignFiles([...outputs.keys()]);
    if (foreign.length > 0) {
      tally.print(...foreign.map((path) => diagnostic('OutputConflict', undefined, { path })));
      return tally.result(EXIT.failed, files.length);
    }
    const unwritten = writeOutputs(outputs);
    tally.print(...unwritten.map((p) => diagnostic('WriteFailed', undefined, { ...p })));
    const written = outputs.size - unwritten.length;
    io.err(`lossc: wrote ${written} file${written === 1 ? '' : 's'} to ${flags.out}`);
    if (unwritten.length > 0) return tally.result(EXIT.failed, files.length);
  }
  return tally.result(EXIT.ok, files.length);
}

/** `export * as regression from './regression.js'` for each module (given without extension). */
function indexModule(modules: readonly string[]): string {
  // Distinct identifiers, and the path as a JSON string: a file name cannot break the syntax.
  const names = new Scope();
  const lines = modules.map((m) => {
    const spec = `./${m}.js`;
    const name = names.claim(m.replace(/[^\p{L}\p{N}_$]+/gu, '_'));
    return `export * as ${name} from ${spec.includes("'") || spec.includes('\\') ? JSON.stringify(spec) : `'${spec}'`};`;
  });
  return `${GENERATED_MARK}; do not edit. Re-exports every compiled module.\n${lines.join('\n')}\n`;
}

interface CheckFlags {
  readonly json: boolean;
  readonly samples: number | undefined;
  readonly maxWarnings: number | undefined;
}

async function checkCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand('check', args);
  if (positionals.length === 0) throw new UsageError('check needs at least one .loss file or directory');
  const samples = values.sample === undefined ? undefined : Number(values.sample);
  if (samples !== undefined && !(Number.isInteger(samples) && samples > 0)) throw new UsageError(`--sample expects a positive whole number of inputs per loss, not '${values.sample}'`);
  const flags: CheckFlags = { json: values.json ?? false, samples, maxWarnings: warningLimit(values['max-warnings']) };
  const watch = values.watch ?? false;
  // Watching, the line after each run gives the counts.
  return runOrWatch(watch, 'checked', positionals, undefined, io, (host) => checkOnce(positionals, flags, io, host, !watch));
}

async function checkOnce(paths: readonly string[], flags: CheckFlags, io: Io, host: Host, summary: boolean): Promise<RunResult> {
  const { samples } = flags;
  const { files, problems } = collectSources(paths);
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
      all.push(...frontEnd(text, file.path, { host }).diagnostics);
      continue;
    }
    const sampled = await sampleCheck(text, file.path, { host, samples });
    all.push(...sampled.diagnostics);
    reports.push(...sampled.reports.map((r) => ({ file: file.path, ...r })));
  }
  const counted = new Tally(io);
  counted.all.push(...all);
  const tooMany = counted.tooManyWarnings(flags.maxWarnings);
  const errors = counted.count('error');
  const warnings = counted.count('warning');
  if (flags.json) {
    const diagnostics = [...all, ...(tooMany ? [tooMany] : [])].map(diagnosticJson);
    // JSON has no NaN or Infinity: the sampled check's non-finite values are written as strings.
    const finite = (_k: string, v: unknown): unknown => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
    io.out(JSON.stringify(samples === undefined ? diagnostics : { diagnostics, samples: reports }, finite, 2));
  } else {
    for (const r of reports) io.out(`${r.file}: ${reportLine(r)}`);
    printDiagnostics(io, all);
    if (summary) io.err(`lossc: checked ${files.length} file${files.length === 1 ? '' : 's'}: ${paintCounts(errors, warnings, painter(io.colors?.err ?? false))}`);
    if (tooMany) report(io, tooMany);
  }
  const status = hasErrors(all) || tooMany ? EXIT.failed : EXIT.ok;
  return { status, files: files.length, errors: errors + (tooMany ? 1 : 0), warnings };
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

function parseSets(sets: readonly string[]): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const s of sets) {
    const m = /^([^=]+)=(.+)$/.exec(s);
    if (!m) throw new UsageError(`--set expects NAME=VALUE (a number, true, false or a string), got '${s}'`);
    const text = m[2]!;
    const value = text === 'true' ? 1 : text === 'false' ? 0 : text === 'inf' ? Infinity : Number(text);
    // Anything else is a string, for a hyperparameter of strings (--set act=softmax); quotes are optional.
    out[m[1]!.trim()] = Number.isNaN(value) || text.trim() === '' ? text.replace(/^(['"])(.*)\1$/, '$2') : value;
  }
  return out;
}

async function evalCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand('eval', args);
  if (positionals.length !== 1) throw new UsageError('eval needs exactly one .loss file');
  if (!values.loss) throw new UsageError('eval needs --loss NAME');
  if (!values.inputs) throw new UsageError('eval needs --inputs FILE.json');
  if (values.autodiff && !values.grad) throw new UsageError('--autodiff changes how gradients are computed: use it with --grad');
  if (values.backend && values.backend !== 'wasm' && values.backend !== 'cpu' && values.backend !== 'torch') throw new UsageError(`--backend must be wasm or cpu (TensorFlow.js) or torch (PyTorch), not '${values.backend}'`);
  const reduction = values.reduction;
  if (reduction && !(REDUCTION_NAMES as string[]).includes(reduction)) throw new UsageError(`--reduction must be ${REDUCTION_NAMES.join(', ')}, not '${reduction}'`);
  const sets = parseSets(values.set ?? []);
  if (values.backend === 'torch') {
    const torch = { file: positionals[0]!, loss: values.loss, inputs: values.inputs, set: sets, grad: values.grad ?? false, autodiff: values.autodiff ?? false, json: values.json ?? false };
    const weights = (values as { weights?: string }).weights;
    return evalTorch({ ...torch, allowNonfinite: values['allow-nonfinite'] ?? false, optimize: !values['no-opt'], ...(reduction ? { reduction } : {}), ...(weights ? { weights } : {}) }, io);
  }
  const file = positionals[0]!;
  const text = readSource(file, io);
  if (text === undefined) return EXIT.failed;
  const read = readInputsFile(values.inputs);
  if ('problem' in read) {
    report(io, read.problem);
    return EXIT.failed;
  }
  let weights: unknown;
  if (values.weights) {
    const w = readText(values.weights);
    if ('reason' in w) {
      report(io, diagnostic('FileNotFound', undefined, { path: values.weights, reason: w.reason }));
      return EXIT.failed;
    }
    try {
      weights = JSON.parse(w.text);
    } catch (err) {
      report(io, diagnostic('BadInputsFile', undefined, { problem: `${values.weights} is not valid JSON: ${(err as Error).message}` }));
      return EXIT.failed;
    }
  }
  const result = await evaluate(text, file, {
    loss: values.loss,
    inputs: read.inputs,
    ...(weights !== undefined ? { weights } : {}),
    set: sets,
    grad: values.grad ?? false,
    autodiff: values.autodiff ?? false,
    backend: (values.backend as 'wasm' | 'cpu' | undefined) ?? 'wasm',
    optimize: !values['no-opt'],
    host: fsHost,
    // A NaN or infinite loss is a failed evaluation, with the module's checkFinite message.
    checkFinite: !values['allow-nonfinite'],
    ...(reduction ? { reduction: reduction as ReductionMode } : {}),
  });
  printDiagnostics(io, result.diagnostics);
  if (result.loss === undefined) return EXIT.failed;
  if (values.json) {
    io.out(JSON.stringify({ loss: result.loss, ...(result.grads ? { grads: result.grads } : {}) }, nonFiniteAsString));
  } else {
    const text = (v: unknown): string => JSON.stringify(v, nonFiniteAsString).replace(/"(NaN|-?Infinity)"/g, '$1');
    io.out(`${values.loss} = ${text(result.loss)}`);
    for (const [name, g] of Object.entries(result.grads ?? {})) io.out(`d${values.loss}/d${name} = ${text(g)}`);
  }
  return EXIT.ok;
}

/** JSON has no NaN or infinities (JSON.stringify writes null for all three): the strings "NaN", "Infinity", "-Infinity" instead. */
function nonFiniteAsString(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

function costTarget(value: string | undefined): 'wasm' | 'cpu' {
  if (value === undefined || value === 'wasm' || value === 'cpu') return value ?? 'wasm';
  throw new UsageError(`--target must be wasm or cpu, not '${value}'`);
}

async function explainCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand('explain', args);
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
  const paint = painter(io.colors?.out ?? false);
  const heading = (text: string): string => paint('bold', `== ${name}: ${text}`);
  io.out(`${heading('as written (IR before optimization)')}\n${r.before}`);
  if (r.after !== undefined) {
    io.out(`\n${heading(`${r.rewrites.length} rewrite${r.rewrites.length === 1 ? '' : 's'} applied`)}`);
    for (const w of r.rewrites) {
      const at = w.span ? `${w.span.file}:${w.span.start.line}:${w.span.start.col}` : file;
      io.out(`${at}: ${w.rule}${w.category ? ` (${w.category})` : ''}: ${w.detail ?? ''}`);
    }
    io.out(`\n${heading('after optimization')}\n${r.after}`);
  }
  if (r.footprint) {
    io.out(`\n${heading('contractions and largest values, forward')}\n${formatFootprint(r.footprint).join('\n')}`);
    if (r.trainingFootprint) io.out(`\n${heading('contractions and largest values, forward and backward')}\n${formatFootprint(r.trainingFootprint).join('\n')}`);
  }
  if (r.memory && r.memory.length > 0) io.out(`\n${heading('memory of the backward pass: what the forward saves for it, what it recomputes')}\n${formatMemoryReport(r.memory).join('\n')}`);
  if (values.stats && r.stats) {
    const changes = formatCountChanges(r.stats.before, r.stats.after);
    io.out(`\n${heading(`${r.stats.before.ops} ops as written, ${r.stats.after.ops} after optimization${changes ? ` (${changes})` : ''}`)}`);
  }
  if (values.grad) io.out(`\n${heading('derived gradients')}\n${r.gradients ?? `none: ${r.noGradients ?? 'the loss has no real input'}`}`);
  return EXIT.ok;
}

/** `explain --stats` without `--loss`: a table of op counts before/after for every loss. */
function statsTable(paths: readonly string[], optimize: boolean, io: Io): number {
  const { files, problems } = collectSources(paths);
  problems.forEach((p) => report(io, diagnostic('FileNotFound', undefined, { ...p })));
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
