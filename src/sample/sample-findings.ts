// What the sampled check reports as diagnostics, and the one-line summary `lossc check
// --sample` prints per loss. No tfjs here: this only reads a SampleReport.

import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { NestedArray } from '../eval/inputs.js';
import type { IrFunction } from '../ir/types.js';
import { formatValue } from '../ranges/interval.js';
import type { SampleReport, WorstInput } from './sample.js';
import { show } from '../stability/witness.js';

const MAX_INPUT_TEXT = 160;

function nested(v: NestedArray): string {
  if (Array.isArray(v)) return `[${v.map(nested).join(', ')}]`;
  return typeof v === 'number' ? formatValue(v) : String(v);
}

/** `gamma = 0, p = [0, 1], y = [1, 0]`, shortened to one line (hyperparameters first: short). */
export function inputText(w: WorstInput): string {
  const parts = [...Object.entries(w.hypers).map(([k, v]) => `${k} = ${formatValue(v)}`), ...Object.entries(w.inputs).map(([k, v]) => `${k} = ${nested(v)}`)];
  const text = parts.join(', ');
  return text.length <= MAX_INPUT_TEXT ? text : `${text.slice(0, MAX_INPUT_TEXT - 1)}…`;
}

/** A W6020 warning for a loss whose float32 results were not finite at some sample. */
export function sampledFindings(fn: IrFunction, report: SampleReport): Diagnostic[] {
  const count = Math.max(report.nonFinite.loss, report.nonFinite.grad);
  if (count === 0 || !report.worst) return [];
  const what = report.nonFinite.loss > 0 && report.nonFinite.grad > 0 ? 'loss and gradient' : report.nonFinite.loss > 0 ? 'loss' : 'gradient';
  return [diagnostic('SampledNonFinite', fn.span, { name: fn.name, what, count, samples: report.samples, input: inputText(report.worst) }, [`there ${report.worst.what} is ${show(report.worst.float32)} in float32 and ${show(report.worst.float64)} in float64`])];
}

/** `mse: 100 samples, 0 non-finite, loss error max 0.5 bits (mean 0.1), gradient 1.2 (0.3)`. */
export function reportLine(r: SampleReport): string {
  if (r.skipped) return `${r.loss}: not sampled: ${r.skipped}`;
  const nonFinite = r.nonFinite.loss + r.nonFinite.grad === 0 ? '0 non-finite' : `non-finite loss at ${r.nonFinite.loss}, gradient at ${r.nonFinite.grad}`;
  const failed = r.failures > 0 ? `, ${r.failures} failed (${r.failure})` : '';
  const worst = r.worst ? `; worst (${r.worst.what}, ${r.worst.bits} bits): ${inputText(r.worst)}` : '';
  return `${r.loss}: ${r.samples} samples, ${nonFinite}, error in bits: loss max ${r.lossBits.max} mean ${r.lossBits.mean}, gradient max ${r.gradBits.max} mean ${r.gradBits.mean}${failed}${worst}`;
}
