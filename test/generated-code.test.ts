// Generated modules as a demanding project sees them: tsc with --strict, --noUnusedLocals and
// --noUnusedParameters, and eslint's recommended rules (eslint's and typescript-eslint's),
// on the whole standard library and on random well-typed programs.
import { ESLint } from 'eslint';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from './helpers/compile-cache.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { typecheckGenerated } from '../src/emit/typecheck.js';
import { generateProgram } from './fuzz/gen-program.js';

/** name → generated TypeScript: every stdlib file and a few random programs. */
async function modules(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of readdirSync('stdlib').filter((f) => f.endsWith('.loss')).sort()) {
    const file = `stdlib/${name}`;
    const r = await compile(readFileSync(file, 'utf8'), file, { host: fsHost });
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
    out[name.replace('.loss', '.ts')] = r.code!;
  }
  for (const seed of [11, 23, 47, 101, 2147483647]) {
    const r = await compile(generateProgram(seed, 4).text, `p${seed}.loss`);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
    out[`p${seed}.ts`] = r.code!;
  }
  return out;
}

describe('generated modules', () => {
  let files: Record<string, string>;

  it('type-check with --strict --noUnusedLocals --noUnusedParameters', async () => {
    files = await modules();
    expect(await typecheckGenerated(files)).toEqual([]);
  }, 120_000);

  it("pass eslint's and typescript-eslint's recommended rules", async () => {
    files ??= await modules();
    const eslint = new ESLint({ cwd: process.cwd(), overrideConfigFile: true, overrideConfig: [js.configs.recommended, ...tseslint.configs.recommended] });
    const problems: string[] = [];
    for (const [name, text] of Object.entries(files)) {
      const [result] = await eslint.lintText(text, { filePath: `generated/${name}` });
      for (const m of result!.messages) problems.push(`${name}:${m.line}:${m.column} ${m.ruleId ?? ''} ${m.message}`);
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
