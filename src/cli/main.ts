// `lossc`: compile, check, eval, explain. Exit codes: 0 ok, 1 compile errors or failed
// evaluation, 2 bad usage. Every problem is one line on stderr, never a stack trace.

import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { compile, evaluate } from '../api.js';
import { diagnostic, formatDiagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { printIr } from '../ir/print.js';
import { frontEnd } from '../pipeline.js';
import { hint } from '../check/values.js';
import { collectSources, foreignFiles, fsHost, GENERATED_MARK, UsageError, writeOutputs } from './files.js';

export const USAGE = `Usage:
  lossc compile <file|dir>... [--out DIR] [--no-opt]
  lossc check   <file|dir>... [--json]
  lossc eval    <file> --loss NAME --inputs FILE.json [--set NAME=VALUE]... [--grad]
                [--json] [--backend wasm|cpu] [--no-opt] [--reduction mean|sum|none]
  lossc explain <file> --loss NAME [--no-opt]
  lossc --help | --version`;

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
  try {
    return await run(argv, io);
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      io.err(`lossc: ${err.message}\n${USAGE}`);
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
  const text = fsHost.readFile(path);
  if (text === undefined) io.err(formatDiagnostic(diagnostic('FileNotFound', undefined, { path, reason: 'no such file, or it cannot be read' }), 'lossc'));
  return text;
}

async function compileCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { out: { type: 'string' }, 'no-opt': { type: 'boolean' } } });
  if (positionals.length === 0) throw new UsageError('compile needs at least one .loss file or directory');
  const { files, problems } = collectSources(positionals);
  problems.forEach((p) => io.err(formatDiagnostic(diagnostic('FileNotFound', undefined, { ...p }))));
  if (problems.length > 0) return EXIT.failed;
  if (!values.out && files.length > 1) throw new UsageError('compiling several files needs --out DIR');
  const outputs = new Map<string, string>();
  const index: string[] = [];
  let failed = false;
  for (const file of files) {
    const text = readSource(file.path, io);
    if (text === undefined) {
      failed = true;
      continue;
    }
    const result = await compile(text, file.path, { host: fsHost, optimize: !values['no-opt'] });
    printDiagnostics(io, result.diagnostics);
    if (!result.code) {
      failed = true;
      continue;
    }
    const rel = (file.relative || basename(file.path)).replace(/\.loss$/, '.ts');
    if (values.out) {
      outputs.set(join(values.out, rel), result.code);
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
    writeOutputs(outputs);
    io.err(`lossc: wrote ${outputs.size} file${outputs.size === 1 ? '' : 's'} to ${values.out}`);
  }
  return EXIT.ok;
}

/** `export * as regression from './regression.js'` for each module. */
function indexModule(modules: readonly string[]): string {
  const lines = modules.map((m) => {
    const spec = `./${m.replace(/\.ts$/, '.js')}`;
    const name = m.replace(/\.ts$/, '').replace(/[^A-Za-z0-9_$]+/g, '_').replace(/^(\d)/, '_$1');
    return `export * as ${name} from '${spec}';`;
  });
  return `${GENERATED_MARK}; do not edit. Re-exports every compiled module.\n${lines.join('\n')}\n`;
}

async function checkCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals.length === 0) throw new UsageError('check needs at least one .loss file or directory');
  const { files, problems } = collectSources(positionals);
  const all: Diagnostic[] = problems.map((p) => diagnostic('FileNotFound', undefined, { ...p }));
  for (const file of files) {
    const text = fsHost.readFile(file.path);
    if (text === undefined) {
      all.push(diagnostic('FileNotFound', undefined, { path: file.path, reason: 'it cannot be read' }));
      continue;
    }
    all.push(...frontEnd(text, file.path, { host: fsHost }).diagnostics);
  }
  if (values.json) {
    io.out(JSON.stringify(all.map(diagnosticJson), null, 2));
  } else {
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
      json: { type: 'boolean' },
      backend: { type: 'string' },
      'no-opt': { type: 'boolean' },
      reduction: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('eval needs exactly one .loss file');
  if (!values.loss) throw new UsageError('eval needs --loss NAME');
  if (!values.inputs) throw new UsageError('eval needs --inputs FILE.json');
  if (values.backend && values.backend !== 'wasm' && values.backend !== 'cpu') throw new UsageError(`--backend must be wasm or cpu, not '${values.backend}'`);
  const reduction = values.reduction;
  if (reduction && reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') throw new UsageError(`--reduction must be mean, sum or none, not '${reduction}'`);
  const sets = parseSets(values.set ?? []);
  const file = positionals[0]!;
  const text = readSource(file, io);
  if (text === undefined) return EXIT.failed;
  const inputsText = fsHost.readFile(values.inputs);
  if (inputsText === undefined) {
    io.err(formatDiagnostic(diagnostic('FileNotFound', undefined, { path: values.inputs, reason: 'no such file, or it cannot be read' })));
    return EXIT.failed;
  }
  let inputs: unknown;
  try {
    inputs = JSON.parse(inputsText);
  } catch (err) {
    io.err(formatDiagnostic(diagnostic('BadInputsFile', undefined, { problem: `${values.inputs} is not valid JSON: ${(err as Error).message}` })));
    return EXIT.failed;
  }
  if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) {
    io.err(formatDiagnostic(diagnostic('BadInputsFile', undefined, { problem: `${values.inputs} must hold a JSON object from input name to value` })));
    return EXIT.failed;
  }
  const result = await evaluate(text, file, {
    loss: values.loss,
    inputs: inputs as Record<string, unknown>,
    set: sets,
    grad: values.grad ?? false,
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

async function explainCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { loss: { type: 'string' }, 'no-opt': { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('explain needs exactly one .loss file');
  if (!values.loss) throw new UsageError('explain needs --loss NAME');
  const file = positionals[0]!;
  const text = readSource(file, io);
  if (text === undefined) return EXIT.failed;
  const before = frontEnd(text, file, { host: fsHost, optimize: false });
  printDiagnostics(io, before.diagnostics);
  if (hasErrors(before.diagnostics)) return EXIT.failed;
  const fn = before.losses.find((l) => l.name === values.loss);
  if (!fn) {
    const names = before.losses.map((l) => l.name);
    io.err(formatDiagnostic(diagnostic('NoSuchLoss', undefined, { name: values.loss, file, hint: hint(values.loss, names) || ` (it has: ${names.join(', ') || 'none'})` })));
    return EXIT.failed;
  }
  io.out(`== ${fn.name}: as written (IR before optimization)\n${printIr(fn)}`);
  if (!values['no-opt']) {
    const after = frontEnd(text, file, { host: fsHost, optimize: true }).losses.find((l) => l.name === values.loss)!;
    io.out(`\n== ${fn.name}: after optimization\n${printIr(after)}`);
  }
  return EXIT.ok;
}
