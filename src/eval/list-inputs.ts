// A list input's value as users write it (`lossc eval --inputs`, the playground): an array of
// elements, each a nested array or `{"shape": [...], "data": [...]}`, of one shape. Given
// whole as one nested array it is the same thing; elements of different shapes are named.

import type { IrInput } from '../ir/types.js';
import { toDense, type DenseValue } from './inputs.js';

/** The element's shape as written, `[B, C, ...]`. */
const elementText = (input: IrInput): string => `[${input.axes.slice(1).map((a) => a.dim).join(', ')}]`;

/** What is wrong with a list input's value as a whole (not an array, empty, the wrong length), or undefined. */
function listProblem(input: IrInput, value: unknown): string | undefined {
  const length = input.axes[0]!.dim;
  const element = elementText(input);
  if (!Array.isArray(value)) return `expected a list of tensors of shape ${element} (an array of nested arrays), but found ${value === null ? 'null' : typeof value}`;
  if (value.length === 0) return `the list is empty: it needs at least one tensor of shape ${element}`;
  if (/^\d+$/.test(length) && value.length !== Number(length)) return `expected a list of ${length} tensors, but found ${value.length}`;
  return undefined;
}

/** The elements of a list input stacked (shape [K, ...]), or the problem in words. */
export function listToDense(input: IrInput, value: unknown): DenseValue | string {
  const problem = listProblem(input, value);
  if (problem !== undefined || !Array.isArray(value)) return problem!;
  const element = elementText(input);
  const elements: DenseValue[] = [];
  for (const [k, item] of value.entries()) {
    const dense = toDense(item);
    if (typeof dense === 'string') return `element ${k}: ${dense}`;
    const first = elements[0];
    if (first && (first.shape.length !== dense.shape.length || first.shape.some((n, d) => n !== dense.shape[d]))) {
      return `element ${k} has shape [${dense.shape.join(', ')}], but element 0 has shape [${first.shape.join(', ')}]: the elements of a list have one shape ${element} (resize predictions made at several resolutions to one first)`;
    }
    elements.push(dense);
  }
  return { shape: [elements.length, ...elements[0]!.shape], data: elements.flatMap((e) => e.data) };
}

/**
 * The elements of a ragged list input (`list[K] of ragged [B, C, ...]`), each with its own
 * shape, or the problem in words (the loss itself checks their ranks and named dims).
 */
export function raggedToDense(input: IrInput, value: unknown): DenseValue[] | string {
  const problem = listProblem(input, value);
  if (problem !== undefined || !Array.isArray(value)) return problem!;
  const elements: DenseValue[] = [];
  for (const [k, item] of value.entries()) {
    const dense = toDense(item);
    if (typeof dense === 'string') return `element ${k}: ${dense}`;
    elements.push(dense);
  }
  return elements;
}
