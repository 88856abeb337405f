import type { Definition } from '../../grammar/ast.js';
import { formatAxes } from '../ir/axes.js';
import type { DType } from '../ir/ops.js';
import type { Axis, DomainInfo, NodeId } from '../ir/types.js';
import type { ModuleInfo } from './program.js';

/**
 * Element type of a checked value: class indices remember the dimension they index, and the
 * node of the hyperparameter whose value marks an ignored position (`ignore h`), when declared.
 */
export type Elem = 'real' | 'int' | 'bool' | { readonly index: string; readonly ignore?: NodeId };

/** A checked tensor value: an IR node plus what the IR does not carry. */
export interface TensorVal {
  readonly kind: 'tensor';
  readonly id: NodeId;
  readonly elem: Elem;
  readonly axes: readonly Axis[];
  /** Declared domain of an input, passed along unchanged by renames and gathers. */
  readonly domain?: DomainInfo;
  /** The order positional indexing uses, when a binding's left side gave one (`q[j, i] = ...`). */
  readonly positional?: readonly string[];
  /**
   * Where the rest group `...` stands in that order (how many of `positional` come before it),
   * when the value has it and a declaration or an operand gives its place.
   */
  readonly restAt?: number;
  /**
   * The axis `flatten(x, ..., S)` made where x's operands placed `...` differently: it has no
   * place in any order, so reading this value's axes by position is refused (E4035).
   */
  readonly restUnplaced?: string;
  /** A string, or a hyperparameter of strings: an int position in a list of strings (enums.ts). */
  readonly enumOf?: import('./enums.js').EnumOf;
}

/** A function: a builtin, or a `def`/`loss` (inlined at each call). */
export type FnVal =
  | { readonly kind: 'builtin'; readonly name: string }
  /** A function-valued parameter of the loss, called at run time. */
  | { readonly kind: 'param'; readonly param: import('../ir/types.js').IrFunctionParam }
  | { readonly kind: 'def'; readonly def: Definition; readonly module: ModuleInfo };

export type Val = TensorVal | FnVal;

export function dtypeOf(elem: Elem): DType {
  return typeof elem === 'string' ? elem : 'int';
}

export function isNumeric(elem: Elem): boolean {
  return elem !== 'bool';
}

export function describeElem(elem: Elem): string {
  return typeof elem === 'string' ? elem : `index of ${elem.index}`;
}

/** `real[N, D]`, `index[N] of C`, `a real number`. */
export function describeType(v: { elem: Elem; axes: readonly Axis[] }): string {
  if (v.axes.length === 0) return typeof v.elem === 'string' ? `a scalar ${v.elem}` : `a scalar index of ${v.elem.index}`;
  if (typeof v.elem !== 'string') return `index[${formatAxes(v.axes)}] of ${v.elem.index}`;
  return `${v.elem}[${formatAxes(v.axes)}]`;
}

/** Edit distance, for "did you mean" hints. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    // An abbreviation (`tgt` for `target`) is as good a guess as a one-letter typo.
    const d = name.length >= 2 && isSubsequence(name, c) ? 1 : editDistance(name, c);
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

function isSubsequence(short: string, long: string): boolean {
  let i = 0;
  for (const ch of long) if (ch === short[i]) i++;
  return i === short.length;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

export function hint(name: string, candidates: Iterable<string>): string {
  const c = closest(name, candidates);
  return c ? `; did you mean '${c}'?` : '';
}
