// Inputs for the front-end properties: character soup, token soup, and real programs (every
// stdlib file and language sketch found at run time) with random token edits.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';

/** Spellings a user might type: every keyword and operator, builtins, and things that are none. */
const VOCABULARY = [
  'loss', 'def', 'dim', 'import', 'from', 'where', 'let', 'in', 'if', 'then', 'else', 'and', 'or',
  'not', 'param', 'index', 'of', 'real', 'int', 'bool', 'fn', 'inf',
  '->', '==', '!=', '<=', '>=', '<', '>', '=', '+', '-', '*', '/', '^', '(', ')', '[', ']', '{', '}',
  ',', ':', '.', '...', '..', '|', '&', '%', '$', '#', '@', '!', '?', ';', '`', "'", '\\',
  'mean', 'sum', 'max', 'min', 'logsumexp', 'softmax', 'log_softmax', 'exp', 'log', 'sqrt', 'clamp',
  'select', 'onehot', 'norm', 'dot', 'count', 'any', 'all', 'stack', 'where:', 'empty:',
  'x', 'y', 'N', 'D', 'C', 'i', 'j', 'e', 't', 'p', 'α', 'Ω', '𝑥', '_', 'x1', 'constructor', '__proto__',
  '0', '1', '2', '0.5', '.5', '1e-6', '1e400', '1e', '2x', '007', '99999999999999999999',
  '"./x"', '"', '"s', '///', '/// doc', '//', '// c', '/*', '*/', '/* c */',
  ' ', '  ', '\n', '\r\n', '\r', '\t', '\u00a0', '\u2028', '\ufeff', '\u0000', '\ud800', '\udc00',
];

export const vocabulary = fc.constantFrom(...VOCABULARY);

/** Any code points, lone surrogates included. */
export const charSoup = fc.string({ unit: 'binary', maxLength: 200 });

/** Characters that matter to the lexer, densely. */
export const punctuationSoup = fc.string({ unit: fc.constantFrom(...'()[]{}<>=+-*/^.,:;"\'`$#@!?|&~\\ \n\r\t0123456789eExN_'), maxLength: 300 });

/** Tokens glued with spaces, newlines or nothing. */
export const tokenSoup = fc
  .tuple(fc.array(vocabulary, { maxLength: 120 }), fc.constantFrom(' ', '', '\n', ' \n  '))
  .map(([tokens, glue]) => tokens.join(glue));

/** Every program the project ships as text: the stdlib and the language sketches. */
export function programs(): { file: string; text: string }[] {
  const dirs = ['stdlib', 'test/fixtures/syntax/sketch'];
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.loss'))
      .sort()
      .map((f) => ({ file: path.join(dir, f), text: readFileSync(path.join(dir, f), 'utf8') })),
  );
}

/**
 * About `bytes` of realistic source: copies of the stdlib files that import nothing, with
 * every definition renamed apart in each copy (so the file checks clean).
 */
export function bigProgramFile(bytes: number): string {
  const base = programs().filter((s) => s.file.startsWith('stdlib') && !/^import/m.test(s.text)).map((s) => s.text).join('\n');
  const names = [...base.matchAll(/^(?:loss|def|dim)\s+(\w+)/gm)].map((m) => m[1]!);
  const defined = new RegExp(`\\b(${names.join('|')})\\b`, 'g');
  let out = '';
  for (let k = 0; out.length < bytes; k++) out += `${base.replace(defined, `$1_${k}`)}\n`;
  return out;
}

/** Tokens of a program by a plain regex: words, numbers, comments, strings, punctuation, space. */
export function splitTokens(text: string): string[] {
  return text.match(/\/\/[^\n]*|"[^"\n]*"?|'[^'\n]*'?|[\p{L}_][\p{L}\p{N}_]*|\d+(?:\.\d+)?(?:e-?\d+)?|\.\.\.|->|[=!<>]=|\s+|[^]/gu) ?? [];
}

export type Edit =
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'duplicate'; readonly at: number }
  | { readonly kind: 'swap'; readonly at: number; readonly with: number }
  | { readonly kind: 'replace'; readonly at: number; readonly token: string }
  | { readonly kind: 'insert'; readonly at: number; readonly token: string };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), token: vocabulary }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), token: vocabulary }),
);

/** Applies edits to the non-space tokens of `text` (positions taken modulo their count). */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  const tokens = splitTokens(text);
  for (const e of edits) {
    const solid = tokens.flatMap((t, i) => (/^\s+$/.test(t) ? [] : [i]));
    if (solid.length === 0) break;
    const i = solid[e.at % solid.length]!;
    switch (e.kind) {
      case 'delete':
        tokens.splice(i, 1);
        break;
      case 'duplicate':
        tokens.splice(i, 0, tokens[i]!);
        break;
      case 'swap': {
        const j = solid[e.with % solid.length]!;
        [tokens[i], tokens[j]] = [tokens[j]!, tokens[i]!];
        break;
      }
      case 'replace':
        tokens[i] = e.token;
        break;
      case 'insert':
        tokens.splice(i, 0, e.token, ' ');
        break;
    }
  }
  return tokens.join('');
}

/** A shipped program with one to six token edits: the near-misses users make. */
export function editedProgram(sources: readonly { text: string }[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.nat({ max: sources.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 6 }))
    .map(([k, edits]) => applyEdits(sources[k]!.text, edits));
}
