// The memory plan's engine (src/grad/saved.ts) on every stdlib loss's derived backward passes:
// what it recomputes is in the RECOMPUTE table, what the backward reads is saved, recomputed
// or rebuilt (constants, positions, sizes, hyperparameters), a recomputed value's operands are
// themselves at hand, and every value it saves instead of a recomputed one is strictly
// smaller than that one or an input the caller passed (no copy).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { differentiate } from '../src/grad/index.js';
import { memoryPlan, RECOMPUTE } from '../src/grad/saved.js';
import type { IrBackward, IrFunction, NodeId } from '../src/ir/types.js';
import { reachable } from '../src/ir/walk.js';

const losses: IrFunction[] = readdirSync('stdlib')
  .filter((f) => f.endsWith('.loss'))
  .flatMap((f) => check(readFileSync(`stdlib/${f}`, 'utf8'), `stdlib/${f}`, { host: fsHost, stability: false }).losses);

/** Exponents of the dims in a node's element count. */
const dims = (fn: IrFunction, id: NodeId): Map<string, number> => {
  const m = new Map<string, number>();
  for (const a of fn.nodes[id]!.type.axes) m.set(a.dim, (m.get(a.dim) ?? 0) + 1);
  return m;
};
const degree = (m: Map<string, number>): number => [...m.values()].reduce((s, e) => s + e, 0);
const divides = (a: Map<string, number>, b: Map<string, number>): boolean => [...a].every(([d, e]) => (b.get(d) ?? 0) >= e);

const passes = losses.flatMap((loss) => {
  const fn = differentiate(loss, { optimize: true }).fn;
  if (!fn?.gradients) return [];
  const g = fn.gradients;
  return [['output', g.output] as const, ...(g.perSample ? [['perSample', g.perSample] as const] : [])].map(([name, pass]) => ({ name: `${loss.name} ${name}`, fn, pass: pass as IrBackward }));
});

describe('the memory plan on every stdlib loss', () => {
  it('covers the stdlib', () => {
    expect(passes.length).toBeGreaterThan(40);
    // Some losses recompute something (the pairwise ones at least).
    expect(passes.filter((p) => memoryPlan(p.fn, p.pass).recomputed.length > 0).length).toBeGreaterThan(5);
  });

  it.each(passes.map((p) => [p.name, p] as const))('%s', (_, { fn, pass }) => {
    const plan = memoryPlan(fn, pass);
    const saved = new Set(plan.saved);
    const recomputed = new Set(plan.recomputed);
    const hypers = new Set(fn.hypers.map((h) => h.node));
    const rebuilt = (id: NodeId): boolean => ['const', 'iota', 'size'].includes(fn.nodes[id]!.op) || hypers.has(id);
    const forward = reachable(fn.nodes, [pass.root]);
    // Nothing is both saved and recomputed; everything recomputed is in the table.
    for (const id of recomputed) {
      expect(saved.has(id), `%${id}`).toBe(false);
      expect(RECOMPUTE[fn.nodes[id]!.op], `%${id} ${fn.nodes[id]!.op}`).toBeDefined();
      // Its operands are at hand in the backward pass.
      for (const a of fn.nodes[id]!.args) expect(saved.has(a) || recomputed.has(a) || rebuilt(a), `%${id}'s operand %${a}`).toBe(true);
    }
    // Every forward value the backward reads is at hand.
    const backward = reachable(fn.nodes, pass.grads.map((s) => s.node), forward);
    for (const id of backward) {
      for (const a of fn.nodes[id]!.args) if (forward.has(a)) expect(saved.has(a) || recomputed.has(a) || rebuilt(a), `%${a}, read by %${id}`).toBe(true);
    }
    // Each value saved that the backward does not read is there for a recomputed one: strictly
    // smaller than some recomputed value that reads it, or an input.
    const read = new Set(plan.read);
    for (const id of plan.saved) {
      if (read.has(id) || fn.nodes[id]!.op === 'input') continue;
      const users = plan.recomputed.filter((r) => divides(dims(fn, id), dims(fn, r)) && degree(dims(fn, id)) < degree(dims(fn, r)));
      expect(users.length, `%${id} saved for a recomputed value`).toBeGreaterThan(0);
    }
  });
});
