// Named axes to tensor dims. At run time a node's tensor has the rest dims (`...`, if any)
// first, then one dim per named axis in the order of `node.type.axes`, wherever `...` stands
// there: an input declared `[B, C, ...]` is transposed so on the way in, and a result back to
// the order callers see (`restFirst`, `restInPlace`). Operands are lined up
// by name: transposed into the result's order, then reshaped with size-1 dims where they lack
// an axis (leading ones are left to tfjs's right-aligned broadcasting). Permutations are
// known when lowering; only the rest dims are known at run time.

import { REST, type Axis } from '../ir/types.js';
import { spread, type Interp } from './interp.js';

/** The axes physically present in an aligned tensor (size-1 ones included), in order. */
export interface Phys {
  readonly rest: boolean;
  readonly names: readonly string[];
}

export const isRest = (a: Axis): boolean => a.name === REST;
export const named = (axes: readonly Axis[]): Axis[] => axes.filter((a) => !isRest(a));
export const physOf = (axes: readonly Axis[]): Phys => ({ rest: axes.some(isRest), names: named(axes).map((a) => a.name) });

/** Sizes at run time: a dim's size, and the rest dims as a list (when the loss has them). */
export interface Sizes<V> {
  readonly dim: (dim: string) => V;
  readonly rest: () => V;
}

export class Layout<V> {
  constructor(
    private readonly I: Interp<V>,
    private readonly sizes: Sizes<V>,
  ) {}

  rest(): V {
    return this.sizes.rest();
  }

  dim(dim: string): V {
    return this.sizes.dim(dim);
  }

  /** Positions of the rest dims: [0, 1, …]. */
  restAxes(): V {
    return this.I.js('indices', this.rest());
  }

  /** How many elements the rest dims hold. */
  restSize(): V {
    return this.I.js('product', this.rest());
  }

  /** The full shape of a tensor laid out as `axes`. */
  shape(axes: readonly Axis[]): V {
    const I = this.I;
    return I.list([...(axes.some(isRest) ? [spread(this.rest())] : []), ...named(axes).map((a) => this.dim(a.dim))]);
  }

  /** The full shape of a tensor laid out as callers see `axes`: the rest dims where `...` stands. */
  declaredShape(axes: readonly Axis[]): V {
    const at = axes.findIndex(isRest);
    if (at <= 0) return this.shape(axes);
    const dims = named(axes).map((a) => this.dim(a.dim));
    return this.I.list([...dims.slice(0, at), spread(this.rest()), ...dims.slice(at)]);
  }

  /**
   * `x`, laid out as callers see `axes` (the rest dims where `...` stands: `[B, C, ...]`), with
   * its rest dims moved first, the layout inside: when `...` is not first, a reshape to three
   * dims [before, rest, after], a transpose of those, and a reshape back (tfjs transposes a
   * rank-3 tensor several times faster than a rank-5 one; the reshapes are free).
   */
  restFirst(x: V, axes: readonly Axis[]): V {
    const at = axes.findIndex(isRest);
    if (at <= 0) return x;
    return this.I.tf('reshape', this.swapGroups(x, this.product(named(axes).slice(0, at)), this.restSize(), named(axes).slice(at)), this.shape(axes));
  }

  /** The inverse of `restFirst`: `x`, laid out inside (rest dims first), as callers see `axes`. */
  restInPlace(x: V, axes: readonly Axis[]): V {
    const at = axes.findIndex(isRest);
    if (at <= 0) return x;
    return this.I.tf('reshape', this.swapGroups(x, this.restSize(), this.product(named(axes).slice(0, at)), named(axes).slice(at)), this.declaredShape(axes));
  }

  /** `x` seen as [first, second, the dims of `after`], with its first two groups swapped. */
  private swapGroups(x: V, first: V, second: V, after: readonly Axis[]): V {
    const I = this.I;
    const three = I.tf('reshape', x, I.list([first, second, this.product(after)]));
    return I.tf('transpose', three, I.list([I.num(1), I.num(0), I.num(2)]));
  }

