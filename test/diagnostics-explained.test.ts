// docs/diagnostics-explained.md holds one section per code of the diagnostic table, each with an
// example and its fix. The examples are run as a user would run them: a `loss` block through
// the checker (with the optimizer and the stability analysis, as `lossc check` does), a
// `$ lossc ...` line through the CLI's own entry point (`main`, in this process: forty
// processes took two minutes on a loaded machine), its file arguments in a folder holding the
// section's files. Each example must raise its code; each fix must not raise it, and must
// raise no error at all.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExpression } from '../grammar/index.js';
import { check } from '../src/api.js';
import { main as lossc } from '../src/cli/main.js';
import { DIAGNOSTICS } from '../src/diagnostics/codes.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';

const ROOT = join(import.meta.dirname, '..');
const DOC = readFileSync(join(ROOT, 'docs', 'diagnostics-explained.md'), 'utf8');

interface Block {
  readonly lang: string;
  readonly file?: string;
  readonly text: string;
}
interface Section {
  readonly code: string;
  readonly head: string;
  readonly example: Block[];
  readonly fix: Block[];
}

/** The doc's sections by code: the fenced blocks after `Example:` and after `Fix:`. */
function sections(doc: string): Section[] {
  const parts = doc.split(/^## /m).slice(1);
  return parts.map((part) => {
    const code = part.slice(0, part.indexOf('\n')).trim();
    const head = part.split('\n').find((l) => l.startsWith('**')) ?? '';
    const example: Block[] = [];
    const fix: Block[] = [];
    let into: Block[] | undefined;
    const lines = part.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.startsWith('Example:')) into = example;
      else if (line.startsWith('Fix:')) into = fix;
      else if (line.startsWith('```') && line.length > 3) {
        const [lang, ...attrs] = line.slice(3).split(/\s+/);
        const file = attrs.find((a) => a.startsWith('file='))?.slice(5);
        const body: string[] = [];
        for (i++; !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
        into?.push({ lang: lang!, file, text: body.join('\n') });
      }
    }
    return { code, head, example, fix };
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'lossc-diagnostics-explained-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let runs = 0;

/** Every diagnostic line the blocks give, formatted as lossc prints them. */
async function raised(blocks: readonly Block[]): Promise<string[]> {
  const files = Object.fromEntries(blocks.filter((b) => b.file !== undefined).map((b) => [b.file!, b.text]));
  const main = blocks.find((b) => b.file === undefined && b.lang === 'loss');
  const expression = blocks.find((b) => b.lang === 'expression');
  const generated = blocks.find((b) => b.lang === 'generated');
  const commands = blocks.filter((b) => b.lang === 'sh').flatMap((b) => b.text.split('\n'));
  if (expression) return parseExpression(expression.text).diagnostics.map((d) => formatDiagnostic(d));
  if (generated) {
    // The one program too long to print: the block says how it is built.
    const [, n] = /× (\d+)/.exec(generated.text)!;
    return check(`loss f(x: [N]) = mean(${'('.repeat(Number(n))}x${')'.repeat(Number(n))})`, 'example.loss').diagnostics.map((d) => formatDiagnostic(d));
  }
  if (commands.length > 0) {
    const dir = join(tmp, String(runs++));
    mkdirSync(dir);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text + '\n');
    }
    const lines: string[] = [];
    for (const command of commands) {
      expect(command, 'a command line starts with `$ lossc `').toMatch(/^\$ lossc /);
      const argv = command.slice('$ lossc '.length).split(/\s+/);
      // The folder stands for the working directory: file arguments and --out/--inputs values.
      const inDir = argv.map((a, i) => (!isAbsolute(a) && (/\.(loss|json)$/.test(a) || ['--out', '--inputs'].includes(argv[i - 1] ?? '')) ? join(dir, a) : a));
      const err: string[] = [];
      await lossc(inDir, { out: () => {}, err: (t) => err.push(...t.split('\n').filter((l) => l.length > 0)) });
      lines.push(...err);
    }
    return lines;
  }
  expect(main, 'a section has a loss block, an expression or a command').toBeDefined();
  const host = { readFile: (path: string): string | undefined => files[path] };
  return check(main!.text, 'example.loss', { host }).diagnostics.map((d) => formatDiagnostic(d));
}

const raises = (lines: readonly string[], code: string): boolean => lines.some((l) => new RegExp(`^\\S+: (error|warning|info) ${code}: `).test(l));
const errors = (lines: readonly string[]): string[] => lines.filter((l) => / error [EWI]\d{4}: /.test(l));

const ALL = sections(DOC);
const TABLE = Object.entries(DIAGNOSTICS).map(([name, d]) => ({ name, ...d }));

describe('docs/diagnostics-explained.md', () => {
  it('has one section per code of the table, and none for a code it lacks', () => {
    const documented = new Set(ALL.map((s) => s.code));
    const missing = TABLE.filter((d) => !documented.has(d.code)).map((d) => d.code);
    expect(missing, 'add a section with an example and its fix to docs/diagnostics-explained.md for each').toEqual([]);
    const stale = [...documented].filter((c) => !TABLE.some((d) => d.code === c));
    expect(stale, 'sections for codes the table no longer has').toEqual([]);
    expect(new Set(ALL.map((s) => s.code)).size).toBe(ALL.length);
  });

  it("heads each section with the table's severity, name and message template", () => {
    for (const d of TABLE) {
      const s = ALL.find((x) => x.code === d.code);
      if (s) expect(s.head, d.code).toBe(`**${d.severity}** · ${d.name} · \`${d.message}\``);
    }
  });

});

describe.each(ALL.filter((s) => s.code !== 'E9001').map((s) => [s.code, s] as const))('%s', (code, s) => {
  it('has an example that raises it, and a fix that does not and has no error', async () => {
    expect(s.example.length, 'an example').toBeGreaterThan(0);
    expect(s.fix.length, 'a fix').toBeGreaterThan(0);
    const before = await raised(s.example);
    expect(raises(before, code), before.join('\n')).toBe(true);
    const after = await raised(s.fix);
    expect(raises(after, code), after.join('\n')).toBe(false);
    expect(errors(after), after.join('\n')).toEqual([]);
  });
});

describe('E9001', () => {
  it('has no example (a bug in lossc) and says to report it', () => {
    const s = ALL.find((x) => x.code === 'E9001')!;
    expect(s.example).toEqual([]);
    expect(DOC.slice(DOC.indexOf('## E9001'))).toMatch(/report it/);
  });
});
