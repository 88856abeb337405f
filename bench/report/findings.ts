// Where a compiled loss is more than 10% slower than its hand-written baseline, or leaks
// tensors: the measured evidence (the input scan's share, extra kernels, kernel time, time
// outside kernels, memory) and the generated-code patterns that explain it.
import type { Backend, Mode, VariantName, VariantResult } from '../runtime/types.js';
import { functionBody, PATTERNS } from './patterns.js';
import { ms, ratio, type Row } from './rows.js';

export const SLOWER = 1.1;

export interface SlowPoint {
  readonly backend: Backend;
  readonly mode: Mode;
  readonly size: number;
  readonly ratio: number;
  /** compiled with checkValues: false, over the baseline. */
  readonly nocheck?: number;
}

export interface Leak {
  readonly loss: string;
  readonly backend: Backend;
  readonly mode: Mode;
  readonly size: number;
  readonly variant: VariantName;
  readonly perCall: number;
}

export interface PatternFinding {
  readonly id: string;
  readonly count: number;
  readonly cause: string;
  readonly fix: string;
  /** The extra kernel time it shows up as, in words, and in ms. */
  readonly measured?: string;
  readonly excessMs?: number;
}

/**
 * scan: the default input scan is the whole difference (checkValues: false is within 10%, or
 * within 20 µs, everywhere); overhead: besides the scan, a cost that shows at small sizes only
 * (a fixed cost per call: checks, options, constants, timing noise); computation: the generated
 * computation itself is slower at large sizes (1e5 and up), in at least two measurements or by
 * more than half.
 */
export type Kind = 'scan' | 'overhead' | 'computation';

export interface Finding {
  readonly loss: string;
  readonly file: string;
  readonly kind: Kind;
  readonly slow: readonly SlowPoint[];
  /** The slow point the evidence is taken from: the largest size, wasm first. */
  readonly at?: SlowPoint;
  /** What the evidence says, one clause each. */
  readonly evidence: readonly string[];
  /** Generated-code patterns, the most costly (measured) first. */
  readonly patterns: readonly PatternFinding[];
}

/** The part of a slow point the input scan does not explain, in ms per call. */
function residualMs(row: Row): number {
  const base = ms(row, 'baseline') ?? 0;
  const rest = ms(row, 'compiled-nocheck') ?? ms(row, 'compiled') ?? 0;
  return rest - base;
}

const LARGE = 1e5;

function kindOf(points: readonly { p: SlowPoint; row: Row }[]): Kind {
  const rest = (x: { p: SlowPoint }): number => x.p.nocheck ?? x.p.ratio;
  const large = points.filter((x) => x.p.size >= LARGE && rest(x) > SLOWER);
  if (large.length >= 2 || large.some((x) => rest(x) > 1.5)) return 'computation';
  const unexplained = points.filter(({ row }) => residualMs(row) > Math.max((SLOWER - 1) * (ms(row, 'baseline') ?? 0), 0.02));
  return unexplained.length === 0 ? 'scan' : 'overhead';
}

const diffCounts = (a: Readonly<Record<string, number>> = {}, b: Readonly<Record<string, number>> = {}, digits = 0, min = 0): string[] =>
  Object.keys({ ...a, ...b })
    .map((k) => [k, (a[k] ?? 0) - (b[k] ?? 0)] as const)
    .filter(([, d]) => d > min)
    .sort((x, y) => y[1] - x[1])
    .map(([k, d]) => `+${d.toFixed(digits)} ${k}`);

const sumValues = (r: Readonly<Record<string, number>> = {}): number => Object.values(r).reduce((s, x) => s + x, 0);

function evidenceAt(row: Row): string[] {
  const c = row.v.compiled as VariantResult;
  const b = row.v.baseline as VariantResult;
  const out: string[] = [];
  const nocheck = ratio(row, 'compiled-nocheck', 'baseline');
  const full = ratio(row, 'compiled', 'baseline')!;
  if (nocheck !== undefined) {
    const share = 1 - ms(row, 'compiled-nocheck')! / ms(row, 'compiled')!;
    if (nocheck <= SLOWER) out.push(`the input scan accounts for it: with checkValues: false the ratio is ${nocheck.toFixed(2)} (the scan is ${(100 * share).toFixed(0)}% of the call)`);
    else if (share > 0.1) out.push(`the input scan is ${(100 * share).toFixed(0)}% of the call; without it the ratio is still ${nocheck.toFixed(2)}`);
  }
  if (c.kernels !== undefined && b.kernels !== undefined) {
    const extra = diffCounts(c.kernelCounts, b.kernelCounts);
    out.push(`${c.kernels} kernels per call against ${b.kernels}${extra.length ? ` (${extra.slice(0, 6).join(', ')})` : ''}`);
    const time = diffCounts(c.kernelMs, b.kernelMs, 2, Math.max(0.01, 0.05 * (ms(row, 'baseline') ?? 0)));
    if (time.length) out.push(`kernel time where the compiled call spends more (profiled, ms): ${time.slice(0, 4).join(', ')}`);
    const outside = (v: VariantResult): number => Math.max(0, (v.profiledMs ?? 0) - sumValues(v.kernelMs));
    const [oc, ob] = [outside(c), outside(b)];
    if (oc - ob > 0.2 * (ms(row, 'baseline') ?? Infinity) && oc - ob > 0.05) out.push(`JavaScript outside kernels: ${oc.toFixed(2)} ms against ${ob.toFixed(2)} ms (validation, reads)`);
  }
  if (c.peakBytes !== undefined && b.peakBytes !== undefined && b.peakBytes > 0 && c.peakBytes > 1.5 * b.peakBytes) {
    out.push(`peak tensor memory ${(c.peakBytes / 2 ** 20).toFixed(1)} MB against ${(b.peakBytes / 2 ** 20).toFixed(1)} MB`);
  }
  if (nocheck !== undefined && nocheck > 2) out.push(`even without the scan the call takes ${nocheck.toFixed(1)} times the baseline's: the generated computation itself does more work`);
  else if (nocheck === undefined && full > 2) out.push(`the call takes ${full.toFixed(1)} times the baseline's: the generated computation itself does more work`);
  return out;
}

