// Plots: sweeps of a loss and its gradient, training curves of a small model trained with the
// loss, and 2-D landscapes, for the losses in the editor or for one of the tutorial's presets.
import { app, internalProblem } from '../app.js';
import { clear, debounce, h, problem } from '../dom.js';
import type { LandscapeGrid } from '../jobs/landscape.js';
import type { SweepCurve } from '../jobs/sweep.js';
import type { InputKinds, TrainCurve } from '../jobs/train.js';
import { lineChart, PALETTE, type Line } from '../plot/chart.js';
import { contourPlot } from '../plot/contour.js';
import { formatValue } from '../format.js';
import { presets } from '../plot/presets.js';
import { buildSeries, DEFAULT_PLOT, firstReal, realInputs, resolveSource, specOf, type PlotSpec, type Resolved } from '../plot/specs.js';
import { controls } from './plot-controls.js';

/**
 * Points along a sweep: 61, or `?sweep-points=N` in the page's URL (5 to 201), which the
 * browser tests use to draw the same curves with fewer evaluations on a loaded machine.
 */
export function sweepPoints(search: string): number {
  const asked = Number(new URLSearchParams(search).get('sweep-points'));
  return Number.isInteger(asked) && asked >= 5 && asked <= 201 ? asked : 61;
}

export function mountPlots(root: HTMLElement, onSettings: () => void): { draw(): void; spec(): PlotSpec; load(s: PlotSpec, drawNow?: boolean): void } {
  let spec: PlotSpec = { ...DEFAULT_PLOT };
  const status = h('div', { class: 'pane-status', id: 'plot-status' });
  const form = h('div', { class: 'plot-form' });
  const c1 = h('canvas', { id: 'plot-canvas', class: 'plot' });
  const c2 = h('canvas', { id: 'plot-canvas-2', class: 'plot' });
  const kinds = h('div', { class: 'subtabs' });
  const presetRow = h('div', { class: 'presets' }, h('span', { class: 'muted' }, 'From the tutorial:'),
    Object.entries(presets()).map(([name, p]) => h('button', { id: `preset-${name}`, onclick: () => load(specOf(name, p), true) }, p.title)));
  clear(root, presetRow, kinds, form, status, h('div', { class: 'canvases' }, c1, c2));
  let job = 0;
  // A slider redraws once it rests for a moment; a newer draw cancels an older one anyway.
  const liveDraw = debounce(150, () => void draw());

  function load(s: PlotSpec, drawNow = false): void {
    spec = s;
    app.settings.plot = s.kind;
    renderForm();
    onSettings();
    if (drawNow) void draw();
  }

  function renderForm(): void {
    clear(kinds, (['sweep', 'train', 'landscape'] as const).map((k) => h('button', {
      class: spec.kind === k ? 'active' : '', id: `plot-kind-${k}`,
      // Leaving a preset leaves all of its settings (γ values, fixed inputs), not only its source.
      onclick: () => load(spec.preset ? { ...DEFAULT_PLOT, kind: k } : { ...spec, kind: k }),
    }, { sweep: 'Sweep', train: 'Training', landscape: 'Landscape' }[k])));
    void resolveSource(spec).then((r) => {
      // A loss that left the file (another example opened) leaves the selection too: a name
      // nobody can untick would make every draw fail.
      if (!spec.preset) spec.losses = spec.losses.filter((n) => r.losses.some((l) => l.name === n));
      if (!spec.preset && spec.losses.length === 0 && r.losses[0]) {
        const selected = r.losses.find((l) => l.name === app.settings.loss) ?? r.losses[0];
        spec.losses = [selected.name];
      }
      clear(form, controls(spec, r, { changed: () => onSettings(), live: liveDraw, redraw: () => renderForm(), draw: () => void draw(), clearPreset: () => load({ ...DEFAULT_PLOT, kind: spec.kind }) }));
    });
  }

  async function draw(): Promise<void> {
    const id = ++job;
    c2.hidden = spec.kind !== 'sweep';
    delete c1.dataset.drawn;
    try {
      const r = await resolveSource(spec);
      const problems: string[] = [];
      const series = buildSeries(spec, r, problems);
      if (problems.length || series.length === 0) {
        clear(status, (problems.length ? problems : ['Choose at least one loss that checks.']).map((p) => problem(p.match(/^[EW]\d{4}/)?.[0] ?? 'E7001', p.replace(/^[EW]\d{4}: /, ''))));
        return;
      }
      clear(status, h('span', { class: 'spinner' }), ` Computing ${series.length} curve${series.length === 1 ? '' : 's'} on TensorFlow.js…`);
      if (spec.kind === 'sweep') await sweep(id, r, series);
      else if (spec.kind === 'train') await train(id, r, series);
      else await landscape(id, series);
    } catch (err) {
      if (id !== job) return;
      const msg = err instanceof Error ? err.message : String(err);
      const code = msg.match(/\b([EW]\d{4}): /)?.[1];
      const d = code ? { code, message: msg.replace(`${code}: `, '') } : internalProblem('drawing the plot', err);
      clear(status, problem(d.code, d.message));
    }
  }

  async function sweep(id: number, r: Resolved, series: ReturnType<typeof buildSeries>): Promise<void> {
    const input = spec.input || firstReal(r.losses.find((l) => l.name === series[0]!.ref.loss)!);
    const sig = (x: number): number => 1 / (1 + Math.exp(-x));
    const element = !r.preset && spec.element && spec.element !== 'all' ? Number(spec.element) : undefined;
    const paint = (curves: SweepCurve[]): boolean => {
      const tx = (c: SweepCurve): number[] => (spec.sigmoidX ? c.x.map(sig) : c.x);
      const what = element === undefined ? `${input} (every element)` : `${input}[${element}] (the others held)`;
      const xLabel = r.preset?.kind === 'sweep' ? r.preset.xLabel : spec.sigmoidX ? `sigmoid(${what})` : what;
      const a = lineChart(c1, curves.map((c, i): Line => ({ label: c.label, x: tx(c), y: c.loss, color: PALETTE[i % PALETTE.length]! })), { title: r.preset?.title ?? 'Loss', xLabel, yLabel: 'loss' });
      lineChart(c2, curves.map((c, i): Line => ({ label: `d/d${element === undefined ? input : `${input}[${element}]`} ${c.label}`, x: tx(c), y: c.grad, dashed: true, color: PALETTE[i % PALETTE.length]! })), { title: 'Gradient', xLabel, yLabel: `d loss / d ${input}` });
      return a;
    };
    const curves = await app.runner.call<SweepCurve[]>('sweep', { series, input, lo: spec.lo, hi: spec.hi, points: sweepPoints(location.search), ...(element !== undefined ? { element } : {}) }, (p) => id === job && paint(p as SweepCurve[]));
    if (id !== job) return;
    const gaps = curves.filter((c) => c.loss.some((v) => !Number.isFinite(v))).map((c) => `${c.label} is not finite at ${c.loss.filter((v) => !Number.isFinite(v)).length} points (gaps)`);
    // The drawn range, for the browser tests: a flat curve is visible in the page's data too.
    const finite = curves.flatMap((c) => c.loss).filter(Number.isFinite);
    c1.dataset.range = finite.length ? `${Math.min(...finite)},${Math.max(...finite)}` : '';
    finish(paint(curves), `${curves.length} curve${curves.length === 1 ? '' : 's'} of ${curves[0]?.x.length ?? 0} points. ${gaps.join('; ')}`);
  }

  async function train(id: number, r: Resolved, series: ReturnType<typeof buildSeries>): Promise<void> {
    const loss = r.losses.find((l) => l.name === series[0]!.ref.loss)!;
    const input = spec.input || firstReal(loss);
    // By the series' own loss: two losses of a file may give one input name different domains
    // (binary_focal's y in [0, 1], another loss's y unbounded).
    const kindsOf = (name: string): InputKinds => {
      const kinds: Record<string, InputKinds[string]> = {};
      for (const i of r.losses.find((l) => l.name === name)?.inputs ?? []) {
        kinds[i.name] = { elem: i.elem, ...(i.indexOf ? { indexOf: i.indexOf } : {}), ...(i.domain?.kind === 'interval' && Number.isFinite(i.domain.lo) ? { lo: i.domain.lo } : {}),
          ...(i.domain?.kind === 'interval' && Number.isFinite(i.domain.hi) ? { hi: i.domain.hi } : {}), ...(i.domain?.values ? { set: i.domain.values } : {}) };
      }
      return kinds;
    };
    const paint = (curves: TrainCurve[]): boolean => lineChart(c1, curves.map((c) => ({ label: c.label + (c.diverged !== undefined ? ` (not finite at step ${c.diverged})` : ''), x: c.loss.map((_, i) => i + 1), y: c.loss })),
      { title: r.preset?.title ?? `Training a linear model with ${series.map((s) => s.label).join(', ')}`, xLabel: 'step', yLabel: 'training loss', logY: spec.logY });
    const params = { series: series.map((s) => ({ ...s, train: input, kinds: kindsOf(s.ref.loss) })), steps: spec.steps, lr: spec.lr, optimizer: spec.optimizer, seed: app.settings.seed, outliers: spec.outliers };
    const curves = await app.runner.call<TrainCurve[]>('train', params, (p) => id === job && paint(p as TrainCurve[]));
    if (id !== job) return;
    finish(paint(curves), curves.map((c) => `${c.label}: ${c.loss.at(-1) !== undefined ? formatValue(c.loss.at(-1)!) : '—'} after ${c.loss.length} steps`).join('; '));
  }

  async function landscape(id: number, series: ReturnType<typeof buildSeries>): Promise<void> {
    const coord = (c: PlotSpec['x']) => ({ input: c.input, lo: c.lo, hi: c.hi, ...(c.element === 'all' ? {} : { element: Number(c.element) }) });
    const label = (c: PlotSpec['x']): string => (c.element === 'all' ? c.input : `${c.input}[${c.element}]`);
    const paint = (g: LandscapeGrid): boolean => contourPlot(c1, g.xs, g.ys, g.values, { title: `${series[0]!.label} landscape, arrows along -∇`, xLabel: label(spec.x), yLabel: label(spec.y), log: spec.logY }, g);
    const grid = await app.runner.call<LandscapeGrid>('landscape', { series: series[0], x: coord(spec.x), y: coord(spec.y), n: spec.grid }, (p) => id === job && paint(p as LandscapeGrid));
    if (id !== job) return;
    finish(paint(grid), `${grid.xs.length} × ${grid.ys.length} evaluations`);
  }

  function finish(drawn: boolean, summary: string): void {
    c1.dataset.drawn = String(drawn);
    clear(status, drawn ? summary : problem('E7008', 'nothing finite to draw: every point evaluated to NaN or infinity'));
  }

  renderForm();
  // The form lists the editor's losses: rebuilt when their names or signatures change.
  let shape = '';
  app.onAnalysis((a) => {
    const key = JSON.stringify(a.losses.map((l) => [l.name, l.inputs, l.hypers]));
    if (spec.preset || key === shape) return;
    shape = key;
    renderForm();
  });
  return { draw: () => void draw(), spec: () => spec, load: (s, drawNow) => load(s, drawNow) };
}

export { realInputs };
