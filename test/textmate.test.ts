// The TextMate grammar, run by the engine VS Code runs it with (vscode-textmate on
// vscode-oniguruma): it must colour what the chevrotain lexer reads. Every token of every
// stdlib file (and of some tricky lines) gets the scope its lexer class expects, by a table
// written here, and the files written from grammar/tokens.ts are current.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';
import { derivedEditorFiles } from '../grammar/textmate-write.js';
import { DOC_GROUP, INVALID_GROUP, lexer, TOKEN_INFO } from '../grammar/tokens.js';

const ROOT = join(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

/** The scope each lexer token must get, by token name: written here, not read from the generator. */
function expectedScope(tokenName: string, image: string): RegExp {
  if (tokenName === 'DocComment') return /^comment\.line\.documentation/;
  if (tokenName === 'Identifier') return /^variable\.other/;
  if (tokenName === 'NumberLiteral') return /^constant\.numeric/;
  if (tokenName === 'StringLiteral') return /^string\.quoted/;
  if (['and', 'or', 'not'].includes(image)) return /^keyword\.operator\.logical/;
  if (image === 'inf') return /^constant\.numeric/;
  if (['real', 'int', 'bool', 'index', 'fn'].includes(image)) return /^storage\.type/;
  if (/^[a-z]+$/.test(image)) return /^keyword\.control/;
  if (/^[()[\]{}]$/.test(image)) return /^punctuation\.section\.brackets/;
  if (/^[,:.]$/.test(image)) return /^punctuation\.separator/;
  if (tokenName === 'BadNumber' || tokenName === 'UnterminatedString') return /^invalid\.illegal/;
  if (tokenName === 'UnterminatedComment') return /^comment\.block/;
  return /^keyword\.operator/;
}

let grammar: vsctm.IGrammar;

beforeAll(async () => {
  const wasm = readFileSync(join(require.resolve('vscode-oniguruma'), '../onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
    loadGrammar: async () => vsctm.parseRawGrammar(readFileSync(join(ROOT, 'grammar/generated/loss.tmLanguage.json'), 'utf8'), 'loss.tmLanguage.json'),
  });
  grammar = (await registry.loadGrammar('source.loss'))!;
});

/** The TextMate scopes at each offset of `text` (innermost last), line by line. */
function scopesByOffset(text: string): string[][] {
  const out: string[][] = Array.from({ length: text.length }, () => []);
  let state = vsctm.INITIAL;
  let offset = 0;
  for (const line of text.split('\n')) {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) for (let i = t.startIndex; i < Math.min(t.endIndex, line.length); i++) out[offset + i] = t.scopes.slice(1);
    state = r.ruleStack;
    offset += line.length + 1;
  }
  return out;
}

/** Every lexer token (doc comments and error tokens included) against the grammar's scopes. */
function disagreements(text: string): string[] {
  const scopes = scopesByOffset(text);
  // The raw lexer: error tokens keep their own type (the parser's entry re-types them).
  const lexed = lexer.tokenize(text);
  const problems: string[] = [];
  for (const t of [...lexed.tokens, ...(lexed.groups[DOC_GROUP] ?? []), ...(lexed.groups[INVALID_GROUP] ?? [])]) {
    const name = t.tokenType.name;
    const want = expectedScope(name, t.image);
    // The whole token, one scope, the expected one.
    const got = new Set<string>();
    for (let i = t.startOffset; i < t.startOffset + t.image.length; i++) got.add(scopes[i]!.join(' '));
    const one = [...got];
    if (one.length !== 1 || !want.test(one[0]!)) problems.push(`${t.startLine}:${t.startColumn} ${name} '${t.image}': ${one.join(' | ') || 'no scope'}`);
  }
  return problems;
}

