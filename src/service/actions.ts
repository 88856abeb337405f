// Quick fixes from the diagnostics' own suggestions: a "did you mean 'x'?" hint, and the
// `fix:` note of a stability finding ("write A instead of B", "… / (d + 1e-6)", "max(x, 0)^p").
// A suggestion is prose for a person; turned into an edit it is only offered once the edited
// text has been checked again and the finding is gone, with no new error or warning.

import { parseExpression } from '../../grammar/index.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { fullCheck, ownDiagnostics, type Parsed } from './analysis.js';
import { applyEdits } from './navigation.js';
import type { ServiceHost, TextEdit } from './types.js';

export interface CodeAction {
  readonly title: string;
  /** The diagnostic it fixes. */
  readonly diagnostic: Diagnostic;
  readonly edits: readonly TextEdit[];
  readonly preferred: boolean;
}

const compact = (s: string): string => s.replace(/\s+/g, '');

/** Whether `fragment` is one well-formed expression. */
const isExpression = (fragment: string): boolean => {
  const r = parseExpression(fragment);
  return r.expr !== undefined && r.diagnostics.length === 0;
};

/** The offset range in `text` whose characters, whitespace aside, spell `needle`, searching [from, to). */
function findSpelled(text: string, needle: string, from: number, to: number): { start: number; end: number } | undefined {
  const want = compact(needle);
  if (!want) return undefined;
  for (let s = from; s < to; s++) {
    if (text[s] !== want[0]) continue;
    let i = s;
    let k = 0;
    while (i < to && k < want.length) {
      if (/\s/.test(text[i]!)) i++;
      else if (text[i] === want[k]) {
        i++;
        k++;
      } else break;
    }
    if (k === want.length) return { start: s, end: i };
  }
  return undefined;
}

/** The candidate edits a diagnostic suggests, most specific first. */
function candidates(doc: Parsed, d: Diagnostic): { title: string; edit: TextEdit }[] {
  const span = d.span!;
  const out: { title: string; edit: TextEdit }[] = [];
  const at = { start: span.start.offset, end: span.end.offset };
  const spanText = doc.text.slice(at.start, at.end);
  const replace = (range: { start: number; end: number }, text: string, title: string): void => {
    if (doc.text.slice(range.start, range.end) !== text) out.push({ title, edit: { file: doc.file, range, text } });
  };
  const meant = /did you mean '([^']+)'\?/.exec(d.message)?.[1];
  if (meant && /^[\p{L}_][\p{L}\p{N}_]*$/u.test(spanText)) replace(at, meant, `Change '${spanText}' to '${meant}'`);
  const fix = d.notes?.find((n) => n.startsWith('fix: '))?.slice(5);
  if (!fix) return out;
  // The definition holding the finding bounds the search for the naive form.
  const def = doc.module.definitions.find((x) => x.span.start.offset <= at.start && at.end <= x.span.end.offset);
  const scope = def ? { start: def.span.start.offset, end: def.span.end.offset } : { start: 0, end: doc.text.length };
  const instead = /^write (.+) instead of (.+)$/.exec(fix);
  if (instead && isExpression(instead[1]!)) {
    const found = findSpelled(doc.text, instead[2]!, scope.start, scope.end);
    if (found) replace(found, instead[1]!, `Write ${instead[1]}`);
  }
  for (const part of fix.split(/, or |; |: | for an? [^,]*(?=,|$)/)) {
    // The code after "e.g.", "use" or "write" when the part starts with prose.
    const alt = (/(?:^|\s)(?:e\.g\.|use|write)\s+(.+)$/.exec(part.trim())?.[1] ?? part).trim();
    // `… / (union + 1e-6)`: the finding's expression with its right-hand part replaced.
    const tail = /^… ([-+*/^]) (.+)$/.exec(alt);
    if (tail) {
      const op = spanText.lastIndexOf(` ${tail[1]} `);
      if (op >= 0 && isExpression(`x ${tail[1]} ${tail[2]}`)) replace({ start: at.start + op, end: at.end }, ` ${tail[1]} ${tail[2]}`, `Write ${spanText.slice(0, op)} ${tail[1]} ${tail[2]}`);
      continue;
    }
    if (!alt.includes('…') && isExpression(alt) && /[(^]/.test(alt)) replace(at, alt, `Write ${alt}`);
  }
  return out;
}

const sameFinding = (a: Diagnostic, b: Diagnostic, shift: (o: number) => number): boolean =>
  a.code === b.code && a.span?.file === b.span?.file && shift(a.span?.start.offset ?? -1) === (b.span?.start.offset ?? -1);

/** Quick fixes for the diagnostics overlapping [start, end], each checked to remove its finding. */
export function codeActions(doc: Parsed, diagnostics: readonly Diagnostic[], start: number, end: number, host: ServiceHost): CodeAction[] {
  const out: CodeAction[] = [];
  const here = diagnostics.filter((d) => d.span && d.span.file === doc.file && d.span.start.offset <= end && start <= d.span.end.offset);
  if (here.length === 0) return out;
  const before = ownDiagnostics(fullCheck(doc.text, doc.file, host), doc.file);
  const count = (ds: readonly Diagnostic[], severity: string): number => ds.filter((x) => x.severity === severity).length;
  for (const d of here) {
    for (const c of candidates(doc, d)) {
      const text = applyEdits(doc.text, [c.edit]);
      const delta = c.edit.text.length - (c.edit.range.end - c.edit.range.start);
      const shift = (o: number): number => (o >= c.edit.range.end ? o + delta : o);
      const after = ownDiagnostics(fullCheck(text, doc.file, host), doc.file);
      const gone = !after.some((x) => sameFinding(d, x, shift));
      const noWorse = count(after, 'error') <= count(before, 'error') - (d.severity === 'error' ? 1 : 0) && count(after, 'warning') <= count(before, 'warning');
      if (gone && noWorse) {
        out.push({ title: c.title, diagnostic: d, edits: [c.edit], preferred: true });
        break; // the first that works: one fix per finding
      }
    }
  }
  return out;
}
