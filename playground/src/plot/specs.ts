// What a plot draws, as settings that fit in a share link, and how it becomes job parameters:
// which losses (of the editor's file or of a preset's source), which inputs, which values.
import { app } from '../app.js';
import { resolveInputs } from '../inputs-state.js';
import type { LossSummary } from '../protocol.js';
import type { SeriesSpec } from '../jobs/types.js';
import { generateInputs, type Dense } from '../values.js';
import { presets, type Preset, type SourceRef } from './presets.js';

export interface PlotSpec {
  kind: 'sweep' | 'train' | 'landscape';
  /** A preset's name, or undefined for the losses in the editor. */
  preset?: string;
  losses: string[];
  input: string;
  /** Of a sweep: 'all', or the flat index of the one element swept. */
  element?: string;
  lo: number;
  hi: number;
  vary: { hyper: string; values: string };
  sigmoidX: boolean;
  steps: number;
  lr: number;
  optimizer: 'sgd' | 'adam';
  outliers: number;
  logY: boolean;
  x: { input: string; element: string; lo: number; hi: number };
  y: { input: string; element: string; lo: number; hi: number };
  grid: number;
  /** Hyperparameter values set by the sliders, over the Run pane's values and the defaults. */
  set?: Record<string, number>;
}

export const DEFAULT_PLOT: PlotSpec = {
  kind: 'sweep', losses: [], input: '', lo: -3, hi: 3, vary: { hyper: '', values: '' }, sigmoidX: false,
  steps: 100, lr: 0.05, optimizer: 'sgd', outliers: 0.1, logY: true,
  x: { input: '', element: 'all', lo: -2, hi: 2 }, y: { input: '', element: 'all', lo: -2, hi: 2 }, grid: 41,
};

/** The spec a preset stands for. */
export function specOf(name: string, p: Preset): PlotSpec {
  const base = { ...DEFAULT_PLOT, preset: name, kind: p.kind };
  if (p.kind === 'sweep') {
    return { ...base, losses: [...p.losses], input: p.input, lo: p.lo, hi: p.hi, sigmoidX: p.sigmoidX ?? false,
      vary: p.vary ? { hyper: p.vary.hyper, values: p.vary.values.join(', ') } : { hyper: '', values: '' } };
  }
  if (p.kind === 'train') return { ...base, losses: [...p.losses], input: p.input, steps: p.steps, lr: p.lr, outliers: p.outliers, logY: true };
  return { ...base, losses: [p.loss], x: { input: p.x, element: 'all', lo: p.xr[0], hi: p.xr[1] }, y: { input: p.y, element: 'all', lo: p.yr[0], hi: p.yr[1] }, logY: true };
}

export interface Resolved {
  readonly source: SourceRef;
  readonly losses: readonly LossSummary[];
  readonly preset?: Preset;
}

/** The source and the checked losses a spec draws from. */
export async function resolveSource(spec: PlotSpec): Promise<Resolved> {
  const preset = spec.preset ? presets()[spec.preset] : undefined;
  if (preset) {
    const a = await app.analyzeOther(preset.source.text, preset.source.file);
    return { source: preset.source, losses: a.losses, preset };
  }
  return { source: { text: app.text, file: app.file }, losses: app.analysis?.losses ?? [] };
}

/** Sizes for a preset: every dimension 1, the sample axes `n`. */
function presetSizes(loss: LossSummary, n: number): Record<string, string> {
  const sizes: Record<string, string> = {};
  for (const i of loss.inputs) for (const d of [...i.dims, ...(i.indexOf ? [i.indexOf] : [])]) sizes[d] = String(loss.fixedDims[d] ?? (d === '...' || d === 'N' ? n : 1));
  return sizes;
}

/** One series per loss (and per value of the varied hyperparameter), with its base inputs. */
export function buildSeries(spec: PlotSpec, r: Resolved, problems: string[]): SeriesSpec[] {
  const out: SeriesSpec[] = [];
  // Only a sweep has a Vary control: no other kind may multiply its series by a hidden setting.
  const varied = spec.kind === 'sweep' && spec.vary.hyper ? spec.vary.values.split(/[\s,]+/).filter(Boolean).map(Number).filter(Number.isFinite) : [];
  for (const name of spec.losses) {
    const loss = r.losses.find((l) => l.name === name);
    if (!loss) {
      problems.push(`'${name}' is not a loss of ${r.source.file} that checks`);
      continue;
    }
    let inputs: Record<string, Dense>;
    let hypers: Record<string, number | string> = {};
    if (r.preset) {
      const n = r.preset.kind === 'train' ? r.preset.n : 1;
      const gen = generateInputs(loss, presetSizes(loss, n), app.settings.seed);
      inputs = typeof gen === 'string' ? {} : gen;
      const values = 'values' in r.preset ? r.preset.values : {};
      for (const [k, v] of Object.entries(values)) if (inputs[k]) inputs[k] = { shape: [v.length], data: [...v] };
      // The focal preset on logits: the true class is 1 for every other input.
      if (r.preset.kind === 'sweep' && r.preset.input === '') {
        for (const [k, v] of Object.entries(inputs)) if (k !== firstReal(loss)) inputs[k] = { shape: v.shape, data: v.data.map(() => 1) };
      }
      hypers = r.preset.kind === 'sweep' ? { ...(r.preset.fixed ?? {}) } : {};
      for (const h of Object.keys(hypers)) if (!loss.hypers.some((x) => x.name === h)) delete hypers[h];
    } else {
      const res = resolveInputs(loss, app.settings);
      res.problems.forEach((p) => problems.push(`${p.code}: ${p.message}`));
      if (!res.dense) {
        problems.push(`${name}: the inputs could not be read; run it in the Run pane to see why`);
        continue;
      }
      inputs = res.dense;
      // Hyperparameter fields belong to the Run pane's loss; other losses keep their defaults.
      if (name === app.settings.loss) hypers = res.hypers;
    }
    for (const [k, v] of Object.entries(spec.set ?? {})) if (loss.hypers.some((h) => h.name === k)) hypers = { ...hypers, [k]: v };
    const ref = { text: r.source.text, file: r.source.file, loss: name };
    if (varied.length && loss.hypers.some((h) => h.name === spec.vary.hyper)) {
      for (const v of varied) out.push({ label: `${name}, ${spec.vary.hyper} = ${v}`, ref, hypers: { ...hypers, [spec.vary.hyper]: v }, inputs });
    } else {
      out.push({ label: name, ref, hypers, inputs });
    }
  }
  return out;
}

export function firstReal(loss: LossSummary): string {
  return loss.inputs.find((i) => i.elem === 'real' && !i.optional)?.name ?? '';
}

/** Real inputs common to the chosen losses: what can be swept or trained. */
export function realInputs(losses: readonly LossSummary[]): string[] {
  const lists = losses.map((l) => l.inputs.filter((i) => i.elem === 'real' && !i.optional).map((i) => i.name));
  return lists.length ? lists.reduce((a, b) => a.filter((x) => b.includes(x))) : [];
}
