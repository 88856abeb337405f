// What must hold for the front end on ANY text: `check` returns (never throws), reports no
// internal error, and every diagnostic is one of the table's, with a span inside the text
// whose line and column agree with the offset. Positions are recomputed here from the text
// alone, sharing no code with the compiler's span handling.
import { expect } from 'vitest';
import { check, parse } from '../../src/api.js';
import { DIAGNOSTICS, type DiagnosticKind } from '../../src/diagnostics/codes.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';

/** Line and column (1-based, UTF-16 units) of `offset`: \r\n, \r and \n each end a line. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const breaks = before.match(/\r\n|\r|\n/g) ?? [];
  const last = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
  return { line: breaks.length + 1, col: offset - (last + 1) + 1 };
}

const show = (text: string): string => (text.length > 300 ? `${JSON.stringify(text.slice(0, 300))}…` : JSON.stringify(text));

export function expectWellFormed(d: Diagnostic, text: string, file: string): void {
  const where = `${d.code} ${d.message} in ${show(text)}`;
  const def = DIAGNOSTICS[d.kind as DiagnosticKind];
  expect(def, where).toBeDefined();
  expect(d.code, where).toBe(def.code);
  expect(d.severity, where).toBe(def.severity);
  expect(d.code, where).not.toBe('E9001');
  // Every placeholder of the template was filled.
  for (const [, key] of def.message.matchAll(/\{(\w+)\}/g)) expect(d.message, where).not.toContain(`{${key}}`);
  const s = d.span;
  expect(s, `no span: ${where}`).toBeDefined();
  if (!s) return;
  expect(s.file, where).toBe(file);
  expect(0 <= s.start.offset && s.start.offset <= s.end.offset && s.end.offset <= text.length, `span ${s.start.offset}-${s.end.offset}: ${where}`).toBe(true);
  expect({ line: s.start.line, col: s.start.col }, `start of ${where}`).toEqual(lineCol(text, s.start.offset));
  expect({ line: s.end.line, col: s.end.col }, `end of ${where}`).toEqual(lineCol(text, s.end.offset));
}

/** The whole front end (parse, check, optimizer, stability analysis) on one text. */
export function expectFrontEndSound(text: string, file = 'fuzz.loss'): Diagnostic[] {
  let result: ReturnType<typeof check> | undefined;
  expect(() => parse(text, file), show(text)).not.toThrow();
  expect(() => (result = check(text, file)), show(text)).not.toThrow();
  const diagnostics = result!.diagnostics;
  for (const d of diagnostics) expectWellFormed(d, text, file);
  const offsets = diagnostics.map((d) => d.span?.start.offset ?? -1);
  expect(offsets, `unsorted: ${show(text)}`).toEqual([...offsets].sort((a, b) => a - b));
  const keys = diagnostics.map((d) => `${d.code}@${d.span?.start.offset}-${d.span?.end.offset}:${d.message}`);
  expect(new Set(keys).size, `duplicate diagnostics: ${keys.join('\n')}`).toBe(keys.length);
  for (const fn of result!.losses) {
    // The IR handed to the backends is a graph of existing nodes, the output among them.
    expect(fn.nodes[fn.output], fn.name).toBeDefined();
    fn.nodes.forEach((n, i) => {
      expect(n.id, fn.name).toBe(i);
      for (const a of n.args) expect(fn.nodes[a], `${fn.name} %${i} -> %${a}`).toBeDefined();
    });
  }
  return diagnostics;
}
