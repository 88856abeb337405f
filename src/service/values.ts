// The axes and range of the values a text computes, by source place: read from the IR the
// checker lowers (each node keeps the span of the expression it came from) and the
// compiler's range analysis. A def inlined into several losses may get several answers;
// all are kept, and the editor shows one only when they agree.

import { REST, type Axis, type IrFunction } from '../ir/types.js';
import { RangeAnalysis } from '../ranges/analysis.js';
import { formatValue, isEmpty, type Range } from '../ranges/interval.js';
import type { TextRange } from './types.js';
import { enumText } from '../ir/enum-text.js';

export interface ValueFact {
  readonly dtype: 'real' | 'int' | 'bool';
  readonly axes: readonly Axis[];
  /** The float32 values it can hold (NaN aside), from the declared domains of the inputs. */
  readonly range?: Range;
  /** Whether NaN can reach it. */
  readonly mayBeNaN: boolean;
  /** The loss it was seen in. */
  readonly loss: string;
  /** A hyperparameter of strings (held as an int, the position of its string): its strings. */
  readonly strings?: readonly string[];
}

const key = (r: TextRange): string => `${r.start}:${r.end}`;

export class ValueFacts {
  private readonly byPlace = new Map<string, ValueFact[]>();

  constructor(losses: readonly IrFunction[], file: string) {
    for (const fn of losses) {
      const ranges = new RangeAnalysis(fn);
      // The last node made for a place is the value of the whole expression (norm → sqrt).
      const last = new Map<string, number>();
      for (const n of fn.nodes) if (n.span && n.span.file === file) last.set(key({ start: n.span.start.offset, end: n.span.end.offset }), n.id);
      for (const [place, id] of last) {
        const node = fn.nodes[id]!;
        let range: Range | undefined;
        let mayBeNaN = true;
        try {
          range = node.type.dtype === 'bool' ? undefined : ranges.range(id);
          mayBeNaN = ranges.mayBeNaN(id);
        } catch {
          range = undefined; // an op the analysis does not know: say nothing rather than guess
        }
        const strings = fn.hypers.find((h) => h.node === id)?.values;
        const fact: ValueFact = { dtype: node.type.dtype, axes: node.type.axes, ...(range ? { range } : {}), mayBeNaN, loss: fn.name, ...(strings ? { strings } : {}) };
        const list = this.byPlace.get(place);
        if (list) list.push(fact);
        else this.byPlace.set(place, [fact]);
      }
    }
  }

  /** Every fact for exactly this place, one per loss that computes it. */
  at(r: TextRange): readonly ValueFact[] {
    return this.byPlace.get(key(r)) ?? [];
  }

  /** One description of the place, when every loss agrees on it. */
  agreed(r: TextRange): ValueFact | undefined {
    const facts = this.at(r);
    if (facts.length === 0) return undefined;
    const first = describeValue(facts[0]!, false);
    return facts.every((f) => describeValue(f, false) === first) ? facts[0] : undefined;
  }
}

/** `[i, j]`, or with the dims the axes index: `[i: N, j: N]`. */
export function describeAxes(axes: readonly Axis[], withDims: boolean): string {
  const names = axes.map((a) => (a.name === REST ? REST : withDims && a.name !== a.dim ? `${a.name}: ${a.dim}` : a.name));
  return `[${names.join(', ')}]`;
}

/** `≥ 0`, `> 0`, `≤ 1`, `in [0, 1]`, `in {0, 1}`; empty for any real. */
export function describeRange(r: Range | undefined): string {
  if (!r || isEmpty(r)) return '';
  if (r.values) return `in {${r.values.map(formatValue).join(', ')}}`;
  const loInf = r.lo === -Infinity && r.loOpen;
  const hiInf = r.hi === Infinity && r.hiOpen;
  if (loInf && hiInf) return '';
  if (hiInf) return `${r.loOpen ? '>' : '≥'} ${formatValue(r.lo)}`;
  if (loInf) return `${r.hiOpen ? '<' : '≤'} ${formatValue(r.hi)}`;
  return `in ${r.loOpen ? '(' : '['}${formatValue(r.lo)}, ${formatValue(r.hi)}${r.hiOpen ? ')' : ']'}`;
}

/**
 * `[i, j] ≥ 0`, `bool[i, j]`, `int[N]`, `real` for a scalar. The range is of the values that
 * are not NaN (NaN is no number below 0): `withNaN` says so where NaN can reach the value.
 */
export function describeValue(f: ValueFact, withNaN: boolean): string {
  if (f.strings) return `one of ${enumText(f.strings)}`;
  const shape = f.axes.length === 0 ? f.dtype : `${f.dtype === 'real' ? '' : f.dtype}${describeAxes(f.axes, false)}`;
  const range = f.dtype === 'bool' ? '' : describeRange(f.range);
  if (!range) return shape;
  return `${shape} ${range}${withNaN && f.mayBeNaN ? ' (when not NaN)' : ''}`;
}
