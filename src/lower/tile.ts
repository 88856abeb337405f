// A tiled loss (src/ir/tile.ts): the outer mean or sum computed one block of rows at a time,
// inside one tf.customGrad, so that peak memory is one block's values rather than the whole
// pairwise computation's. What the blocks read that does not depend on their rows (the
// normalised embeddings, column-side norms, the full values entries slice) is computed once
// per pass, before the blocks. The forward sums each block's terms inside tf.tidy and keeps
// nothing else. The backward loops again: each block's gradient with respect to what it is
// given comes from the compiler's derived backward pass of the block (tile-grad.ts, with the
// untiled loss's conventions at guarded points), summed over the blocks (a slice's gradient
// placed at its rows), then carried back through the values computed once to the inputs, and
// scaled by dy / count. Every other op is the ordinary lowering of the programs (body.ts).

import type { Axis, IrFunction, NodeId } from '../ir/types.js';
import type { TilePlan } from '../ir/tile.js';
import { lowerNodes, type BodyContext } from './body.js';
import { Layout } from './layout.js';
import { tileBackward, type BlockWrt } from './tile-grad.js';

/**
 * Elements of one block's largest value: 16 MB of float32. A block's tf.tidy holds all its
 * values until it ends, and its backward the values tfjs saves (a dozen or more of the
 * largest size for info_nce), so peak memory is some tens of times this.
 */
export const BLOCK_BUDGET_ELEMENTS = 4 * 1024 * 1024;

/** The full size of the row axis. */
export function rowCount<V>(ctx: BodyContext<V>, plan: TilePlan): V {
  return ctx.layout.dim(plan.axis.dim);
}

/**
 * Rows per block: the `blockRows` option (a whole number ≥ 1), or as many rows as keep the
 * block's largest value under the budget (at least one).
 */
export function blockRowsOf<V>(ctx: BodyContext<V>, plan: TilePlan, options: V): V {
  const { I } = ctx;
  const given = I.let('blockRowsOption', I.get(options, 'blockRows'));
  const bad = I.and(I.js('ne', given, I.undef()), () => I.or(I.js('not', I.js('isInteger', given)), () => I.js('lt', given, I.num(1))));
  I.throwIf(bad, 'RangeError', () => [`${ctx.fn.name}: option blockRows must be a whole number of at least 1, not `, I.js('string', given)]);
  const sizes = plan.perRow.map((dims) => dims.reduce<V>((acc, d) => I.js('mul', acc, ctx.layout.dim(d)), I.num(1)));
  const perRow = sizes.slice(1).reduce((acc, s) => I.js('max', acc, s), sizes[0] ?? I.num(1));
  const auto = (): V => I.js('max', I.num(1), I.js('floorDiv', I.num(BLOCK_BUDGET_ELEMENTS), I.js('max', perRow, I.num(1))));
  return I.let('blockRows', I.js('orElse', given, auto()));
}

/** What every walk over the blocks shares: the sizes, the values computed once, each block's scope. */
export interface TileScope<V> {
  /** The full size of the row axis. */
  readonly rows: V;
  /** The number of blocks. */
  readonly blocks: V;
  /** The values computed once, from `inputs` (full copies of cut inputs given whole). */
  readonly computeOnce: (inputs: ReadonlyMap<NodeId, V>) => Map<NodeId, V>;
  /** Block k's row range, layout, and given values: the values computed once, the entries' rows. */
  readonly blockScope: (once: ReadonlyMap<NodeId, V>, k: V) => { start: V; size: V; layout: Layout<V>; given: Map<NodeId, V> };
}

/** The position of the row axis among `axes` (-1 when they lack it). */
export function rowAxisIn(plan: TilePlan, axes: readonly Axis[]): number {
  return axes.findIndex((a) => a.name === plan.axis.name);
}

