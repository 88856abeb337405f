// The CLI on everything a user can get wrong (beyond test/cli.test.ts): unreadable sources,
// broken inputs files, unknown flags and losses, output folders that are files, hold the
// user's files, links, or two sources with one output. Each is one `CODE: message` line and
// the documented exit code (0 ok, 1 failed, 2 bad usage), and nothing lossc did not write is
// touched. Runs `main` in-process; the closed pipe needs a real process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stripVTControlCharacters } from 'node:util';
import { WriteStream } from 'node:tty';
import { typecheckGenerated } from '../src/emit/typecheck.js';
import { diagnostic, formatDiagnostic, type Diagnostic } from '../src/diagnostics/diagnostic.js';
import { main, USAGE } from '../src/cli/main.js';
import { colorsFor, paintDiagnostic, painter } from '../src/cli/style.js';
import { COMMANDS, commandUsage, type CommandName } from '../src/cli/usage.js';

let dir: string;
const good = 'loss mse(pred: [...], target: [...]) = mean((pred - target)^2)\n';

async function lossc(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  return losscWith({}, ...argv);
}

/** `lossc` in-process with streams that take colour (or not). */
async function losscWith(colors: { out?: boolean; err?: boolean }, ...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), colors: { out: colors.out ?? false, err: colors.err ?? false } });
  return { status, out: out.join('\n'), err: err.join('\n') };
}

const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];
const USAGE_LINES = new Set([USAGE, ...COMMAND_NAMES.map(commandUsage)].flatMap((t) => t.split('\n')));

/** Every stderr line is a diagnostic, a summary, or a usage text: never a stack trace. */
function expectTidy(err: string): void {
  expect(err).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(err).not.toMatch(/E9001/);
  for (const line of err.split('\n').filter((l) => l.trim() !== '' && !USAGE_LINES.has(l))) {
    expect(line).toMatch(/^(\S+: (error E|warning W)\d{4}: |lossc: (wrote|checked) |Usage:|  lossc |  note: |\s+\[|Exit codes:|read or written)/);
  }
}

const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lossc-robust-'));
});

describe('sources that cannot be read', () => {
  it.each([
    ['a directory named like a file', () => (mkdirSync(join(dir, 'folder.loss'), { recursive: true }), join(dir, 'folder.loss')), /E7006: cannot read .*folder\.loss: (it is a directory|the directory holds no \.loss files)/],
    ['a link to nowhere', () => (symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling.loss')), join(dir, 'dangling.loss')), /E7006: cannot read .*dangling\.loss: no such file or directory/],
    ['a missing file inside a path through a file', () => join(file('plain.txt', 'x'), 'inner.loss'), /E7006: cannot read .*inner\.loss: a part of the path is not a directory/],
  ])('%s: E7006, exit 1, for check, compile, eval and explain', async (_, make, message) => {
    const path = make();
    const inputs = file('in-ok.json', '{"pred": [1], "target": [1]}');
    for (const argv of [['check', path], ['compile', path], ['eval', path, '--loss', 'mse', '--inputs', inputs], ['explain', path, '--loss', 'mse']]) {
      const r = await lossc(...argv);
      expect(r.status, argv.join(' ')).toBe(1);
      expect(r.err).toMatch(message);
      expectTidy(r.err);
    }
  });
});

describe('inputs files', () => {
  let source: string;
  beforeAll(() => {
    source = file('mse.loss', good);
  });
  it.each([
    ['empty', '', /E7004: .* is not valid JSON/],
    ['a list, not an object', '[1, 2]', /E7004: .* must hold a JSON object from input name to value/],
    ['lists nested 5,000 deep', `{"pred": ${'['.repeat(5000)}1${']'.repeat(5000)}, "target": [1]}`, /E7004: .* nests lists more than 64 deep/],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('latin1'), /E7004: .* is not valid JSON/],
    ['a NaN value', '{"pred": [1, "nan"], "target": [1, 2]}', /E7008: evaluation failed: mse: input 'pred' holds NaN at \[1\], but must hold numbers/],
    ['a __proto__ key', '{"pred": [1], "target": [1], "__proto__": {"polluted": 1}}', /E7005: loss 'mse' has no input or hyperparameter named '__proto__'/],
    ['a string where numbers go', '{"pred": "1, 2", "target": [1, 2]}', /E7003: input 'pred' of loss 'mse': /],
  ])('%s: one line, exit 1', async (_, text, message) => {
    const r = await lossc('eval', source, '--loss', 'mse', '--inputs', file('in.json', text), '--backend', 'cpu');
    expect(r.err).toMatch(message);
    expect(r.status).toBe(1);
    expectTidy(r.err);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a byte-order mark is not an error', async () => {
    const r = await lossc('eval', source, '--loss', 'mse', '--inputs', file('bom.json', '\ufeff{"pred": [1, 2], "target": [1, 3]}'), '--backend', 'cpu', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ loss: 0.5 });
  });

  it('the inputs path is a directory: E7006', async () => {
    const r = await lossc('eval', source, '--loss', 'mse', '--inputs', dir);
    expect(r.err).toMatch(/E7006: cannot read .*: it is a directory/);
    expect(r.status).toBe(1);
  });

  it('explain names an unknown loss with a suggestion: E7001', async () => {
    const r = await lossc('explain', source, '--loss', 'mes');
    expect(r.err).toMatch(/E7001: no loss named 'mes'.*did you mean 'mse'/);
    expect(r.status).toBe(1);
  });
});

