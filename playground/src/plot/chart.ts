// Line charts on a plain 2-D canvas: axes with round ticks, a legend, gaps where a value is not
// finite, optional log scale. Small on purpose: no chart library for four kinds of plot.
import { formatValue } from '../format.js';

export interface Line {
  readonly label: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
  readonly dashed?: boolean;
  readonly color?: string;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly logY?: boolean;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export const PAD = { left: 62, right: 16, top: 30, bottom: 42 };

/** Sizes the canvas to its CSS box at the device's pixel ratio; returns the drawing context. */
export function prepare(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number } {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.max(200, canvas.clientWidth);
  const h = Math.max(160, canvas.clientHeight);
  canvas.width = Math.round(w * ratio);
  canvas.height = Math.round(h * ratio);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  ctx.font = '12px system-ui, sans-serif';
  return { ctx, w, h };
}

/** About five round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Ticks of a log axis (given in log10 units) at 1, 2 and 5 times powers of ten. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    for (const m of hi - lo > 3 ? [1] : [1, 2, 5]) {
      const t = e + Math.log10(m);
      if (t >= lo && t <= hi) out.push(t);
    }
  }
  return out.length >= 2 ? out : ticks(lo, hi);
}

export function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

function range(values: number[]): [number, number] {
  const ok = values.filter(Number.isFinite);
  if (ok.length === 0) return [0, 1];
  const lo = Math.min(...ok);
  const hi = Math.max(...ok);
  if (hi - lo < 1e-12) return [lo - 0.5, hi + 0.5];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** Draws the lines; returns false when there was nothing finite to draw. */
export function lineChart(canvas: HTMLCanvasElement, lines: readonly Line[], o: ChartOptions): boolean {
  const { ctx, w, h } = prepare(canvas);
  // The legend sits between the title and the plot, so it never hides a curve.
  const top = PAD.top + legendRows(ctx, w, lines).length * 16 + 4;
  const tf = (v: number): number => (o.logY ? (v > 0 ? Math.log10(v) : NaN) : v);
  const xr = range(lines.flatMap((l) => [...l.x]));
  const yr = range(lines.flatMap((l) => l.y.map(tf)));
  const X = (v: number): number => PAD.left + ((v - xr[0]) / (xr[1] - xr[0])) * (w - PAD.left - PAD.right);
  const Y = (v: number): number => h - PAD.bottom - ((v - yr[0]) / (yr[1] - yr[0])) * (h - top - PAD.bottom);
  axes(ctx, w, h, o, top);
  ctx.textAlign = 'center';
  for (const t of ticks(xr[0], xr[1])) {
    ctx.fillStyle = '#555';
    ctx.fillText(fmt(t), X(t), h - PAD.bottom + 16);
    grid(ctx, X(t), top, X(t), h - PAD.bottom);
  }
  ctx.textAlign = 'right';
  for (const t of o.logY ? logTicks(yr[0], yr[1]) : ticks(yr[0], yr[1])) {
    ctx.fillStyle = '#555';
    ctx.fillText(o.logY ? fmt(10 ** t) : fmt(t), PAD.left - 6, Y(t) + 4);
    grid(ctx, PAD.left, Y(t), w - PAD.right, Y(t));
  }
  let drawn = false;
  ctx.save();
  ctx.beginPath();
  ctx.rect(PAD.left, top, w - PAD.left - PAD.right, h - top - PAD.bottom);
  ctx.clip();
  lines.forEach((l, i) => {
    ctx.strokeStyle = l.color ?? PALETTE[i % PALETTE.length]!;
    ctx.lineWidth = 2;
    ctx.setLineDash(l.dashed ? [6, 4] : []);
    ctx.beginPath();
    let pen = false;
    l.x.forEach((x, j) => {
      const y = tf(l.y[j]!);
      if (!Number.isFinite(y)) return void (pen = false);
      if (pen) ctx.lineTo(X(x), Y(y));
      else ctx.moveTo(X(x), Y(y));
      pen = drawn = true;
    });
    ctx.stroke();
  });
  ctx.restore();
  legend(ctx, w, lines);
  // The value of every curve at the x nearest the cursor.
  const xs = lines[0]?.x ?? [];
  setReadout(canvas, (px, py) => {
    if (xs.length === 0 || px < PAD.left || px > w - PAD.right || py < top || py > h - PAD.bottom) return undefined;
    let j = 0;
    for (let k = 1; k < xs.length; k++) if (Math.abs(X(xs[k]!) - px) < Math.abs(X(xs[j]!) - px)) j = k;
    return [`${o.xLabel} = ${formatValue(xs[j]!)}`, ...lines.map((l) => `${l.label}: ${formatValue(l.y[j] ?? NaN)}`)];
  });
  return drawn;
}

type Readout = (px: number, py: number) => readonly string[] | undefined;
const readouts = new WeakMap<HTMLCanvasElement, Readout>();

/**
 * What the plot shows at the cursor (CSS pixels from the canvas's corner), in a box beside it.
 * The box is the canvas's next sibling in a positioned container; its lines carry data-line.
 */
export function setReadout(canvas: HTMLCanvasElement, readout: Readout): void {
  if (!readouts.has(canvas)) {
    const box = document.createElement('div');
    box.className = 'plot-readout';
    box.id = `${canvas.id}-readout`;
    box.hidden = true;
    canvas.after(box);
    canvas.addEventListener('mousemove', (e) => {
      const r = canvas.getBoundingClientRect();
      const px = e.clientX - r.left;
      const py = e.clientY - r.top;
      const text = readouts.get(canvas)?.(px, py);
      box.hidden = !text;
      if (!text) return;
      box.replaceChildren(...text.map((t, i) => Object.assign(document.createElement('div'), { textContent: t, className: i === 0 ? 'at' : '' })));
      // Beside the cursor, flipped to its left near the right edge so it stays inside the plot.
      const left = canvas.offsetLeft + px + (px > r.width - 220 ? -box.offsetWidth - 12 : 12);
      box.style.left = `${Math.max(0, left)}px`;
      box.style.top = `${canvas.offsetTop + py + 12}px`;
    });
    canvas.addEventListener('mouseleave', () => (box.hidden = true));
  }
  readouts.set(canvas, readout);
}

function grid(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number): void {
  ctx.strokeStyle = '#eee';
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
}

export function axes(ctx: CanvasRenderingContext2D, w: number, h: number, o: ChartOptions, top = PAD.top): void {
  ctx.strokeStyle = '#888';
  ctx.lineWidth = 1;
  ctx.strokeRect(PAD.left, top, w - PAD.left - PAD.right, h - top - PAD.bottom);
  ctx.fillStyle = '#222';
  ctx.textAlign = 'left';
  ctx.font = 'bold 13px system-ui, sans-serif';
  ctx.fillText(o.title, PAD.left, 18);
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.fillText(o.xLabel, PAD.left + (w - PAD.left - PAD.right) / 2, h - 8);
  ctx.save();
  ctx.translate(14, top + (h - top - PAD.bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(o.yLabel + (o.logY ? ' (log)' : ''), 0, 0);
  ctx.restore();
}

/** Legend entries laid out in rows across the width: [x, row, line index]. */
function legendRows(ctx: CanvasRenderingContext2D, w: number, lines: readonly Line[]): [number, number, number][][] {
  const rows: [number, number, number][][] = [];
  let x = PAD.left;
  let row: [number, number, number][] = [];
  lines.forEach((l, i) => {
    const width = ctx.measureText(l.label).width + 40;
    if (row.length && x + width > w - PAD.right) {
      rows.push(row);
      row = [];
      x = PAD.left;
    }
    row.push([x, rows.length, i]);
    x += width;
  });
  if (row.length) rows.push(row);
  return rows;
}

function legend(ctx: CanvasRenderingContext2D, w: number, lines: readonly Line[]): void {
  for (const [x, r, i] of legendRows(ctx, w, lines).flat()) {
    const l = lines[i]!;
    const y = PAD.top + r * 16 + 2;
    ctx.strokeStyle = l.color ?? PALETTE[i % PALETTE.length]!;
    ctx.lineWidth = 2;
    ctx.setLineDash(l.dashed ? [6, 4] : []);
    ctx.beginPath();
    ctx.moveTo(x, y - 4);
    ctx.lineTo(x + 20, y - 4);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#222';
    ctx.textAlign = 'left';
    ctx.fillText(l.label, x + 24, y);
  }
}