  /** How many elements the dims of `axes` (named ones) hold. */
  private product(axes: readonly Axis[]): V {
    const dims = axes.map((a) => this.dim(a.dim));
    return dims.length === 0 ? this.I.num(1) : dims.reduce((acc, d) => this.I.js('mul', acc, d));
  }

  /**
   * `x` (laid out as `phys`) with its rest dims merged into one, when a reduction removes them
   * and keeps some named axis, and the axis argument for that: tfjs reduces over leading axes
   * by transposing them last, several times faster at rank 3 than at rank 5. Undefined otherwise.
   */
  restMerged(x: V, phys: Phys, removed: readonly string[], dims: readonly string[]): { v: V; positions: V } | undefined {
    if (!phys.rest || !removed.includes(REST) || phys.names.every((n) => removed.includes(n))) return undefined;
    const I = this.I;
    const merged = I.tf('reshape', x, I.list([this.restSize(), ...dims.map((d) => this.dim(d))]));
    const hit = phys.names.flatMap((name, k) => (removed.includes(name) ? [k + 1] : []));
    return { v: merged, positions: I.list([I.num(0), ...hit.map((k) => I.num(k))]) };
  }

  /** Axis argument for a reduction over `removed` of a tensor laid out as `phys`; undefined = all. */
  positions(phys: Phys, removed: readonly string[]): V | undefined {
    const I = this.I;
    const n = phys.names.length;
    const hit = phys.names.flatMap((name, k) => (removed.includes(name) ? [phys.rest ? -(n - k) : k] : []));
    const restHit = phys.rest && removed.includes(REST);
    if (hit.length === n && (restHit || !phys.rest)) return undefined;
    if (restHit) return hit.length === 0 ? this.restAxes() : I.list([spread(this.restAxes()), ...hit.map((k) => I.num(k))]);
    return hit.length === 1 ? I.num(hit[0]!) : I.list(hit.map((k) => I.num(k)));
  }

  /** Brings `x` (laid out as `from`) into the layout `to`, a superset of `from` by name. */
  align(x: V, from: readonly Axis[], to: readonly Axis[]): { v: V; phys: Phys } {
    const I = this.I;
    const fromNamed = named(from);
    const toNamed = named(to);
    const hasRest = from.some(isRest);
    if (!hasRest && fromNamed.length === 0) return { v: x, phys: { rest: false, names: [] } };
    const order = toNamed.map((a) => fromNamed.findIndex((f) => f.name === a.name)).filter((i) => i >= 0);
    if (order.length !== fromNamed.length) {
      throw new Error(`internal: cannot align [${from.map((a) => a.name)}] to [${to.map((a) => a.name)}]`);
    }
    let out = x;
    if (order.some((o, i) => o !== i)) {
      const restLength = (): V => I.get(this.rest(), 'length');
      const perm = hasRest
        ? I.list([spread(this.restAxes()), ...order.map((o) => (o === 0 ? restLength() : I.js('add', restLength(), I.num(o))))])
        : I.list(order.map((o) => I.num(o)));
      out = I.tf('transpose', out, perm);
    }
    const present = toNamed.map((a) => fromNamed.find((f) => f.name === a.name));
    // Without the rest axis, missing leading axes are left to right-aligned broadcasting.
    let start = 0;
    if (!hasRest) while (start < present.length && !present[start]) start++;
    const kept = present.slice(start);
    if (kept.some((p) => !p)) {
      const dims = kept.map((p) => (p ? this.dim(p.dim) : I.num(1)));
      out = I.tf('reshape', out, I.list([...(hasRest ? [spread(this.rest())] : []), ...dims]));
    }
    return { v: out, phys: { rest: hasRest, names: toNamed.slice(start).map((a) => a.name) } };
  }

  /** Whether `axes` lacks some axis of `to` (it is the same along them). */
  partial(axes: readonly Axis[], to: readonly Axis[]): boolean {
    return axes.length !== to.length || axes.some(isRest) !== to.some(isRest);
  }
}