describe('bad usage: E7013 and the usage text, exit 2', () => {
  it.each([
    [['compile', 'x.loss', '--frob']],
    [['eval', 'x.loss', '--loss']],
    [['eval', 'x.loss', '--loss', 'mse', '--inputs', 'i.json', '--json=yes']],
    [['explain', 'x.loss', '--loss', 'mse', '-z']],
    [['check', '--json']],
    [['eval', 'x.loss', '--loss', 'mse', '--inputs', 'i.json', '--set', 'margin']],
    [['eval', 'x.loss', '--loss', 'mse', '--inputs', 'i.json', '--reduction', 'avg']],
    [['compile', 'x.loss', '--out']],
    [['check', 'x.loss', '--max-warnings', 'few']],
    [['compile', 'x.loss', '--max-warnings', '1.5']],
    [['check', 'x.loss', '--max-warnings', '-1']],
    [['compile', 'x.loss', '--out', '-o']],
    [['help', 'compil']],
  ])('%j', async (argv) => {
    const r = await lossc(...argv);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/^lossc: error E7013: /);
    expect(r.err).toContain('Exit codes: 0 ok; 1 ');
    expectTidy(r.err);
  });

  it("a command's bad usage prints that command's usage", async () => {
    const r = await lossc('compile', 'x.loss', '--frob');
    const [first, ...rest] = r.err.split('\n');
    expect(first).toMatch(/^lossc: error E7013: Unknown option '--frob'/);
    expect(rest.join('\n')).toBe(commandUsage('compile'));
  });
});

describe('--help', () => {
  it.each(COMMAND_NAMES)('lossc %s --help and -h: its usage on stdout, every flag with a line saying what it does, exit 0', async (command) => {
    for (const flag of ['--help', '-h']) {
      const r = await lossc(command, flag);
      expect(r.status).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toBe(commandUsage(command));
    }
    const text = commandUsage(command);
    expect(text).toMatch(new RegExp(`^Usage:\n  lossc ${command} `));
    for (const [flag, spec] of Object.entries(COMMANDS[command].flags)) {
      const value = 'value' in spec ? ` ${spec.value.replace(/[|]/g, '\\|')}` : '';
      // `  [-h, ]--flag [VALUE]   an explanation of some words`
      expect(text, flag).toMatch(new RegExp(`^  (-\\w, )?--${flag}${value}(\\.\\.\\.)? {2,}\\w.{15,}$`, 'm'));
    }
    // The overview's synopsis of the command names its flags too.
    for (const flag of Object.keys(COMMANDS[command].flags).filter((f) => f !== 'help')) expect(USAGE, `${command} --${flag}`).toContain(`--${flag}`);
  });

  it('wins over anything else wrong on the line, and `lossc help <command>` is the same text', async () => {
    const r = await lossc('eval', '--frob', 'a.loss', 'b.loss', '-h');
    expect(r.status).toBe(0);
    expect(r.out).toBe(commandUsage('eval'));
    expect((await lossc('help', 'check')).out).toBe(commandUsage('check'));
    // After `--`, `--help` is a file name.
    const after = await lossc('check', '--', '--help');
    expect(after.status).toBe(1);
    expect(after.err).toMatch(/E7006: cannot read --help/);
  });

  it('lossc --help and -h print the overview: every command, exit 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const r = await lossc(flag);
      expect(r.status).toBe(0);
      expect(r.out).toBe(USAGE);
    }
    for (const command of COMMAND_NAMES) expect(USAGE).toMatch(new RegExp(`^  lossc ${command} `, 'm'));
    expect(USAGE).toContain('lossc <command> --help');
  });
});

