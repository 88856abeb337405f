// Input values as users write them (the JSON of `lossc eval --inputs`, the playground's
// fields): nested arrays or `{"shape": [...], "data": [...]}`, checked against a loss's
// declared inputs before any tensor is made.

import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { DomainInfo, IrFunction, IrInput } from '../ir/types.js';
import { declaredNames, firstUnknown, meantName } from '../check/declared-names.js';
import { enumText } from '../ir/enum-text.js';
import { listToDense, raggedToDense } from './list-inputs.js';
import { listTypeText } from '../lower/lists.js';
import { unionShapeIsIndices } from '../ir/class-indices.js';

export type NestedArray = number | boolean | NestedArray[];

export interface DenseValue {
  readonly shape: number[];
  readonly data: number[];
}

export interface PreparedInputs {
  readonly tensors: Record<string, DenseValue>;
  /** The elements of each ragged list input (`list[K] of ragged [B, C, ...]`), shapes of their own. */
  readonly elements: Record<string, DenseValue[]>;
  readonly hypers: Record<string, number>;
  readonly diagnostics: Diagnostic[];
}

/** A nested array or `{shape, data}` as a flat array with its shape, or a problem in words. */
export function toDense(value: unknown): DenseValue | string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const { shape, data } = value as { shape?: unknown; data?: unknown };
    if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) return "'shape' must be a list of whole numbers";
    if (!Array.isArray(data)) return "'data' must be a flat list of numbers";
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (data.length !== size) return `'data' has ${data.length} numbers but shape [${shape.join(', ')}] needs ${size}`;
    const flat: number[] = [];
    for (const x of data) {
      const n = scalar(x);
      if (n === undefined) return `'data' holds ${JSON.stringify(x)}, which is not a number`;
      flat.push(n);
    }
    return { shape: shape as number[], data: flat };
  }
  const shape: number[] = [];
  for (let v: unknown = value; Array.isArray(v); v = v[0]) shape.push(v.length);
  const data: number[] = [];
  const walk = (v: unknown, depth: number): string | undefined => {
    if (depth === shape.length) {
      const n = scalar(v);
      return n === undefined ? `${JSON.stringify(v)} is not a number` : void data.push(n);
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) return `the nested lists are ragged (expected ${shape[depth]} items at depth ${depth + 1})`;
    for (const item of v) {
      const problem = walk(item, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  };
  const problem = walk(value, 0);
  return problem ?? { shape, data };
}

function scalar(x: unknown): number | undefined {
  if (typeof x === 'number') return x;
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (x === 'inf' || x === 'Infinity') return Infinity;
  if (x === '-inf' || x === '-Infinity') return -Infinity;
  if (x === 'nan' || x === 'NaN') return NaN;
  return undefined;
}

/** Whether `v` lies in the domain, as the generated module's option check decides it (NaN never does; an open infinite end excludes that infinity). */
export function insideDomain(v: number, d: DomainInfo): boolean {
  if (d.kind === 'set') return (d.values ?? []).includes(v);
  if (Number.isNaN(v)) return false;
  const loOk = d.lo === undefined || (d.loClosed ? v >= d.lo : v > d.lo);
  const hiOk = d.hi === undefined || (d.hiClosed ? v <= d.hi : v < d.hi);
  return loOk && hiOk;
}

/**
 * The tfjs dtype of a value given as numbers (JSON, the playground's fields, a sample): as
 * declared, and for a union input by its shape, the one thing numbers carry: whole numbers of
 * its class indices' shape (or with MONAI's size-1 class axis) are int32 indices, anything else
 * float32 (probabilities, or refused by the loss's check, whose message names both forms). A
 * tf.Tensor given to the evaluator keeps its own dtype, as a generated module reads it.
 */
export function denseDtype(fn: IrFunction, input: IrInput, shapes: Readonly<Record<string, readonly number[]>>, data: ArrayLike<number>): 'float32' | 'int32' | 'bool' {
  if (input.orIndices) return unionShapeIsIndices(fn, input, shapes) && Array.prototype.every.call(data, (x: number) => Number.isInteger(x)) ? 'int32' : 'float32';
  return input.elem === 'real' ? 'float32' : input.elem === 'bool' ? 'bool' : 'int32';
}

function expectedText(input: IrInput): string {
  const dims = input.axes.map((a) => a.dim).join(', ');
  if (input.list) return listTypeText(input);
  if (input.orIndices) return `index[${input.orIndices.axes.map((a) => a.dim).join(', ')}] of ${input.orIndices.of} | real[${dims}]`;
  return input.elem === 'index' ? `index[${dims}] of ${input.indexOf}` : `${input.elem}[${dims}]`;
}

/**
 * Matches given values to the loss's inputs and hyperparameters. Scalars for hyperparameters
 * may come in `values` too; `overrides` (`--set`) win over both.
 */
export function prepareInputs(fn: IrFunction, values: Readonly<Record<string, unknown>>, overrides: Readonly<Record<string, number | string>> = {}): PreparedInputs {
  const diagnostics: Diagnostic[] = [];
  const tensors: Record<string, DenseValue> = {};
  const elements: Record<string, DenseValue[]> = {};
  const hypers: Record<string, number> = {};
  const kinds = ['input', 'hyperparameter'] as const;
  for (const name of [...Object.keys(values), ...Object.keys(overrides)]) {
    if (firstUnknown(fn, [name], kinds) !== undefined) diagnostics.push(diagnostic('UnknownInput', undefined, { loss: fn.name, name, hint: meantName(fn, name, kinds), names: declaredNames(fn, kinds) }));
  }
  for (const input of fn.inputs) {
    const raw = values[input.name];
    if (raw === undefined && input.default !== undefined) continue; // filled with its default
    if (raw === undefined) {
      diagnostics.push(diagnostic('MissingInput', undefined, { name: input.name, loss: fn.name, expected: expectedText(input) }));
      continue;
    }
    if (input.ragged) {
      const each = raggedToDense(input, raw);
      if (typeof each === 'string') diagnostics.push(diagnostic('InputShape', undefined, { name: input.name, loss: fn.name, problem: each }));
      else elements[input.name] = each;
      continue;
    }
    const dense = input.list ? listToDense(input, raw) : toDense(raw);
    if (typeof dense === 'string') {
      diagnostics.push(diagnostic('InputShape', undefined, { name: input.name, loss: fn.name, problem: dense }));
      continue;
    }
    if (input.elem === 'int' || input.elem === 'index') {
      const bad = dense.data.find((x) => !Number.isInteger(x));
      if (bad !== undefined) {
        diagnostics.push(diagnostic('InputShape', undefined, { name: input.name, loss: fn.name, problem: `expected whole numbers (${expectedText(input)}) but found ${bad}` }));
        continue;
      }
    }
    if (input.elem === 'bool' && dense.data.some((x) => x !== 0 && x !== 1)) {
      diagnostics.push(diagnostic('InputShape', undefined, { name: input.name, loss: fn.name, problem: 'expected true/false (or 1/0) values' }));
      continue;
    }
    tensors[input.name] = dense;
  }
  for (const hyper of fn.hypers) {
    const raw = overrides[hyper.name] ?? values[hyper.name];
    if (raw === undefined) {
      if (hyper.default === undefined) diagnostics.push(diagnostic('MissingInput', undefined, { name: hyper.name, loss: fn.name, expected: `a ${hyper.elem} number` }));
      else hypers[hyper.name] = hyper.default;
      continue;
    }
    if (hyper.values) {
      // A string of the list, held as its position (what the IR and the reference read).
      const k = typeof raw === 'string' ? hyper.values.indexOf(raw) : -1;
      if (k < 0) {
        const span = fn.nodes[hyper.node]?.span;
        diagnostics.push(diagnostic('OptionOutsideDomain', span, { value: JSON.stringify(raw), name: hyper.name, loss: fn.name, domain: enumText(hyper.values) }));
      } else hypers[hyper.name] = k;
      continue;
    }
    const n = typeof raw === 'number' ? raw : typeof raw === 'boolean' ? Number(raw) : NaN;
    if (Number.isNaN(n) || (hyper.elem !== 'real' && !Number.isInteger(n))) {
      diagnostics.push(diagnostic('InputShape', undefined, { name: hyper.name, loss: fn.name, problem: `expected ${hyper.elem === 'real' ? 'a number' : 'a whole number'}, got ${JSON.stringify(raw)}` }));
      continue;
    }
    if (hyper.domain && !insideDomain(n, hyper.domain)) {
      // As the module's own check would refuse it, but before anything runs, at the declaration.
      const span = fn.nodes[hyper.node]?.span;
      diagnostics.push(diagnostic('OptionOutsideDomain', span, { value: String(n), name: hyper.name, loss: fn.name, domain: hyper.domain.text }));
      continue;
    }
    hypers[hyper.name] = n;
  }
  return { tensors, elements, hypers, diagnostics };
}
