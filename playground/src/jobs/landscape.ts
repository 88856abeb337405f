// A 2-D loss landscape: two coordinates (an input, or one element of it) set across a grid,
// every other value held fixed; the grid is drawn as filled contours.
import type { Dense } from '../values.js';
import { failOn, type Evaluator, type JobControl, type SeriesSpec } from './types.js';

export interface Coordinate {
  readonly input: string;
  /** A flat element index, or undefined for every element of the input. */
  readonly element?: number;
  readonly lo: number;
  readonly hi: number;
}

export interface LandscapeParams {
  readonly series: SeriesSpec;
  readonly x: Coordinate;
  readonly y: Coordinate;
  readonly n: number;
}

export interface LandscapeGrid {
  readonly xs: number[];
  readonly ys: number[];
  /** values[row][col], row = y index; NaN where the loss is not finite. */
  readonly values: number[][];
  /** d loss / d x and d loss / d y at each point, laid out as values (for the arrows). */
  readonly gx: number[][];
  readonly gy: number[][];
}

/** The derivative along a coordinate: its element's gradient, or the sum over every element. */
function along(grads: Readonly<Record<string, number[]>> | undefined, c: Coordinate): number {
  const g = grads?.[c.input];
  if (!g) return NaN;
  return c.element === undefined ? g.reduce((a, b) => a + b, 0) : g[c.element] ?? NaN;
}

function set(inputs: Record<string, Dense>, c: Coordinate, v: number): void {
  const base = inputs[c.input];
  if (!base) throw new Error(`no input named '${c.input}'`);
  const data = [...base.data];
  if (c.element === undefined) data.fill(v);
  else if (c.element >= 0 && c.element < data.length) data[c.element] = v;
  else throw new Error(`${c.input} has ${data.length} elements; there is no element ${c.element}`);
  inputs[c.input] = { shape: base.shape, data };
}

export async function landscape(p: LandscapeParams, evaluate: Evaluator, ctl: JobControl): Promise<LandscapeGrid> {
  const axis = (c: Coordinate): number[] => Array.from({ length: p.n }, (_, i) => c.lo + ((c.hi - c.lo) * i) / Math.max(1, p.n - 1));
  const grid: LandscapeGrid = { xs: axis(p.x), ys: axis(p.y), values: [], gx: [], gy: [] };
  for (const y of grid.ys) {
    const row: number[] = [];
    const gxRow: number[] = [];
    const gyRow: number[] = [];
    for (const x of grid.xs) {
      if (ctl.cancelled()) return grid;
      const inputs = { ...p.series.inputs };
      set(inputs, p.y, y);
      set(inputs, p.x, x);
      const reply = await evaluate({ ref: p.series.ref, inputs, hypers: p.series.hypers, grad: true });
      failOn(reply, p.series.label);
      row.push(Number.isFinite(reply.value) ? reply.value! : NaN);
      gxRow.push(along(reply.grads, p.x));
      gyRow.push(along(reply.grads, p.y));
    }
    grid.values.push(row);
    grid.gx.push(gxRow);
    grid.gy.push(gyRow);
    if (grid.values.length % 4 === 0) {
      ctl.progress(grid);
      await ctl.yieldNow();
    }
  }
  return grid;
}