describe('--max-warnings N', () => {
  // Two warnings: two bindings never used (W2014).
  const warned = 'loss f(x: [N]) = mean(x)\n  where a = 2 * x\n        b = 3 * x\n';

  it('check: exit 1 with a final E7014 line when there are more than N warnings, 0 up to N', async () => {
    const path = file('warned.loss', warned);
    const over = await lossc('check', path, '--max-warnings', '1');
    expect(over.status).toBe(1);
    const lines = over.err.split('\n');
    expect(lines.filter((l) => / warning W2014: /.test(l))).toHaveLength(2);
    expect(lines.at(-2)).toBe('lossc: checked 1 file: 0 errors, 2 warnings');
    expect(lines.at(-1)).toBe('lossc: error E7014: 2 warnings found, more than --max-warnings 1 allows');
    expectTidy(over.err);
    for (const n of ['2', '10']) expect((await lossc('check', path, '--max-warnings', n)).status).toBe(0);
    expect((await lossc('check', path)).status).toBe(0);
    const clean = await lossc('check', file('clean.loss', good), '--max-warnings', '0');
    expect(clean.status).toBe(0);
    expect(clean.err).not.toMatch(/E7014/);
  });

  it('check --json: E7014 is the last diagnostic of the array', async () => {
    const r = await lossc('check', file('warned-json.loss', warned), '--json', '--max-warnings', '0');
    expect(r.status).toBe(1);
    const ds = JSON.parse(r.out) as { code: string; file: string | null }[];
    expect(ds.map((d) => d.code)).toEqual(['W2014', 'W2014', 'E7014']);
    expect(ds.at(-1)!.file).toBeNull();
  });

  it('compile: exit 1 and writes nothing, neither under --out nor on stdout', async () => {
    const path = file('warned-compile.loss', warned);
    const out = join(dir, 'warned-out');
    const r = await lossc('compile', path, '--out', out, '--max-warnings', '1');
    expect(r.status).toBe(1);
    expect(r.err.split('\n').at(-1)).toBe('lossc: error E7014: 2 warnings found, more than --max-warnings 1 allows');
    expect(existsSync(out)).toBe(false);
    const printed = await lossc('compile', path, '--max-warnings', '1');
    expect(printed.status).toBe(1);
    expect(printed.out).toBe('');
    const allowed = await lossc('compile', path, '--out', out, '--max-warnings', '2');
    expect(allowed.status).toBe(0);
    expect(readdirSync(out)).toEqual(['warned-compile.ts']);
  }, 60_000);
});