export function tileScope<V>(ctx: BodyContext<V>, plan: TilePlan, blockRows: V): TileScope<V> {
  const { I } = ctx;
  const rows = I.once('rows', rowCount(ctx, plan));
  const blocks = I.let('blocks', I.js('ceilDiv', rows, blockRows));
  const at = (axes: readonly Axis[]): number => rowAxisIn(plan, axes);
  const wholeInputs = (inputs: ReadonlyMap<NodeId, V>): Map<NodeId, V> => new Map([...plan.inputCopies].map(([copy, input]) => [copy, inputs.get(input)!] as const));

  const computeOnce = (inputs: ReadonlyMap<NodeId, V>): Map<NodeId, V> => {
    // Each intermediate freed after its last use: a pass holds these values to its end.
    const once = lowerNodes({ ...ctx, fn: { ...plan.block, nodes: [...plan.once.nodes] }, inputs, untaped: true, names: new Map(), given: wholeInputs(inputs), disposeDead: true, tidyEach: true }, plan.once.at);
    return new Map(plan.once.values.map((id, k) => [id, once.val(plan.once.at[k]!).read()] as const));
  };

  const blockScope = (once: ReadonlyMap<NodeId, V>, k: V): { start: V; size: V; layout: Layout<V>; given: Map<NodeId, V> } => {
    const start = I.let('start', I.js('mul', k, blockRows));
    const size = I.let('blockSize', I.js('min', blockRows, I.js('sub', rows, start)));
    const layout = new Layout(I, { dim: (d) => (d === plan.blockDim ? size : ctx.layout.dim(d)), rest: () => ctx.layout.rest() });
    const given = new Map(once);
    for (const e of plan.entries) {
      if (e.iota) {
        given.set(e.id, I.let('rowPositions', I.tf('range', start, I.js('add', start, size), I.num(1), I.str('int32')), { dropIfUnused: true }));
        continue;
      }
      const begin = I.list(e.axes.map((_, p) => (p === at(e.axes) ? start : I.num(0))));
      const extent = I.list(e.axes.map((_, p) => (p === at(e.axes) ? size : I.num(-1))));
      // Left out of the generated code when the program lowered here does not read these rows.
      given.set(e.id, I.let('rowsOf', I.tf('slice', once.get(e.full!)!, begin, extent), { dropIfUnused: true }));
    }
    return { start, size, layout, given };
  };
  return { rows, blocks, computeOnce, blockScope };
}