/** How much more time the compiled call spends than the baseline in `kernels`, profiled at `row`. */
function measuredIn(row: Row, kernels: readonly string[] | undefined): { measured?: string; excessMs?: number } {
  const c = row.v.compiled?.kernelMs;
  const b = row.v.baseline?.kernelMs;
  if (!kernels || !c || !b) return {};
  const floor = Math.max(0.02, 0.02 * (ms(row, 'baseline') ?? 0));
  const parts = kernels.map((k) => [k, (c[k] ?? 0) - (b[k] ?? 0)] as const).filter(([, d]) => d > floor);
  if (parts.length === 0) return {};
  const where = `${row.backend} ${row.mode === 'forward' ? 'fwd' : 'fwd+bwd'} ${row.size >= 1000 ? row.size.toExponential(0).replace('+', '') : row.size}`;
  return {
    measured: `${parts.map(([k, d]) => `+${d.toFixed(d >= 10 ? 0 : 2)} ms in ${k}`).join(', ')} against the baseline (${where}, one profiled call)`,
    excessMs: parts.reduce((t, [, d]) => t + d, 0),
  };
}

export function findings(rows: readonly Row[], moduleText: (file: string) => string | undefined): { slow: Finding[]; leaks: Leak[] } {
  const losses = [...new Set(rows.map((r) => r.loss))];
  const slow: Finding[] = [];
  for (const loss of losses) {
    const mine = rows.filter((r) => r.loss === loss);
    const points: { p: SlowPoint; row: Row }[] = [];
    for (const row of mine) {
      const r = ratio(row, 'compiled', 'baseline');
      if (r === undefined || r <= SLOWER) continue;
      const nocheck = ratio(row, 'compiled-nocheck', 'baseline');
      points.push({ p: { backend: row.backend, mode: row.mode, size: row.size, ratio: r, ...(nocheck !== undefined ? { nocheck } : {}) }, row });
    }
    if (points.length === 0) continue;
    // Evidence from the largest slow size with a profile of both, wasm before cpu, the worse mode.
    const profiled = (r: Row): boolean => r.v.compiled?.kernelMs !== undefined && r.v.baseline?.kernelMs !== undefined;
    const order = (a: { p: SlowPoint; row: Row }, b: { p: SlowPoint; row: Row }): number =>
      Number(profiled(b.row)) - Number(profiled(a.row)) || b.p.size - a.p.size || (a.p.backend === 'wasm' ? -1 : 1) - (b.p.backend === 'wasm' ? -1 : 1) || b.p.ratio - a.p.ratio;
    const pick = [...points].sort(order)[0]!;
    const file = mine[0]!.file;
    const text = moduleText(file);
    const body = text ? functionBody(text, loss) : undefined;
    // The input scans count only where turning them off changes the ratio by 5% of the baseline.
    const scanMatters = points.some((x) => x.p.nocheck !== undefined && x.p.ratio - x.p.nocheck > 0.05);
    const patterns: PatternFinding[] = body
      ? PATTERNS.filter((p) => scanMatters || (p.id !== 'nan-scan' && p.id !== 'index-scan'))
          .map((p) => ({ id: p.id, count: p.count(body), cause: p.cause, fix: p.fix, ...measuredIn(pick.row, p.kernels) }))
          .filter((p) => p.count > 0)
      : [];
    const kind = kindOf(points);
    const evidence = evidenceAt(pick.row);
    if (kind === 'overhead') {
      const small = points.filter((x) => x.p.size < LARGE);
      const worst = Math.max(0, ...small.map((x) => residualMs(x.row)));
      evidence.push(
        `apart from the scan, the difference shows at small sizes only (at most ${worst >= 1 ? `${worst.toFixed(1)} ms` : `${(worst * 1000).toFixed(0)} µs`} per call): a fixed cost per call (argument checks, options, constants) or timing noise, not the computation`,
      );
    }
    patterns.sort((a, b) => (b.excessMs ?? 0) - (a.excessMs ?? 0));
    slow.push({ loss, file, kind, slow: points.map((x) => x.p), at: pick.p, evidence, patterns });
  }
  const leaks: Leak[] = rows.flatMap((r) =>
    Object.entries(r.v)
      .filter(([, v]) => (v?.leakPerCall ?? 0) > 0)
      .map(([variant, v]) => ({ loss: r.loss, backend: r.backend, mode: r.mode, size: r.size, variant: variant as VariantName, perCall: v!.leakPerCall! })),
  );
  return { slow, leaks };
}
