// The runtime results as a plain-text table for the terminal, one per backend.
import type { Backend, Mode, VariantName } from '../runtime/types.js';
import { fmtMB, fmtMs, fmtRatio, fmtSize, ms, ratio, type Row } from './rows.js';

const COLS: readonly [VariantName, string][] = [
  ['compiled', 'compiled'],
  ['compiled-nocheck', 'nocheck'],
  ['autodiff', 'autodiff'],
  ['baseline', 'baseline'],
  ['tf.losses', 'tf.losses'],
  ['loop', 'loop'],
];

const pad = (s: string, n: number, left = false): string => (left ? s.padEnd(n) : s.padStart(n));

function modeCells(r: Row | undefined): string[] {
  if (!r) return [...COLS.map(() => '-'), '-'];
  const cell = (v: VariantName): string => {
    const e = r.v[v]?.error;
    return e ? (/^not timed/.test(e) ? 'n/t' : 'err') : fmtMs(ms(r, v));
  };
  return [...COLS.map(([v]) => cell(v)), fmtRatio(ratio(r, 'compiled', 'baseline'))];
}

export function terminalTable(rows: readonly Row[], backend: Backend): string {
  const mine = rows.filter((r) => r.backend === backend);
  const find = (loss: string, size: number, mode: Mode): Row | undefined => mine.find((r) => r.loss === loss && r.size === size && r.mode === mode);
  const keys = [...new Map(mine.map((r) => [`${r.loss}@${r.size}`, r])).values()];
  const widths = [22, 5, 8, ...Array(2 * COLS.length + 2).fill(9), 6, 8, 8];
  const head = ['loss', 'size', 'elements', ...COLS.map(([, h]) => h), 'ratio', ...COLS.map(([, h]) => h), 'ratio', 'leak', 'peak c', 'peak b'];
  const lines = [
    `${backend}: median ms per call; ratio = compiled / baseline; autodiff: compiled with --autodiff (forward + backward only). Left: forward. Right: forward + backward. leak: tensors per call; peak: MB during forward + backward (compiled, baseline)`,
    head.map((h, i) => pad(h, widths[i]!, i === 0)).join(' '),
  ];
  for (const k of keys) {
    const [f, fb] = [find(k.loss, k.size, 'forward'), find(k.loss, k.size, 'forward+backward')];
    const leak = Math.max(0, ...[f, fb].flatMap((r) => Object.values(r?.v ?? {}).map((v) => v?.leakPerCall ?? 0)));
    const cells = [k.loss, fmtSize(k.size), String(k.elements), ...modeCells(f), ...modeCells(fb), leak > 0 ? leak.toFixed(1) : '0', fmtMB(fb?.v.compiled?.peakBytes), fmtMB(fb?.v.baseline?.peakBytes)];
    lines.push(cells.map((c, i) => pad(c, widths[i]!, i === 0)).join(' '));
  }
  return lines.join('\n');
}