/** The tiled loss: a scalar tensor, differentiable with respect to the real inputs. */
export function tiledLoss<V>(ctx: BodyContext<V>, plan: TilePlan, blockRows: V, shape: (input: IrFunction['inputs'][number]) => V): V {
  const { I, fn } = ctx;
  const real = fn.inputs.filter((i) => i.elem === 'real');
  const others = fn.inputs.filter((i) => i.elem !== 'real');
  const backward = tileBackward(fn, plan);
  const { rows, blocks, computeOnce, blockScope } = tileScope(ctx, plan, blockRows);
  const at = (axes: readonly Axis[]): number => rowAxisIn(plan, axes);
  // A mean without a mask divides by the count of its terms, known from the sizes.
  const fullCount = (): V => plan.reduced.reduce<V>((acc, a) => I.js('mul', acc, ctx.layout.dim(a.dim === plan.blockDim ? plan.axis.dim : a.dim)), I.num(1));
  const wholeInputs = (inputs: ReadonlyMap<NodeId, V>): Map<NodeId, V> => new Map([...plan.inputCopies].map(([copy, input]) => [copy, inputs.get(input)!] as const));

  /** One block's numerator (and its count of selected terms, when masked). */
  const block = (inputs: ReadonlyMap<NodeId, V>, once: ReadonlyMap<NodeId, V>, k: V): { num: V; count?: V } => {
    const { layout, given } = blockScope(once, k);
    // Each value in its own tf.tidy and freed after its last use: the block's tidy would hold
    // every intermediate (and their temporaries) to its end.
    const nodes = lowerNodes({ ...ctx, fn: plan.block, layout, inputs, untaped: true, names: new Map(), given, disposeDead: true, tidyEach: true }, [plan.block.output, ...(plan.mask !== undefined ? [plan.mask] : [])]);
    const num = nodes.val(plan.block.output).read('real');
    if (plan.mask === undefined) return { num };
    // Terms selected: the mask's ones, times the sizes of the reduced axes it lacks.
    const mask = nodes.val(plan.mask);
    const missing = plan.reduced.filter((a) => !mask.axes.some((m) => m.name === a.name));
    const times = missing.reduce<V>((acc, a) => I.js('mul', acc, layout.dim(a.dim)), I.num(1));
    return { num, count: I.tf('mul', I.tf('sum', mask.read('real')), I.tf('scalar', times)) };
  };

  const forward = I.arrow([{ name: 'args', type: '(tf.Tensor | tf.GradSaveFunc)[]', rest: true }], ([args]) => {
    const bound = I.destructure(args!, [...real.map((i) => I.nameOf(ctx.inputs.get(i.node)!) ?? i.name), 'save'], [...real.map(() => 'tf.Tensor'), 'tf.GradSaveFunc']);
    const inputs = new Map(ctx.inputs);
    real.forEach((i, k) => inputs.set(i.node, bound[k]!));
    I.comment('What every block reads that does not depend on its rows, computed once.');
    const once = computeOnce(inputs);
    I.comment(`Σ over blocks of rows ${plan.axis.name} of the block's terms; nothing of a block is kept.`);
    const totals = I.fold(
      blocks,
      'totals',
      I.list([I.tf('scalar', I.num(0)), I.tf('scalar', I.num(0))]),
      (k, acc) => {
        const next = I.let(
          'next',
          I.tf(
            'tidy',
            I.arrow(
              [],
              () => {
                const { num, count } = block(inputs, once, k);
                return I.list([I.tf('add', I.at(acc, 0), num), count !== undefined ? I.tf('add', I.at(acc, 1), count) : I.tf('clone', I.at(acc, 1))]);
              },
              { returnType: 'tf.Tensor[]' },
            ),
          ),
        );
        I.stmt(I.tf('dispose', acc));
        return next;
      },
      'tf.Tensor[]',
    );
    const num = I.let('numerator', I.at(totals, 0));
    const count = plan.kind === 'sum' ? I.tf('scalar', I.num(1)) : plan.mask !== undefined ? I.at(totals, 1) : I.tf('scalar', fullCount());
    const counted = I.let('count', count);
    const kept = [...real.map((_, k) => bound[k]!), ...others.map((i) => inputs.get(i.node)!), counted];
    I.stmt(I.call(bound[real.length]!, I.list(kept)));
    // A masked mean that selects nothing is its empty value, with gradient 0.
    const none = I.let('noTerms', I.tf('equal', counted, I.tf('scalar', I.num(0))));
    const value = I.tf('where', none, I.tf('fill', I.list([]), I.num(plan.empty)), I.tf('div', num, I.tf('where', none, I.tf('onesLike', counted), counted)));

    const gradFunc = I.arrow(
      [
        { name: 'dy', type: 'tf.Tensor' },
        { name: 'saved', type: 'tf.Tensor[]' },
      ],
      ([dy, saved]) =>
        I.tf(
          'tidy',
          I.arrow([], () => {
            const restored = new Map(ctx.inputs);
            // Left out of the generated code when nothing reads them (a mask only the count used).
            real.forEach((i, k) => restored.set(i.node, I.let(I.nameOf(bound[k]!) ?? i.name, I.at(saved!, k), { shadow: true, dropIfUnused: true })));
            others.forEach((i, k) => restored.set(i.node, I.let(I.nameOf(ctx.inputs.get(i.node)!) ?? i.name, I.at(saved!, real.length + k), { shadow: true, dropIfUnused: true })));
            const total = I.let('count', I.at(saved!, real.length + others.length), { shadow: true });
            const once = computeOnce(restored);
            // One sum per value the blocks are differentiated with respect to (the rows of a
            // value computed once add into that value's).
            const shared = backward.wrt.filter((w) => backward.blockPass.grads.some((g) => g.input === w.name));
            const slots: BlockWrt[] = [];
            for (const w of shared) {
              const own = w.kind === 'entry' ? { ...w, kind: 'once' as const, node: w.full!, axes: plan.once.nodes[w.full!]!.type.axes } : w;
              if (!slots.some((s) => s.kind === own.kind && s.node === own.node)) slots.push(own);
            }
            const slotOf = (w: BlockWrt): number => slots.findIndex((s) => (w.kind === 'input' ? s.kind === 'input' && s.node === w.node : s.kind === 'once' && s.node === (w.kind === 'entry' ? w.full : w.node)));
            const zerosOf = (w: BlockWrt): V => I.tf('zerosLike', w.kind === 'input' ? restored.get(w.node)! : once.get(w.node)!);
            I.comment("Each block again, and its backward pass (the compiler's), summed over the blocks.");
            const sums = I.fold(
              blocks,
              'gradSums',
              I.list(slots.map(zerosOf)),
              (k, acc) => {
                const next = I.let(
                  'next',
                  I.tf(
                    'tidy',
                    I.arrow(
                      [],
                      () => {
                        const { start, size, layout, given: blockGiven } = blockScope(once, k);
                        // The optimized block program numbers its nodes its own way: its inputs by name.
                        const program = backward.block;
                        const idOf = (name: string): NodeId => program.inputs.find((x) => x.name === name)!.node;
                        const given = new Map<NodeId, V>([[backward.blockPass.seed, I.let('seed', I.tf('scalar', I.num(1)))]]);
                        const inputs = new Map<NodeId, V>();
                        for (const x of fn.inputs) if (program.inputs.some((p) => p.name === x.name)) inputs.set(idOf(x.name), restored.get(x.node)!);
                        for (const id of plan.once.values) if (program.inputs.some((p) => p.name === `%once${id}`)) given.set(idOf(`%once${id}`), blockGiven.get(id)!);
                        for (const e of plan.entries) given.set(idOf(`%rows${e.id}`), blockGiven.get(e.id)!);
                        const hypers = new Map(program.hypers.map((h, j) => [h.node, ctx.hypers.get(fn.hypers[j]!.node)!] as const));
                        const nodes = lowerNodes({ ...ctx, fn: program, layout, inputs, hypers, untaped: true, names: new Map(), given, disposeDead: true, tidyEach: true }, backward.blockPass.grads.map((g) => g.node));
                        const added = slots.map((_, j) => I.at(acc, j) as V);
                        for (const share of backward.blockPass.grads) {
                          const w = backward.wrt.find((x) => x.name === share.input)!;
                          const g = nodes.expand(share.node, w.axes);
                          const j = slotOf(w);
                          if (w.kind !== 'entry') {
                            added[j] = I.tf('add', added[j]!, g);
                            continue;
                          }
                          // The rows' gradient in place in the full value's: zeros above and below.
                          const full = plan.once.nodes[w.full!]!.type.axes;
                          const p = at(full);
                          // tf.fill, a kernel: tf.zeros fills in JavaScript and uploads.
                          const zeros = (extent: V): V => I.tf('fill', I.list(full.map((a, q) => (q === p ? extent : ctx.layout.dim(a.dim)))), I.num(0));
                          const placed = I.tf('concat', I.list([zeros(start), g, zeros(I.js('sub', rows, I.js('add', start, size)))]), I.num(p));
                          added[j] = I.tf('add', added[j]!, placed);
                        }
                        return I.list(added);
                      },
                      { returnType: 'tf.Tensor[]' },
                    ),
                  ),
                );
                I.stmt(I.tf('dispose', acc));
                return next;
              },
              'tf.Tensor[]',
            );
            // Through the values computed once, back to the loss's inputs.
            const grads = new Map<string, V>();
            slots.forEach((w, j) => {
              if (w.kind === 'input') grads.set(w.name, I.at(sums, j));
            });
            const onceBackward = backward.once;
            if (onceBackward) {
              const given = new Map([...wholeInputs(restored), ...plan.once.values.map((id, j) => [plan.once.at[j]!, once.get(id)!] as const), [onceBackward.pass.seed, I.let('seed', I.tf('scalar', I.num(1)))] as const]);
              for (const [id, seed] of onceBackward.seeds) {
                const j = slots.findIndex((s) => s.kind !== 'input' && s.node === id);
                given.set(seed, j < 0 ? I.tf('zerosLike', once.get(id)!) : I.at(sums, j));
              }
              const nodes = lowerNodes({ ...ctx, fn: onceBackward.fn, inputs: restored, untaped: true, names: new Map(), given, disposeDead: true, tidyEach: true }, onceBackward.pass.grads.map((g) => g.node));
              for (const share of onceBackward.pass.grads) {
                const input = real.find((i) => i.name === share.input)!;
                const g = nodes.expand(share.node, input.axes);
                const before = grads.get(input.name);
                grads.set(input.name, before === undefined ? g : I.tf('add', before, g));
              }
            }
            const noTerms = I.let('noTerms', I.tf('equal', total, I.tf('scalar', I.num(0))));
            const scale = I.let('scale', I.tf('where', noTerms, I.tf('zerosLike', total), I.tf('div', dy!, I.tf('where', noTerms, I.tf('onesLike', total), total))));
            return I.list(real.map((i) => {
              const g = grads.get(i.name);
              return g === undefined ? I.tf('fill', shape(i), I.num(0)) : I.tf('mul', g, scale);
            }));
          }),
        ),
      { returnType: 'tf.Tensor[]' },
    );
    return I.obj([
      ['value', value],
      ['gradFunc', gradFunc],
    ]);
  });
  return I.call(I.tf('customGrad', forward), ...real.map((i) => ctx.inputs.get(i.node)!));
}
