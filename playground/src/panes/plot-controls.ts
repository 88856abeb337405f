// The controls of each kind of plot. They edit the spec in place; `draw` recomputes.
import { h } from '../dom.js';
import type { PlotSpec, Resolved } from '../plot/specs.js';
import type { LossSummary } from '../protocol.js';
import { firstReal, realInputs } from '../plot/specs.js';
import { slidable, sliderRange } from '../plot/sliders.js';
import { formatValue } from '../format.js';
import { app } from '../app.js';
import { resolveInputs } from '../inputs-state.js';

interface Hooks {
  changed(): void;
  /** A slider moved: redraw soon (debounced by the caller). */
  live(): void;
  redraw(): void;
  draw(): void;
  clearPreset(): void;
}

const field = (label: string, input: HTMLElement): HTMLElement => h('label', { class: 'field' }, h('span', {}, label), input);

function num(value: number, set: (v: number) => void, hooks: Hooks, attrs: Record<string, string | number> = {}): HTMLInputElement {
  return h('input', { type: 'number', value, step: 'any', size: 5, ...attrs, oninput: (e: Event) => {
    const v = Number((e.target as HTMLInputElement).value);
    if (Number.isFinite(v)) (set(v), hooks.changed());
  } });
}

/** A select of `options`; the empty option reads `empty` (what an unset value means). */
function select(options: readonly string[], value: string, set: (v: string) => void, hooks: Hooks, id?: string, redraw = false, empty = '—'): HTMLSelectElement {
  return h('select', { ...(id ? { id } : {}), onchange: (e: Event) => {
    set((e.target as HTMLSelectElement).value);
    hooks.changed();
    if (redraw) hooks.redraw();
  } }, options.map((o) => h('option', { value: o, selected: o === value }, o || empty)));
}

/** What a sweep preset holds fixed, so that every value behind its curves is on screen. */
function presetHeld(r: Resolved, loss: LossSummary | undefined, set: Readonly<Record<string, number>> = {}): string {
  const p = r.preset;
  if (!p || p.kind !== 'sweep' || !loss) return '';
  const swept = p.input || firstReal(loss);
  const held = [
    ...Object.entries({ ...p.fixed, ...set }).filter(([k]) => loss.hypers.some((x) => x.name === k)).map(([k, v]) => `${k} = ${v}`),
    ...Object.entries(p.values).filter(([k]) => k !== swept).map(([k, v]) => `${k} = ${v.join(', ')}`),
    ...(p.input === '' ? loss.inputs.filter((i) => i.name !== swept && !i.optional).map((i) => `${i.name} = 1`) : []),
  ];
  return held.length ? `Sweeps ${swept}; held: ${held.join(', ')}` : `Sweeps ${swept}`;
}

/** The value a hyperparameter has now for a plot: a slider's, else the Run pane's, else its default. */
function current(spec: PlotSpec, loss: LossSummary, name: string): number | undefined {
  const own = spec.set?.[name];
  if (own !== undefined) return own;
  if (loss.name === app.settings.loss) {
    const v = resolveInputs(loss, app.settings).hypers[name];
    if (typeof v === 'number') return v;
  }
  return loss.hypers.find((x) => x.name === name)?.default;
}

/** A slider per real or int hyperparameter of the chosen losses (not the one a sweep varies). */
function sliders(spec: PlotSpec, chosen: readonly LossSummary[], hooks: Hooks, fixed?: Readonly<Record<string, number>>): HTMLElement | null {
  const seen = new Set<string>();
  const rows: HTMLElement[] = [];
  for (const loss of chosen) for (const hp of slidable(loss.hypers)) {
    if (seen.has(hp.name) || (spec.kind === 'sweep' && spec.vary.hyper === hp.name)) continue;
    seen.add(hp.name);
    const range = sliderRange(hp);
    const value = spec.set?.[hp.name] ?? fixed?.[hp.name] ?? current(spec, loss, hp.name) ?? range.min;
    const shown = h('output', { class: 'num', 'data-slider-value': hp.name }, formatValue(value));
    rows.push(h('label', { class: 'slider' }, h('span', {}, hp.name),
      h('input', { type: 'range', min: range.min, max: range.max, step: range.step, value, 'data-slider': hp.name, 'aria-label': `${hp.name} (redraws as it moves)`,
        oninput: (e: Event) => {
          const v = Number((e.target as HTMLInputElement).value);
          spec.set = { ...spec.set, [hp.name]: v };
          shown.textContent = formatValue(v);
          hooks.changed();
          hooks.live();
        } }), shown));
  }
  return rows.length ? h('div', { class: 'row sliders', id: 'plot-sliders' }, rows) : null;
}