describe('the TextMate grammar', () => {
  it('is current: the written files are what grammar/tokens.ts gives now (npx tsx grammar/textmate-write.ts)', () => {
    for (const [path, text] of Object.entries(derivedEditorFiles())) expect(readFileSync(join(ROOT, path), 'utf8'), path).toBe(text);
  });

  it('has a scope for every class the token table uses', () => {
    const patterns = JSON.parse(readFileSync(join(ROOT, 'grammar/generated/loss.tmLanguage.json'), 'utf8')).patterns as { name: string }[];
    expect(patterns.length).toBeGreaterThan(TOKEN_INFO.length / 2);
    for (const p of patterns) expect(p.name).toMatch(/\.loss$/);
  });

  it.each(readdirSync(join(ROOT, 'stdlib')).filter((f) => f.endsWith('.loss')))('colours every token of stdlib/%s as the lexer reads it', (f) => {
    const text = readFileSync(join(ROOT, 'stdlib', f), 'utf8');
    expect(disagreements(text)).toEqual([]);
  });

  it('gives comments their scope, and code between them none of theirs', () => {
    const text = 'loss f(x: [N]) = /* a */ mean(x) // b\n/// doc\nloss g(y: [N]) = mean(y)\n';
    const scopes = scopesByOffset(text);
    expect(scopes[text.indexOf('a */')]).toEqual(['comment.block.loss']);
    expect(scopes[text.indexOf('// b')]).toEqual(['comment.line.double-slash.loss']);
    expect(disagreements(text)).toEqual([]);
  });

  it.each([
    ['keywords inside names stay names', 'loss lossy(index2: [N], inform: [N]) = mean(index2 * inform)'],
    ['exponents are one number, numbers glued to letters one bad token', 'loss f(x: [N]) = mean(x * 1e-6 + 2.5E+3 + .5) + 2x + 1e'],
    ['unicode names', 'loss f(αβ: [N], x_é: [N]) = mean(αβ - x_é)'],
    ['an unterminated string', 'import { a } from "./m'],
    ['the strings of a hyperparameter of strings, either quote, and a comparison with one', `loss f(x: [N], act: 'a' | "b" = 'a') = if act == 'b' then mean(x) else 0`],
    ['an unterminated single-quoted string', "loss f(x: [N], act: 'a' | 'b) = mean(x)"],
    ['every operator and delimiter', 'def f(g: fn([..., D]) -> [..., D], b: bool[N]) = if not b or b and 1 <= 2 then g(x) else -x^2 / 3 * 4 == 5 != 6 < 7 > 8 >= 9'],
  ])('%s', (_, text) => expect(disagreements(text)).toEqual([]));

  it('runs an unterminated block comment to the end of the file, as the lexer does', () => {
    const text = 'loss f(x: [N]) = mean(x)\n/* never\nclosed';
    const scopes = scopesByOffset(text);
    expect(scopes[text.indexOf('closed')]).toEqual(['comment.block.loss']);
  });
});

describe('the VS Code extension', () => {
  const dir = join(ROOT, 'editors/vscode');
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    main: string;
    contributes: { languages: { id: string; extensions: string[]; configuration: string }[]; grammars: { language: string; scopeName: string; path: string }[]; commands: { command: string }[] };
  };

  it('contributes the language, the generated grammar and its configuration, files that exist', () => {
    const [language] = manifest.contributes.languages;
    expect(language!.extensions).toEqual(['.loss']);
    const [g] = manifest.contributes.grammars;
    expect(g).toMatchObject({ language: language!.id, scopeName: 'source.loss' });
    for (const f of [manifest.main, g!.path, language!.configuration]) expect(() => readFileSync(join(dir, f))).not.toThrow();
  });

  it('registers every command it contributes, and starts `lossc lsp`', () => {
    const code = readFileSync(join(dir, manifest.main), 'utf8');
    for (const { command } of manifest.contributes.commands) expect(code).toContain(`registerCommand('${command}'`);
    expect(code).toContain("args: ['lsp', '--stdio']");
  });
});
