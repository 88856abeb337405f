// Filled contours of a grid: each cell coloured by its level band, iso-lines by marching
// squares, a colour bar. Levels are spaced in log(value - min) when asked, which is how the
// Rosenbrock valley becomes visible.
import { formatValue } from '../format.js';
import { axes, fmt, PAD, prepare, setReadout, ticks } from './chart.js';

export interface ContourOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly log: boolean;
  readonly levels?: number;
}

// viridis, sampled: dark is low.
const STOPS = ['#440154', '#482878', '#3e4a89', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'];
const RGB = STOPS.map((c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) as [number, number, number]);

function colour(t: number): string {
  return STOPS[Math.min(STOPS.length - 1, Math.max(0, Math.floor(t * STOPS.length)))]!;
}

/** d loss / d x and d loss / d y at each grid point, for arrows pointing downhill. */
export interface GradientGrid {
  readonly gx: number[][];
  readonly gy: number[][];
}

/** About this many arrows along each axis, whatever the grid's resolution. */
const ARROWS_PER_AXIS = 11;

export function contourPlot(canvas: HTMLCanvasElement, xs: number[], ys: number[], values: number[][], o: ContourOptions, grads?: GradientGrid): boolean {
  const { ctx, w, h } = prepare(canvas);
  const finite = values.flat().filter(Number.isFinite);
  axes(ctx, w - 50, h, o);
  if (finite.length === 0 || xs.length < 2 || values.length < 2) return false;
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  // log(v - min + eps): eps a small part of the range, so the minimum is not a lone spike and
  // a valley like Rosenbrock's spreads over the colours (the tutorial uses log-spaced levels).
  const eps = Math.max((max - min) * 1e-4, 1e-12);
  const shift = (v: number): number => (o.log ? Math.log10(v - min + eps) : v);
  const lo = shift(min);
  const hi = Math.max(shift(max), lo + 1e-12);
  const level = (v: number): number => (shift(v) - lo) / (hi - lo);
  const rows = values.length;
  const pw = w - 50 - PAD.left - PAD.right;
  const ph = h - PAD.top - PAD.bottom;
  const yTop = ys[ys.length - 1]!;
  const X = (v: number): number => PAD.left + ((v - xs[0]!) / (xs[xs.length - 1]! - xs[0]!)) * pw;
  const Y = (v: number): number => h - PAD.bottom - ((v - ys[0]!) / (yTop - ys[0]!)) * ph;
  // While the grid is still arriving, only its first rows are drawn, in their place.
  const filled = Y(ys[0]!) - Y(ys[rows - 1]!);
  const bands = o.levels ?? 14;
  // Filled bands from the grid interpolated bilinearly at every pixel, so they are smooth.
  const image = new ImageData(Math.max(1, Math.round(pw)), Math.max(1, Math.round(filled)));
  const t = values.map((row) => row.map((v) => (Number.isFinite(v) ? level(v) : NaN)));
  for (let py = 0; py < image.height; py++) {
    const gy = ((image.height - 1 - py) / Math.max(1, image.height - 1)) * (rows - 1);
    const r0 = Math.min(rows - 2, Math.floor(gy));
    const fy = gy - r0;
    for (let px = 0; px < image.width; px++) {
      const gx = (px / Math.max(1, image.width - 1)) * (xs.length - 1);
      const c0 = Math.min(xs.length - 2, Math.floor(gx));
      const fx = gx - c0;
      const v = (1 - fy) * ((1 - fx) * t[r0]![c0]! + fx * t[r0]![c0 + 1]!) + fy * ((1 - fx) * t[r0 + 1]![c0]! + fx * t[r0 + 1]![c0 + 1]!);
      const k = (py * image.width + px) * 4;
      const rgb = Number.isFinite(v) ? RGB[Math.min(RGB.length - 1, Math.floor((Math.floor(v * bands) / bands) * RGB.length))]! : [204, 204, 204];
      image.data.set([...rgb, 255], k);
    }
  }
  const off = new OffscreenCanvas(image.width, image.height);
  off.getContext('2d')!.putImageData(image, 0, 0);
  ctx.drawImage(off, PAD.left, Y(ys[rows - 1]!), pw, filled);
  ctx.strokeStyle = 'rgba(255,255,255,0.55)';
  ctx.lineWidth = 1;
  for (let k = 1; k < bands; k++) isoLine(ctx, xs, ys, values, (v) => level(v) - k / bands, X, Y);
  ctx.fillStyle = '#555';
  ctx.textAlign = 'center';
  for (const tick of ticks(xs[0]!, xs[xs.length - 1]!)) ctx.fillText(fmt(tick), X(tick), h - PAD.bottom + 16);
  ctx.textAlign = 'right';
  for (const tick of ticks(ys[0]!, yTop)) ctx.fillText(fmt(tick), PAD.left - 6, Y(tick) + 4);
  colourBar(ctx, w, h, min, max, colour, o.log);
  const arrows = grads ? downhill(ctx, xs, ys, grads, rows, X, Y) : 0;
  canvas.dataset.arrows = String(arrows);
  // The grid point nearest the cursor: its coordinates, the loss and its gradient there.
  setReadout(canvas, (px, py) => {
    if (px < PAD.left || px > PAD.left + pw || py < Y(ys[rows - 1]!) || py > h - PAD.bottom) return undefined;
    const c = nearest(xs.map(X), px);
    const r = nearest(ys.slice(0, rows).map(Y), py);
    const g = grads ? [`∇ = (${formatValue(grads.gx[r]?.[c] ?? NaN)}, ${formatValue(grads.gy[r]?.[c] ?? NaN)})`] : [];
    return [`${o.xLabel} = ${formatValue(xs[c]!)}, ${o.yLabel} = ${formatValue(ys[r]!)}`, `loss: ${formatValue(values[r]![c]!)}`, ...g];
  });
  return true;
}

const nearest = (at: readonly number[], p: number): number => at.reduce((best, v, i) => (Math.abs(v - p) < Math.abs(at[best]! - p) ? i : best), 0);

/**
 * Arrows along -∇ (the way gradient descent steps) at a subset of the grid, as drawn on screen
 * (each axis's own scale), their lengths proportional to |∇| up to a cell; returns how many.
 */
function downhill(ctx: CanvasRenderingContext2D, xs: number[], ys: number[], g: GradientGrid, rows: number, X: (v: number) => number, Y: (v: number) => number): number {
  const every = Math.max(1, Math.round(xs.length / ARROWS_PER_AXIS));
  const sx = (X(xs[1]!) - X(xs[0]!)) / (xs[1]! - xs[0]!);
  const sy = (Y(ys[1]!) - Y(ys[0]!)) / (ys[1]! - ys[0]!);
  const at: [number, number, number, number][] = [];
  for (let r = Math.floor(every / 2); r < rows; r += every) {
    for (let c = Math.floor(every / 2); c < xs.length; c += every) {
      const dx = -(g.gx[r]?.[c] ?? NaN) * sx;
      const dy = -(g.gy[r]?.[c] ?? NaN) * sy;
      if (Number.isFinite(dx) && Number.isFinite(dy) && (dx !== 0 || dy !== 0)) at.push([X(xs[c]!), Y(ys[r]!), dx, dy]);
    }
  }
  const longest = Math.max(...at.map(([, , dx, dy]) => Math.hypot(dx, dy)));
  const cell = Math.abs(X(xs[Math.min(xs.length - 1, every)]!) - X(xs[0]!)) * 0.9;
  ctx.strokeStyle = ctx.fillStyle = 'rgba(20, 20, 20, 0.8)';
  ctx.lineWidth = 1.3;
  ctx.setLineDash([]);
  for (const [x, y, dx, dy] of at) {
    const len = Math.hypot(dx, dy);
    const k = (Math.max(len / longest, 0.25) * cell) / len;
    const [ex, ey] = [x + dx * k, y + dy * k];
    const a = Math.atan2(ey - y, ex - x);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(ex, ey);
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(ex, ey);
    ctx.lineTo(ex - 5 * Math.cos(a - 0.45), ey - 5 * Math.sin(a - 0.45));
    ctx.lineTo(ex - 5 * Math.cos(a + 0.45), ey - 5 * Math.sin(a + 0.45));
    ctx.closePath();
    ctx.fill();
  }
  return at.length;
}

/** Marching squares on f(value) = 0, with the crossing interpolated along each cell edge. */
function isoLine(ctx: CanvasRenderingContext2D, xs: number[], ys: number[], v: number[][], f: (v: number) => number, X: (x: number) => number, Y: (y: number) => number): void {
  ctx.beginPath();
  for (let r = 0; r + 1 < ys.length; r++) for (let c = 0; c + 1 < xs.length; c++) {
    const corners = [[r, c], [r, c + 1], [r + 1, c + 1], [r + 1, c]] as const;
    const fs = corners.map(([i, j]) => f(v[i]?.[j] ?? NaN));
    if (fs.some((x) => !Number.isFinite(x))) continue;
    const pts: [number, number][] = [];
    for (let e = 0; e < 4; e++) {
      const a = fs[e]!;
      const b = fs[(e + 1) % 4]!;
      if ((a < 0) === (b < 0)) continue;
      const t = a / (a - b);
      const [i0, j0] = corners[e]!;
      const [i1, j1] = corners[(e + 1) % 4]!;
      pts.push([X(xs[j0]! + t * (xs[j1]! - xs[j0]!)), Y(ys[i0]! + t * (ys[i1]! - ys[i0]!))]);
    }
    for (let k = 0; k + 1 < pts.length; k += 2) {
      ctx.moveTo(pts[k]![0], pts[k]![1]);
      ctx.lineTo(pts[k + 1]![0], pts[k + 1]![1]);
    }
  }
  ctx.stroke();
}

function colourBar(ctx: CanvasRenderingContext2D, w: number, h: number, min: number, max: number, c: (t: number) => string, log: boolean): void {
  const x = w - 42;
  const top = PAD.top;
  const height = h - PAD.top - PAD.bottom;
  for (let i = 0; i < height; i++) {
    ctx.fillStyle = c(1 - i / height);
    ctx.fillRect(x, top + i, 12, 1);
  }
  ctx.fillStyle = '#333';
  ctx.textAlign = 'left';
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillText(fmt(max), x - 4, top - 4);
  ctx.fillText(fmt(min), x - 4, top + height + 12);
  if (log) ctx.fillText('log', x - 2, top + height + 24);
}
