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
import { typecheckGenerated } from '../src/emit/typecheck.js';
import { main, USAGE } from '../src/cli/main.js';

let dir: string;
const good = 'loss mse(pred: [...], target: [...]) = mean((pred - target)^2)\n';

async function lossc(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { status, out: out.join('\n'), err: err.join('\n') };
}

/** Every stderr line is a diagnostic, a summary, or the usage text: never a stack trace. */
function expectTidy(err: string): void {
  expect(err).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(err).not.toMatch(/E9001/);
  for (const line of err.split('\n').filter((l) => l.trim() !== '' && !USAGE.split('\n').includes(l))) {
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
  ])('%j', async (argv) => {
    const r = await lossc(...argv);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/^lossc: error E7013: /);
    expect(r.err).toContain('Exit codes: 0 ok; 1 ');
    expectTidy(r.err);
  });
});

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