export function controls(spec: PlotSpec, r: Resolved, hooks: Hooks): HTMLElement[] {
  const names = r.losses.map((l) => l.name);
  const chosen = r.losses.filter((l) => spec.losses.includes(l.name));
  const reals = realInputs(chosen);
  const head = spec.preset
    ? h('div', { class: 'row' }, h('span', { class: 'chip' }, `Preset: ${r.preset?.title ?? spec.preset} (${r.source.file})`), h('button', { class: 'link', onclick: hooks.clearPreset }, 'use the editor\u2019s losses instead'),
      presetHeld(r, chosen[0], spec.set) ? h('span', { class: 'muted', id: 'preset-held' }, presetHeld(r, chosen[0], spec.set)) : null)
    : null;
  const pick = spec.kind === 'landscape'
    ? h('div', { class: 'row' }, field('Loss', select(names, spec.losses[0] ?? '', (v) => (spec.losses = [v]), hooks, 'plot-loss', true)))
    : h('div', { class: 'checks', id: 'plot-losses' }, h('span', { class: 'muted' }, spec.kind === 'train' ? 'Train with:' : 'Overlay:'), names.map((n) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', value: n, checked: spec.losses.includes(n), onchange: (e: Event) => {
        spec.losses = (e.target as HTMLInputElement).checked ? [...spec.losses, n] : spec.losses.filter((x) => x !== n);
        hooks.changed();
        hooks.redraw();
      } }), n)));
  const drawButton = h('button', { class: 'primary', id: 'plot-draw', onclick: hooks.draw }, '▶ Draw');
  if (spec.kind === 'sweep') {
    // A sweep varies numbers: hyperparameters of strings are set in the Run pane.
    const hypers = [...new Set(chosen.flatMap((l) => l.hypers.filter((x) => !x.values).map((x) => x.name)))];
    return [head ?? h('div'), pick, h('div', { class: 'row' },
      field('Sweep input', select(['', ...reals], spec.input, (v) => (spec.input = v), hooks, 'plot-input', false, chosen[0] ? `${firstReal(chosen[0])} (first real input)` : '—')),
      spec.preset ? null : field('element', h('input', { type: 'text', size: 4, id: 'plot-element', value: spec.element ?? 'all', title: '"all", or the flat index of the one element to sweep (the others keep their values)',
        oninput: (e: Event) => ((spec.element = (e.target as HTMLInputElement).value.trim() || 'all'), hooks.changed()) })),
      field('from', num(spec.lo, (v) => (spec.lo = v), hooks, { id: 'plot-lo' })),
      field('to', num(spec.hi, (v) => (spec.hi = v), hooks, { id: 'plot-hi' })),
      field('Vary', select(['', ...hypers], spec.vary.hyper, (v) => (spec.vary.hyper = v), hooks)),
      field('values', h('input', { type: 'text', size: 10, value: spec.vary.values, placeholder: '0, 1, 2, 5', oninput: (e: Event) => ((spec.vary.values = (e.target as HTMLInputElement).value), hooks.changed()) })),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: spec.sigmoidX, onchange: (e: Event) => ((spec.sigmoidX = (e.target as HTMLInputElement).checked), hooks.changed()) }), 'x as sigmoid'),
      drawButton),
    sliders(spec, chosen, hooks, r.preset?.kind === 'sweep' ? r.preset.fixed : undefined) ?? h('div'),
    h('p', { class: 'hint' }, 'Every element of the swept input is set to the same value (element "all"), or one element with the others kept; the other inputs keep their Run-pane values. The gradient is the derivative of the plotted curve. On logits over classes, sweep one element: all equal logits give a flat curve.')];
  }
  if (spec.kind === 'train') {
    return [head ?? h('div'), pick, h('div', { class: 'row' },
      field('Model output', select(['', ...reals], spec.input, (v) => (spec.input = v), hooks, 'plot-input')),
      field('steps', num(spec.steps, (v) => (spec.steps = Math.max(1, Math.min(2000, Math.round(v)))), hooks, { id: 'plot-steps' })),
      field('learning rate', num(spec.lr, (v) => (spec.lr = v), hooks)),
      field('optimizer', select(['sgd', 'adam'], spec.optimizer, (v) => (spec.optimizer = v as PlotSpec['optimizer']), hooks)),
      field('outliers', num(spec.outliers, (v) => (spec.outliers = Math.max(0, Math.min(1, v))), hooks)),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: spec.logY, onchange: (e: Event) => ((spec.logY = (e.target as HTMLInputElement).checked), hooks.changed()) }), 'log scale'),
      drawButton),
    h('p', { class: 'hint' }, 'A linear model from 4 random features per sample to the model output is trained with each loss, from the same start; targets come from a hidden linear teacher (with the given fraction of outliers for real targets).')];
  }
  const loss = chosen[0];
  const inputs = loss ? loss.inputs.filter((i) => i.elem === 'real' && !i.optional).map((i) => i.name) : [];
  const axis = (c: PlotSpec['x'], name: string): HTMLElement => h('div', { class: 'row' },
    field(`${name} axis`, select(['', ...inputs], c.input, (v) => (c.input = v), hooks, `plot-${name}`)),
    field('element', h('input', { type: 'text', size: 4, value: c.element, title: '"all" or a flat index', oninput: (e: Event) => ((c.element = (e.target as HTMLInputElement).value.trim() || 'all'), hooks.changed()) })),
    field('from', num(c.lo, (v) => (c.lo = v), hooks)), field('to', num(c.hi, (v) => (c.hi = v), hooks)));
  if (loss && !spec.x.input) spec.x.input = inputs[0] ?? '';
  if (loss && !spec.y.input) spec.y.input = inputs[1] ?? inputs[0] ?? '';
  // One input on both axes: its first two elements, so the two coordinates differ.
  if (spec.x.input && spec.x.input === spec.y.input && spec.x.element === 'all' && spec.y.element === 'all') [spec.x.element, spec.y.element] = ['0', '1'];
  return [head ?? h('div'), pick, axis(spec.x, 'x'), axis(spec.y, 'y'), h('div', { class: 'row' },
    field('grid', num(spec.grid, (v) => (spec.grid = Math.max(5, Math.min(101, Math.round(v)))), hooks, { id: 'plot-grid' })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: spec.logY, onchange: (e: Event) => ((spec.logY = (e.target as HTMLInputElement).checked), hooks.changed()) }), 'log colour scale'),
    drawButton),
  sliders(spec, chosen, hooks, r.preset?.kind === 'sweep' ? r.preset.fixed : undefined) ?? h('div'),
  h('p', { class: 'hint' }, 'Two coordinates (an input, or one element of it) set across a grid; every other value is held at its Run-pane value.')];
}
