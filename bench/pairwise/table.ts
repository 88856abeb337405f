// The pairwise bench's markdown table: one row per (loss, N, backend), a time cell per build of
// lossc (with its ratio to the expert) and one for the expert, peak memory, whether the issue's
// targets are met, and whether the implementations agree.
import { median } from '../stats.js';
import type { ImplResult } from './driver.js';

/** Issue 15's targets against the expert: time and peak memory. */
export const TIME_TARGET = 1.2;
export const MEMORY_TARGET = 1.5;

export interface Row {
  readonly loss: string;
  readonly n: number;
  readonly backend: string;
  readonly results: readonly ImplResult[];
  /** Per lossc build, '' when its value and gradients agree with the expert's, else what differs. */
  readonly disagreements: Readonly<Record<string, string>>;
  readonly seconds: number;
}

const cellText = (s: string): string => s.replace(/\|/g, '\\|');

export function header(builds: readonly string[]): string {
  const cols = ['loss', 'N', 'backend', ...builds.map((b) => `${b} ms (× expert; CPU time × expert's)`), 'expert ms', `peak MB (${[...builds, 'expert'].join(' / ')})`, ...builds.map((b) => `${b}: ≤ ${TIME_TARGET}× time, ≤ ${MEMORY_TARGET}× memory`), 'values'];
  return `| ${cols.join(' | ')} |\n|${cols.map(() => '---|').join('')}`;
}

function timeCell(r: ImplResult, expert: ImplResult | undefined): string {
  if (!r.ok) return cellText(r.failure);
  // The CPU-time ratio as well: on a loaded machine it moves less than the wall-time one.
  const ratio = r.impl !== 'expert' && expert?.ok ? ` (${(r.ms / expert.ms).toFixed(2)}×; CPU ${(median(r.cpuSamples) / median(expert.cpuSamples)).toFixed(2)}×)` : '';
  return `${r.ms.toFixed(r.ms < 10 ? 2 : 1)}${ratio}`;
}

function targetCell(r: ImplResult, expert: ImplResult | undefined): string {
  if (!r.ok) return 'no: it fails';
  if (!expert) return '–';
  if (!expert.ok) return 'yes: runs where the expert fails';
  const t = r.ms / expert.ms;
  const m = r.peakMB / expert.peakMB;
  const misses = [...(t > TIME_TARGET ? [`${t.toFixed(2)}× time`] : []), ...(m > MEMORY_TARGET ? [`${m.toFixed(2)}× memory`] : [])];
  return misses.length === 0 ? 'yes' : `no: ${misses.join(', ')}`;
}

export function formatRow(row: Row, builds: readonly string[]): string {
  const by = new Map(row.results.map((r) => [r.impl, r]));
  const expert = by.get('expert');
  const peak = [...builds, 'expert'].map((b) => {
    const r = by.get(b);
    return r?.peakMB === undefined ? '–' : r.peakMB.toFixed(r.peakMB < 10 ? 1 : 0);
  });
  const values = builds
    .map((b) => {
      const r = by.get(b);
      const d = row.disagreements[b];
      if (d) return `${builds.length > 1 ? `${b}: ` : ''}DIFFER: ${d}`;
      if (!r?.check) return `${builds.length > 1 ? `${b}: ` : ''}–`;
      return expert?.check ? `${builds.length > 1 ? `${b}: ` : ''}agree` : `${builds.length > 1 ? `${b}: ` : ''}finite (no expert value)`;
    })
    .join('; ');
  const leaks = row.results.filter((r) => r.ok && r.leakedTensors > 0).map((r) => (r.ok ? `${r.impl} leaks ${r.leakedTensors} tensors a call` : ''));
  const cells = [row.loss, String(row.n), row.backend, ...builds.map((b) => (by.get(b) ? timeCell(by.get(b)!, expert) : '–')), expert ? timeCell(expert, undefined) : '–', peak.join(' / '), ...builds.map((b) => (by.get(b) ? targetCell(by.get(b)!, expert) : '–')), cellText([values, ...leaks].join('; '))];
  return `| ${cells.join(' | ')} |`;
}
