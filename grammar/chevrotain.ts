// Chevrotain, as the grammar uses it. The package's entry point is some 700 small ES modules
// (its lodash-es among them), and loading them was most of what a `lossc` process spent
// before doing anything. The package also ships the same code bundled in one file
// (lib/chevrotain.mjs, beside lib/src/api.js), which its exports map does not name: it is
// loaded by path, and the entry point when it cannot be (a browser, a layout without it).
// Every value import of chevrotain goes through here, so the process holds one copy of it.
import type * as Chevrotain from 'chevrotain';

export type { IParserErrorMessageProvider, IRecognitionException, IToken, TokenType } from 'chevrotain';

async function load(): Promise<typeof Chevrotain> {
  try {
    const bundle = new URL('../chevrotain.mjs', import.meta.resolve('chevrotain')).href;
    return (await import(/* @vite-ignore */ bundle)) as typeof Chevrotain;
  } catch {
    return import('chevrotain');
  }
}

const chevrotain = await load();

export const { createToken, CstParser, EOF, generateCstDts, Lexer, tokenMatcher } = chevrotain;
