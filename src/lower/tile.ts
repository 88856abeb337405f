// A tiled loss (src/ir/tile.ts): the outer mean or sum computed one block of rows at a time,
// inside one tf.customGrad, so that peak memory is one block's values rather than the whole
// pairwise computation's. The forward sums each block's terms inside tf.tidy and keeps
// nothing else. The backward loops again: it recomputes each block and takes its gradient
// with respect to the full inputs by tfjs's autodiff of the block (tf.grads), accumulated
// and scaled by dy / count. Slices (tf.slice) carry the gradient back to the full inputs;
// every other op is the ordinary lowering of the block form (body.ts).

import type { IrFunction, NodeId } from '../ir/types.js';
import type { TilePlan } from '../ir/tile.js';
import { reachable } from '../ir/walk.js';
import { lowerNodes, type BodyContext } from './body.js';
import type { Interp } from './interp.js';
import { Layout } from './layout.js';

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

/**
 * Real inputs the block's numerator reads (the others get zero gradients): through the block
 * form's own nodes, and through the full values its entries slice (an entry is an input node
 * of the block form: what it is cut from is reached only from the entry's `full`).
 */
function realInputsRead(fn: IrFunction, plan: TilePlan): Set<string> {
  const fulls = plan.entries.flatMap((e) => (e.full !== undefined ? [e.full] : []));
  const live = reachable(plan.block.nodes, [plan.block.output, ...fulls]);
  for (const [copy, input] of plan.inputCopies) if (live.has(copy)) live.add(input);
  return new Set(fn.inputs.filter((i) => i.elem === 'real' && live.has(i.node)).map((i) => i.name));
}

/** The tiled loss: a scalar tensor, differentiable with respect to the real inputs. */
export function tiledLoss<V>(ctx: BodyContext<V>, plan: TilePlan, blockRows: V, shape: (input: IrFunction['inputs'][number]) => V): V {
  const { I, fn } = ctx;
  const real = fn.inputs.filter((i) => i.elem === 'real');
  const others = fn.inputs.filter((i) => i.elem !== 'real');
  const read = realInputsRead(fn, plan);
  const rows = I.once('rows', rowCount(ctx, plan));
  const blocks = I.let('blocks', I.js('ceilDiv', rows, blockRows));
  // A mean without a mask divides by the count of its terms, known from the sizes.
  const fullCount = (): V => plan.reduced.reduce<V>((acc, a) => I.js('mul', acc, ctx.layout.dim(a.dim === plan.blockDim ? plan.axis.dim : a.dim)), I.num(1));

  /** One block's numerator (and its count of selected terms, when masked), from `inputs`. */
  const block = (inputs: ReadonlyMap<NodeId, V>, k: V, taped: boolean): { num: V; count?: V } => {
    const start = I.let('start', I.js('mul', k, blockRows));
    const size = I.let('blockSize', I.js('min', blockRows, I.js('sub', rows, start)));
    const layout = new Layout(I, { dim: (d) => (d === plan.blockDim ? size : ctx.layout.dim(d)), rest: () => ctx.layout.rest() });
    const bctx: BodyContext<V> = { ...ctx, fn: plan.block, layout, inputs, ...(taped ? {} : { untaped: true }), names: new Map() };
    const fulls = plan.entries.flatMap((e) => (e.full !== undefined ? [e.full] : []));
    const wholeInputs = new Map([...plan.inputCopies].map(([copy, input]) => [copy, inputs.get(input)!] as const));
    const whole = fulls.length > 0 ? lowerNodes({ ...bctx, given: wholeInputs }, fulls) : undefined;
    const given = new Map<NodeId, V>();
    for (const e of plan.entries) {
      if (e.iota) {
        given.set(e.id, I.let('rowPositions', I.tf('range', start, I.js('add', start, size), I.num(1), I.str('int32'))));
        continue;
      }
      const at = e.axes.findIndex((a) => a.name === plan.axis.name);
      const begin = I.list(e.axes.map((_, p) => (p === at ? start : I.num(0))));
      const extent = I.list(e.axes.map((_, p) => (p === at ? size : I.num(-1))));
      given.set(e.id, I.let('rowsOf', I.tf('slice', whole!.val(e.full!).read(), begin, extent)));
    }
    const nodes = lowerNodes({ ...bctx, given: new Map([...wholeInputs, ...given]) }, [plan.block.output, ...(plan.mask !== undefined && !taped ? [plan.mask] : [])]);
    const num = nodes.val(plan.block.output).read('real');
    if (plan.mask === undefined || taped) return { num };
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
                const { num, count } = block(inputs, k, false);
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
            // Left out of the generated code when no block reads them (a mask only the count used).
            real.forEach((i, k) => restored.set(i.node, I.let(I.nameOf(bound[k]!) ?? i.name, I.at(saved!, k), { shadow: true, dropIfUnused: true })));
            others.forEach((i, k) => restored.set(i.node, I.let(I.nameOf(ctx.inputs.get(i.node)!) ?? i.name, I.at(saved!, real.length + k), { shadow: true, dropIfUnused: true })));
            const total = I.let('count', I.at(saved!, real.length + others.length), { shadow: true });
            const wrt = real.filter((i) => read.has(i.name));
            I.comment('Each block again, differentiated by tfjs (tf.grads) with respect to the full inputs, summed.');
            const sums = I.fold(
              blocks,
              'gradSums',
              I.list(wrt.map((i) => I.tf('zerosLike', restored.get(i.node)!))),
              (k, acc) => {
                const next = I.let(
                  'next',
                  I.tf(
                    'tidy',
                    I.arrow(
                      [],
                      () => {
                        const f = I.arrow(
                          wrt.map((i) => ({ name: i.name, type: 'tf.Tensor' })),
                          (xs) => {
                            const inputs = new Map(restored);
                            wrt.forEach((i, j) => inputs.set(i.node, xs[j]!));
                            return block(inputs, k, true).num;
                          },
                          { returnType: 'tf.Tensor' },
                        );
                        const g = I.let('blockGrads', I.js('gradsInBackward', f, I.list(wrt.map((i) => restored.get(i.node)!))));
                        return I.list(wrt.map((_, j) => I.tf('add', I.at(acc, j), I.at(g, j))));
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
            const noTerms = I.let('noTerms', I.tf('equal', total, I.tf('scalar', I.num(0))));
            const scale = I.let('scale', I.tf('where', noTerms, I.tf('zerosLike', total), I.tf('div', dy!, I.tf('where', noTerms, I.tf('onesLike', total), total))));
            return I.list(real.map((i) => (read.has(i.name) ? I.tf('mul', I.at(sums, wrt.indexOf(i)), scale) : I.tf('fill', shape(i), I.num(0)))));
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
