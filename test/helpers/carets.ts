// Expected stability findings written into .loss fixtures as caret comments, as the fixtures of
// test/fixtures/stability and test/fixtures/naive-corpus do.
import type { AppliedRewrite } from '../../src/opt/index.js';

export const CARET = /^\/\/(\s*)\^ (W6\d{3})\s*$/;

export interface Expected {
  readonly code: string;
  readonly line: number;
  readonly col: number;
}

/** `//   ^ W6001` under a line expects that code at the caret's column of that line. */
export function carets(text: string): Expected[] {
  const out: Expected[] = [];
  let target = 0;
  text.split('\n').forEach((line, i) => {
    const m = CARET.exec(line);
    if (!m) return void (target = i + 1);
    out.push({ code: m[2]!, line: target, col: m[1]!.length + 3 });
  });
  return out;
}

/** The rewrite's span holds the expected place: the optimizer reports the hazard as repaired. */
export function covers(w: AppliedRewrite, e: Expected): boolean {
  const s = w.span;
  if (!s) return false;
  const after = (p: { line: number; col: number }, q: { line: number; col: number }): boolean => p.line > q.line || (p.line === q.line && p.col >= q.col);
  return after(e, s.start) && after(s.end, e);
}
