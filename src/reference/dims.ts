import { unionShapeIsIndices } from '../ir/class-indices.js';
import type { IrFunction, IrNode } from '../ir/types.js';
import { REST } from '../ir/types.js';

/** Sizes of every dimension of a loss, read from the shapes of its actual inputs. */
export interface ResolvedDims {
  readonly sizes: ReadonlyMap<string, number>;
  /** The dims that `...` stands for (empty when the loss has no rest axis). */
  readonly rest: readonly number[];
}

export class ShapeError extends Error {}

/**
 * Checks every input's rank and makes each named dimension agree across inputs; the message
 * names the loss, the input and the dimension, and which input fixed the size first.
 */
export function resolveDims(fn: IrFunction, shapes: Readonly<Record<string, readonly number[]>>): ResolvedDims {
  const sizes = new Map<string, number>();
  const fixedBy = new Map<string, string>();
  let rest: readonly number[] | undefined;
  let restFrom = '';
  for (const input of fn.inputs) {
    const shape = shapes[input.name];
    if (!shape && input.default !== undefined) continue; // filled from the dims of the others
    if (!shape) throw new ShapeError(`${fn.name}: input '${input.name}' is missing`);
    // A union input given as class indices fixes no dim (others do): evaluate.ts checks it.
    if (unionShapeIsIndices(fn, input, shapes)) continue;
    // `[B, C, ...]`: the dims before `...` are the first ones of the shape, those after it the last.
    const restAt = input.axes.findIndex((a) => a.name === REST);
    const hasRest = restAt >= 0;
    const named = input.axes.filter((a) => a.name !== REST);
    const before = hasRest ? restAt : named.length;
    const expected = `[${input.axes.map((a) => a.dim).join(', ')}]`;
    if (hasRest ? shape.length < named.length : shape.length !== named.length) {
      throw new ShapeError(
        `${fn.name}: input '${input.name}' should have ${hasRest ? 'at least ' : ''}${named.length} dimension${named.length === 1 ? '' : 's'} ${expected}, but has shape [${shape.join(', ')}]`,
      );
    }
    const restCount = shape.length - named.length;
    if (hasRest) {
      const mine = shape.slice(before, before + restCount);
      if (rest === undefined) {
        rest = mine;
        restFrom = input.name;
      } else if (mine.length !== rest.length || mine.some((s, i) => s !== rest![i])) {
        throw new ShapeError(
          `${fn.name}: the ${restAt === 0 ? 'leading ' : ''}'...' dimensions of '${input.name}' are [${mine.join(', ')}] but those of '${restFrom}' are [${rest.join(', ')}]`,
        );
      }
    }
    named.forEach((axis, i) => {
      const size = shape[i < before ? i : restCount + i]!;
      const known = sizes.get(axis.dim);
      if (known === undefined) {
        sizes.set(axis.dim, size);
        fixedBy.set(axis.dim, input.name);
      } else if (known !== size) {
        throw new ShapeError(
          `${fn.name}: dimension ${axis.dim} of input '${input.name}' is ${size}, but it is ${known} in '${fixedBy.get(axis.dim)}' (shape ${expected})`,
        );
      }
    });
  }
  for (const source of fn.dims) {
    if ('size' in source) {
      const known = sizes.get(source.dim);
      if (known !== undefined && known !== source.size) {
        throw new ShapeError(`${fn.name}: dimension ${source.dim} must be ${source.size}, but '${fixedBy.get(source.dim)}' gives ${known}`);
      }
      sizes.set(source.dim, source.size);
    }
  }
  for (const source of fn.dims) {
    if (!('product' in source)) continue;
    const product = source.product.reduce((p, d) => p * (d === REST ? (rest ?? []).reduce((a, b) => a * b, 1) : sizes.get(d) ?? Number(d)), 1);
    const known = sizes.get(source.dim);
    if (known !== undefined && known !== product) throw new ShapeError(`${fn.name}: dimension ${source.dim} is ${source.product.join('·')} = ${product}, but '${fixedBy.get(source.dim)}' gives ${known}`);
    sizes.set(source.dim, product);
  }
  return { sizes, rest: rest ?? [] };
}

/**
 * The dims of one layer of a loss with function parameters: those of the inputs, plus the
 * result dims read from what each call returned (`shapes[j]` for `calls[j]`), which must agree.
 */
export function layerDims(fn: IrFunction, calls: readonly IrNode[], shapes: readonly (readonly number[])[], base: ResolvedDims): ResolvedDims {
  const sizes = new Map(base.sizes);
  calls.forEach((node, j) => {
    const shape = shapes[j]!;
    const expected = `[${node.type.axes.map((a) => a.dim).join(', ')}]`;
    if (shape.length !== node.type.axes.length) throw new ShapeError(`${fn.name}: '${node.attrs.name}' returned a tensor of shape [${shape.join(', ')}], not ${expected}`);
    node.type.axes.forEach((a, i) => {
      const known = sizes.get(a.dim);
      if (known === undefined) sizes.set(a.dim, shape[i]!);
      else if (known !== shape[i]) throw new ShapeError(`${fn.name}: dimension ${a.dim} of what '${node.attrs.name}' returned is ${shape[i]}, but it is ${known} elsewhere`);
    });
  });
  return { sizes, rest: base.rest };
}

/** The full shape an input has under resolved dims: what an optional input is filled to. */
export function declaredShape(fn: IrFunction, input: IrFunction['inputs'][number], dims: ResolvedDims): number[] {
  return input.axes.flatMap((a) => {
    if (a.name === REST) return [...dims.rest];
    const size = dims.sizes.get(a.dim);
    if (size === undefined) throw new ShapeError(`${fn.name}: no input gives the size of dimension ${a.dim} of '${input.name}'`);
    return [size];
  });
}
