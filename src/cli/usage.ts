// The commands and their flags, in one table: the parser's options and every usage text come
// from it, so a flag cannot be accepted without a line saying what it does.

import { parseArgs } from 'node:util';

interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** What the value looks like in the usage text (`DIR`, `wasm|cpu`); string flags only. */
  readonly value?: string;
  /** One line: what the flag does. */
  readonly help: string;
}

interface CommandSpec {
  /** What follows the command name in the synopsis, flags left out. */
  readonly args: string;
  /** The synopsis's flags, as in the overview (the usual ones; `--help` lists them all). */
  readonly synopsis: string;
  /** What the command does, a few lines. */
  readonly about: string;
  readonly flags: Readonly<Record<string, FlagSpec>>;
}

const HELP = { type: 'boolean', short: 'h', help: 'print this help and exit' } as const;
const TARGET = { type: 'string', value: 'wasm|cpu', help: 'choose among equivalent forms by measured op costs on this backend (default wasm)' } as const;
const MAX_WARNINGS = { type: 'string', value: 'N', help: 'exit 1 when there are more than N warnings (like eslint); 0 allows none' } as const;

export const COMMANDS = {
  compile: {
    args: '<file|dir>...',
    synopsis: '[--out DIR] [--js] [--no-opt] [--autodiff] [--target wasm|cpu|pytorch]\n                [--max-warnings N] [--watch]',
    about: `Compiles .loss files to TensorFlow.js modules, one per file: TypeScript, or ESM JavaScript
with declarations (--js). One file is printed to stdout; with --out DIR each is written under
DIR at the path it has under its directory argument, with an index module re-exporting them.
--out writes only files that do not exist or that lossc wrote (their first line says so):
anything else in the way stops it before it writes anything. --watch compiles again on every
change until Ctrl-C, and keeps watching when there are errors.`,
    flags: {
      out: { type: 'string', value: 'DIR', help: 'write the modules under DIR instead of stdout (needed for several files)' },
      js: { type: 'boolean', help: 'write ESM JavaScript (.js) and declarations (.d.ts), not TypeScript (.ts)' },
      'no-opt': { type: 'boolean', help: 'compile the formulas as written, without the optimizer' },
      autodiff: { type: 'boolean', help: "leave gradients to TensorFlow.js's autodiff, not the backward pass lossc derives" },
      target: { ...TARGET, help: 'choose among equivalent forms by measured op costs on this backend (default wasm); --target pytorch writes Python modules for PyTorch instead (with --out DIR; docs/pytorch.md)' },
      'max-warnings': { ...MAX_WARNINGS, help: 'exit 1, writing nothing, when there are more than N warnings; 0 allows none' },
      watch: { type: 'boolean', help: 'compile again when a source, a file it imports or a folder given changes' },
      help: HELP,
    },
  },
  check: {
    args: '<file|dir>...',
    synopsis: '[--json] [--sample N] [--max-warnings N] [--watch]',
    about: `Checks .loss files (names, types, shapes, domains, numeric stability) without compiling
them, and prints every problem as file:line:col: error CODE: message. Exits 1 on any error.
--watch checks again on every change until Ctrl-C.`,
    flags: {
      json: { type: 'boolean', help: 'print the diagnostics to stdout as a JSON array (with --sample, in an object with the reports)' },
      sample: { type: 'string', value: 'N', help: 'also run each loss on N random inputs in float32 and float64, and report where they disagree' },
      'max-warnings': MAX_WARNINGS,
      watch: { type: 'boolean', help: 'check again when a source, a file it imports or a folder given changes' },
      help: HELP,
    },
  },
  eval: {
    args: '<file>',
    synopsis: '--loss NAME --inputs FILE.json [--set NAME=VALUE]... [--grad]\n                [--autodiff] [--json] [--allow-nonfinite] [--backend wasm|cpu|torch] [--no-opt] [--reduction MODE]\n                [--weights FILE.json]',
    about: `Runs one loss on TensorFlow.js and prints its value (and gradients with --grad). The inputs
file is a JSON object from input name to a nested array, or to {"shape": [...], "data": [...]};
int and index inputs hold whole numbers.`,
    flags: {
      loss: { type: 'string', value: 'NAME', help: 'the loss to run (required)' },
      inputs: { type: 'string', value: 'FILE.json', help: 'the input values, and scalar hyperparameters if you like (required)' },
      set: { type: 'string', multiple: true, value: 'NAME=VALUE', help: 'a scalar hyperparameter (a number, true, false or inf); repeat for several' },
      grad: { type: 'boolean', help: 'also print the gradient of the loss with respect to each real input' },
      autodiff: { type: 'boolean', help: "with --grad: gradients from TensorFlow.js's autodiff, not the derived backward pass" },
      json: { type: 'boolean', help: 'print one JSON object: {"loss": ..., "grads": {input: ...}}; NaN and infinities as the strings "NaN", "Infinity", "-Infinity"' },
      'allow-nonfinite': { type: 'boolean', help: 'print a loss that is NaN or infinite (exit 0) instead of failing with what led there (exit 1)' },
      backend: { type: 'string', value: 'wasm|cpu|torch', help: 'the TensorFlow.js backend to run on (default wasm), or torch: the PyTorch module, in Python' },
      'no-opt': { type: 'boolean', help: 'run the formula as written, without the optimizer' },
      reduction: { type: 'string', value: 'MODE', help: "how the per-sample losses are combined (default the loss's own): mean, sum, none (prints each), or tf.losses' and Keras's sum_by_nonzero_weights and sum_over_batch_size" },
      weights: { type: 'string', value: 'FILE.json', help: "per-sample weights (a nested array or {\"shape\", \"data\"}), as the generated function's weights option" },
      help: HELP,
    },
  },
  explain: {
    args: '<file>',
    synopsis: '--loss NAME [--no-opt] [--stats] [--grad] [--target wasm|cpu]\n  lossc explain <file|dir>... --stats',
    about: `Shows what the compiler does with a loss: its IR as written, each rewrite the optimizer
applied (with the place in the source) and the IR after optimization. --stats alone prints a
table of op counts for every loss of the files given.`,
    flags: {
      loss: { type: 'string', value: 'NAME', help: 'the loss to explain (without it, --stats gives the table for every loss)' },
      'no-opt': { type: 'boolean', help: 'show the IR as written only, without optimizing' },
      stats: { type: 'boolean', help: 'count the ops before and after optimization' },
      grad: { type: 'boolean', help: 'also print the backward pass the compiler derives, simplified' },
      target: TARGET,
      help: HELP,
    },
  },
  fmt: {
    args: '<file|dir>...',
    synopsis: '[--check]',
    about: `Rewrites .loss files in the canonical layout: spacing, indentation, aligned where
bindings; comments, doc comments and line breaks are kept, and the program is unchanged (a
file whose formatting would change its syntax tree, or that has a syntax error, is left
alone and reported). --check writes nothing: it lists the files that are not formatted and
exits 1 when there are any.`,
    flags: {
      check: { type: 'boolean', help: 'write nothing; list the files that are not formatted, and exit 1 if any' },
      help: HELP,
    },
  },
  lsp: {
    args: '',
    synopsis: '[--stdio]',
    about: `Runs the language server on stdin and stdout, for editors (VS Code, Neovim, Helix, Emacs):
diagnostics as you type, hover with each value's axes and range, completion, go to
definition, references, rename, quick fixes, formatting and inlay hints. See docs/editor.md.`,
    flags: {
      stdio: { type: 'boolean', help: 'talk over stdin and stdout (the default and only transport)' },
      help: HELP,
    },
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export function isCommand(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

const EXIT_CODES = `Exit codes: 0 ok; 1 errors in the sources, a failed evaluation, or a file that cannot be
read or written; 2 bad usage (unknown command or flag, missing argument).`;

/** The overview: every command's synopsis. */
export const USAGE = `Usage:
${(Object.entries(COMMANDS) as [CommandName, CommandSpec][]).map(([name, c]) => `  ${synopsis(name, c)}`).join('\n')}
  lossc --help | --version
  lossc <command> --help                     what a command does, and each of its flags

Gradients are the backward pass the compiler derives (emitted with tf.customGrad);
--autodiff uses TensorFlow.js's own autodiff instead, for comparison. --target picks, among
equivalent forms, the cheapest on that backend by measured op costs (default wasm).

${EXIT_CODES}`;

function synopsis(name: string, c: CommandSpec): string {
  return `lossc ${name.padEnd(7)} ${c.args} ${c.synopsis}`;
}

/** `lossc <command> --help`: the synopsis, what the command does, and a line per flag. */
export function commandUsage(name: CommandName): string {
  const c: CommandSpec = COMMANDS[name];
  const rows = Object.entries(c.flags).map(([flag, f]) => {
    const left = `${f.short ? `-${f.short}, ` : ''}--${flag}${f.value ? ` ${f.value}` : ''}${f.multiple ? '...' : ''}`;
    return [left, f.help] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return `Usage:
  ${synopsis(name, c)}

${c.about}

Options:
${rows.map(([left, help]) => `  ${left.padEnd(width)}${help}`).join('\n')}

${EXIT_CODES}`;
}

/** The values parseArgs gives for a table of flags. */
type Values<F> = { -readonly [K in keyof F]?: F[K] extends { readonly type: 'string'; readonly multiple: true } ? string[] : F[K] extends { readonly type: 'string' } ? string : boolean };

/** The command's flags and positionals; an unknown flag or a missing value throws (ERR_PARSE_ARGS_*). */
export function parseCommand<C extends CommandName>(name: C, args: readonly string[]): { values: Values<(typeof COMMANDS)[C]['flags']>; positionals: string[] } {
  const options: Record<string, FlagSpec> = COMMANDS[name].flags;
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, options });
  return { values: values as Values<(typeof COMMANDS)[C]['flags']>, positionals };
}

/** Whether `-h` or `--help` is among the flags (before any `--`), whatever else is wrong. */
export function asksForHelp(args: readonly string[]): boolean {
  const { tokens } = parseArgs({ args: [...args], allowPositionals: true, strict: false, tokens: true, options: { help: { type: 'boolean', short: 'h' } } });
  return tokens.some((t) => t.kind === 'option' && t.name === 'help');
}
