// Runtime results flattened to one row per (backend, loss, size, mode), with the ratios the
// report is about: compiled / baseline, measured in the same interleaved run.
import type { Backend, Mode, TaskResult, VariantName, VariantResult } from '../runtime/types.js';
import { medianRatio } from '../stats.js';

export interface Row {
  readonly backend: Backend;
  readonly loss: string;
  readonly file: string;
  readonly size: number;
  readonly elements: number;
  readonly mode: Mode;
  readonly v: Partial<Record<VariantName, VariantResult>>;
}

export const ms = (r: Row, name: VariantName): number | undefined => {
  const m = r.v[name]?.medianMs;
  return m !== undefined && m !== null && Number.isFinite(m) ? m : undefined;
};

/** a / b, when both ran. */
export function ratio(r: Row, a: VariantName, b: VariantName): number | undefined {
  const [x, y] = [ms(r, a), ms(r, b)];
  return x !== undefined && y !== undefined && y > 0 ? x / y : undefined;
}

export function rowsOf(results: readonly TaskResult[]): Row[] {
  return results.flatMap((t) =>
    t.modes.map((m) => ({ backend: t.backend, loss: t.loss, file: t.file, size: t.size, elements: t.elements, mode: m.mode, v: m.variants })),
  );
}

export interface Headline {
  readonly backend: Backend;
  readonly mode: Mode;
  /** Median over every measured (loss, size) of compiled / baseline. */
  readonly compiled: number;
  readonly compiledNocheck: number;
  readonly tfLossesOverCompiled: number;
  /** The same median per nominal size. */
  readonly bySize: readonly { size: number; compiled: number; compiledNocheck: number; n: number }[];
  readonly n: number;
  /** How many (loss, size) points are more than 10% slower than the baseline. */
  readonly slower: number;
}

const defined = (xs: (number | undefined)[]): number[] => xs.filter((x): x is number => x !== undefined);

export function headline(rows: readonly Row[], backend: Backend, mode: Mode): Headline {
  const sel = rows.filter((r) => r.backend === backend && r.mode === mode);
  const c = defined(sel.map((r) => ratio(r, 'compiled', 'baseline')));
  const sizes = [...new Set(sel.map((r) => r.size))].sort((a, b) => a - b);
  return {
    backend,
    mode,
    compiled: medianRatio(c),
    compiledNocheck: medianRatio(defined(sel.map((r) => ratio(r, 'compiled-nocheck', 'baseline') ?? ratio(r, 'compiled', 'baseline')))),
    tfLossesOverCompiled: medianRatio(defined(sel.map((r) => ratio(r, 'tf.losses', 'compiled')))),
    bySize: sizes.map((size) => {
      const at = sel.filter((r) => r.size === size);
      const cs = defined(at.map((r) => ratio(r, 'compiled', 'baseline')));
      return {
        size,
        compiled: medianRatio(cs),
        compiledNocheck: medianRatio(defined(at.map((r) => ratio(r, 'compiled-nocheck', 'baseline') ?? ratio(r, 'compiled', 'baseline')))),
        n: cs.length,
      };
    }),
    n: c.length,
    slower: c.filter((x) => x > 1.1).length,
  };
}

export const fmtSize = (n: number): string => (n >= 1000 ? n.toExponential(0).replace('+', '') : String(n));

export function fmtMs(x: number | undefined): string {
  if (x === undefined) return '-';
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

export const fmtRatio = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : `${x.toFixed(2)}`);

export const fmtMB = (bytes: number | undefined): string => (bytes === undefined ? '-' : (bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 1));