describe('colour', () => {
  /** A terminal as Node's tty.WriteStream sees it: its colour depth comes from the environment. */
  const terminal = { isTTY: true, getColorDepth: (env?: object) => WriteStream.prototype.getColorDepth.call(undefined, env) };
  const term = { TERM: 'xterm-256color' };

  it("is Node's rule: a TTY unless NO_COLOR, never a pipe, FORCE_COLOR forcing it (0 off)", () => {
    expect(colorsFor(terminal, term)).toBe(true);
    expect(colorsFor(terminal, { ...term, NO_COLOR: '1' })).toBe(false);
    expect(colorsFor(terminal, { TERM: 'dumb' })).toBe(false);
    expect(colorsFor({ isTTY: false }, term)).toBe(false);
    expect(colorsFor({}, term)).toBe(false);
    expect(colorsFor({ isTTY: false }, { ...term, FORCE_COLOR: '1' })).toBe(true);
    expect(colorsFor({ isTTY: false }, { ...term, FORCE_COLOR: '' })).toBe(true);
    expect(colorsFor(terminal, { ...term, FORCE_COLOR: '0' })).toBe(false);
  });

  it('only wraps pieces of a line: without the escapes, each line is as printed without colour', () => {
    const paint = painter(true);
    const ds = checkedDiagnostics();
    expect(ds.length).toBeGreaterThanOrEqual(3);
    for (const d of ds) {
      const coloured = paintDiagnostic(d, paint);
      expect(coloured).not.toBe(formatDiagnostic(d));
      expect(stripVTControlCharacters(coloured)).toBe(formatDiagnostic(d));
      expect(paintDiagnostic(d, painter(false))).toBe(formatDiagnostic(d));
    }
  });

  it('errors red and warnings yellow on a stream that takes colour; stdout data untouched', async () => {
    const path = file('coloured.loss', 'loss f(x: [N]) = mean(y)\n  where a = 2 * x\n');
    const plainRun = await lossc('check', path);
    const colour = await losscWith({ err: true, out: true }, 'check', path);
    expect(colour.status).toBe(plainRun.status);
    expect(colour.err).toContain(`\x1b[31m\x1b[1merror\x1b[22m\x1b[39m \x1b[31mE2001\x1b[39m`);
    expect(colour.err).toContain(`\x1b[33m\x1b[1mwarning\x1b[22m\x1b[39m \x1b[33mW2014\x1b[39m`);
    expect(stripVTControlCharacters(colour.err)).toBe(plainRun.err);
    const json = await losscWith({ err: true, out: true }, 'check', path, '--json');
    expect(json.out).not.toMatch(/\x1b/);
    expect(JSON.parse(json.out)).toHaveLength(2);
  });
});

/** Diagnostics of several kinds: with and without a place, with notes. */
function checkedDiagnostics(): Diagnostic[] {
  return [
    diagnostic('UnknownName', { file: 'a.loss', start: { line: 1, col: 23, offset: 22 }, end: { line: 1, col: 24, offset: 23 } }, { name: 'y', hint: '' }),
    diagnostic('UnusedBinding', { file: 'a.loss', start: { line: 2, col: 9, offset: 30 }, end: { line: 2, col: 10, offset: 31 } }, { name: 'a' }, ['a note', 'another']),
    diagnostic('BadUsage', undefined, { problem: 'no command given' }),
    diagnostic('TooManyWarnings', undefined, { warnings: '2 warnings', max: 1 }),
  ];
}

