import type { Span } from './span.js';
import { DIAGNOSTICS, type DiagnosticKind, type Severity } from './codes.js';

export interface Diagnostic {
  readonly code: string;
  readonly kind: DiagnosticKind;
  readonly severity: Severity;
  readonly message: string;
  /** Absent only for problems that are about no place in a file (a missing file, bad usage). */
  readonly span?: Span;
  /** Extra lines shown under the message ("called from ..."). */
  readonly notes?: readonly string[];
}

/** Builds a diagnostic from the table, filling `{name}` placeholders from `args`. */
export function diagnostic(
  kind: DiagnosticKind,
  span: Span | undefined,
  args: Readonly<Record<string, string | number>> = {},
  notes?: readonly string[],
): Diagnostic {
  const def = DIAGNOSTICS[kind];
  const message = def.message.replace(/\{(\w+)\}/g, (_, key: string) =>
    key in args ? String(args[key]) : key === 'hint' ? '' : `{${key}}`,
  );
  return {
    code: def.code,
    kind,
    severity: def.severity,
    message,
    ...(span ? { span } : {}),
    ...(notes && notes.length > 0 ? { notes } : {}),
  };
}

/** `file:line:col: error CODE: message`, the one format every tool prints. */
export function formatDiagnostic(d: Diagnostic, fallbackFile = 'lossc'): string {
  const where = d.span ? `${d.span.file}:${d.span.start.line}:${d.span.start.col}` : fallbackFile;
  const head = `${where}: ${d.severity} ${d.code}: ${d.message}`;
  return d.notes ? [head, ...d.notes.map((n) => `  note: ${n}`)].join('\n') : head;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Sorts by file, then position, so output is stable whatever order phases report in. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => {
    const fa = a.span?.file ?? '';
    const fb = b.span?.file ?? '';
    if (fa !== fb) return fa < fb ? -1 : 1;
    return (a.span?.start.offset ?? -1) - (b.span?.start.offset ?? -1);
  });
}