describe('output folders', () => {
  let a: string;
  let b: string;
  beforeAll(() => {
    mkdirSync(join(dir, 'src', 'one'), { recursive: true });
    mkdirSync(join(dir, 'src', 'two'), { recursive: true });
    a = join(dir, 'src', 'one', 'same.loss');
    b = join(dir, 'src', 'two', 'same.loss');
    writeFileSync(a, good);
    writeFileSync(b, good.replace('mse', 'mse2'));
  });

  it('a file where the folder should be: E7010, nothing written', async () => {
    const blocker = file('blocker', 'mine\n');
    for (const out of [blocker, join(blocker, 'sub')]) {
      const r = await lossc('compile', a, '--out', out);
      expect(r.err).toMatch(/E7010: cannot write into .*blocker.*: (it exists and is not a directory|a part of the path is not a directory); --out needs a directory/);
      expect(r.status).toBe(1);
    }
    expect(readFileSync(blocker, 'utf8')).toBe('mine\n');
  });

  it('two sources with one output path: E7012, and neither replaces the other', async () => {
    const out = join(dir, 'dup');
    const r = await lossc('compile', a, b, '--out', out);
    expect(r.err).toMatch(/E7012: .*one.same\.loss and .*two.same\.loss would both be compiled to .*same\.ts/);
    expect(r.status).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  it("the user's files, links and folders in the way are refused; others are left alone", async () => {
    const out = join(dir, 'mixed');
    mkdirSync(join(out, 'one', 'same.ts'), { recursive: true });
    writeFileSync(join(out, 'notes.md'), 'keep me\n');
    writeFileSync(join(dir, 'elsewhere.ts'), '// Generated by lossc, but not here\n');
    symlinkSync(join(dir, 'elsewhere.ts'), join(out, 'index.ts'));
    const r = await lossc('compile', join(dir, 'src'), '--out', out);
    expect(r.err).toMatch(/E7007: .*index\.ts exists and was not written by lossc/);
    expect(r.err).toMatch(/E7007: .*same\.ts exists and was not written by lossc/);
    expect(r.status).toBe(1);
    expect(readFileSync(join(out, 'notes.md'), 'utf8')).toBe('keep me\n');
    expect(readFileSync(join(dir, 'elsewhere.ts'), 'utf8')).toBe('// Generated by lossc, but not here\n');
    expect(readdirSync(out).sort()).toEqual(['index.ts', 'notes.md', 'one']);
    expect(readdirSync(join(out, 'one'))).toEqual(['same.ts']);
  });

  it('a folder that cannot be created: E7011 for each file, exit 1', async () => {
    if (!existsSync('/proc/self')) return;
    const r = await lossc('compile', a, '--out', '/proc/self/lossc-cannot-write');
    expect(r.err).toMatch(/E7011: cannot write .*same\.ts: /);
    expect(r.status).toBe(1);
    expectTidy(r.err);
  });

  it('--js: .js and .d.ts, each marked as lossc\'s; compiled over again, but never over a file of the user\'s', async () => {
    const src = join(dir, 'js-src');
    mkdirSync(src);
    writeFileSync(join(src, 'one.loss'), good);
    writeFileSync(join(src, 'two.loss'), good.replace('mse', 'other'));
    const out = join(dir, 'js-out');
    const r = await lossc('compile', src, '--js', '--out', out);
    expect(r.err).toBe(`lossc: wrote 6 files to ${out}`);
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['index.d.ts', 'index.js', 'one.d.ts', 'one.js', 'two.d.ts', 'two.js']);
    for (const f of readdirSync(out)) expect(readFileSync(join(out, f), 'utf8'), f).toMatch(/^\/\/ Generated by lossc/);
    expect(readFileSync(join(out, 'index.js'), 'utf8')).toContain("export * as one from './one.js';");
    expect((await lossc('compile', src, '--js', '--out', out)).status).toBe(0);
    // Declarations of the user's where lossc's would go: nothing written.
    const mine = join(dir, 'js-mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'two.d.ts'), 'export declare const mine: 1;\n');
    const refused = await lossc('compile', src, '--js', '--out', mine);
    expect(refused.err).toBe(`lossc: error E7007: ${join(mine, 'two.d.ts')} exists and was not written by lossc; refusing to overwrite it`);
    expect(refused.status).toBe(1);
    expect(readdirSync(mine)).toEqual(['two.d.ts']);
    // One file without --out: the JavaScript on stdout.
    const printed = await lossc('compile', join(src, 'one.loss'), '--js');
    expect(printed.status).toBe(0);
    expect(printed.out).toMatch(/^\/\/ Generated by lossc[^\n]*\nimport \* as tf from '@tensorflow\/tfjs';\nexport function mse\(pred, target, options = \{\}\) \{/);
  }, 60_000);

  it("file names with quotes and spaces give an index that type-checks", async () => {
    const src = join(dir, 'quoted');
    mkdirSync(src);
    writeFileSync(join(src, "it's.loss"), good);
    writeFileSync(join(src, 'a b.loss'), good.replace('mse', 'other'));
    writeFileSync(join(src, 'default.loss'), good.replace('mse', 'third'));
    const out = join(dir, 'quoted-out');
    const r = await lossc('compile', src, '--out', out);
    expect(r.status).toBe(0);
    // The index as written, beside stand-ins for the modules (their own checks are elsewhere).
    const files = Object.fromEntries(readdirSync(out).map((f) => [f, f === 'index.ts' ? readFileSync(join(out, f), 'utf8') : 'export const loss = 1;\n']));
    expect(Object.keys(files).sort()).toEqual(['a b.ts', 'default.ts', 'index.ts', "it's.ts"]);
    expect(await typecheckGenerated(files)).toEqual([]);
  }, 60_000);
});

describe('a reader that leaves early', () => {
  it('`lossc compile … | head -c 10` exits quietly, without a stack trace', () => {
    expect(existsSync('dist/src/cli/main.js'), 'run `npm run build` first (npm test does)').toBe(true);
    const r = spawnSync('sh', ['-c', `${JSON.stringify(process.execPath)} bin/lossc.js compile stdlib/metric.loss | head -c 10 > /dev/null`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/EPIPE|node:events|\n\s+at /);
    expect(r.status).toBe(0);
  });
});
