// Run: pick a loss of the file, fill its inputs (sizes and a seed, or pasted JSON), and see the
// loss value and the gradient norm of each input, computed by `evaluate` on TensorFlow.js.
import type { EvaluateResult } from '../../../src/index.js';
import { REDUCTION_NAMES } from '../../../src/ir/reduction.js';
import { app, internalProblem } from '../app.js';
import { clear, debounce, h, problem } from '../dom.js';
import { fileButtons } from '../files.js';
import { inputsJson, resolveInputs } from '../inputs-state.js';
import type { LossSummary } from '../protocol.js';
import { formatNested, formatValue, unravel } from '../format.js';
import type { BackendValue } from '../jobs/backends.js';
import { defaultSizes, dimsOf, flatten, l2, type Dense } from '../values.js';

/** Above this many elements (all inputs together) the Run pane lists no per-element gradients. */
const ELEMENT_ROWS = 64;

export function selectedLoss(): LossSummary | undefined {
  const losses = app.analysis?.losses ?? [];
  return losses.find((l) => l.name === app.settings.loss) ?? losses[0];
}

/** What a result was computed from: shown with it, compared to tell a current result from a stale one. */
function resultKey(loss: LossSummary, reduction: string, inputs: string): string {
  return JSON.stringify([app.version, loss.name, reduction, inputs]);
}

/** An input's type as declared: a list input as its elements (`list[K] of real[N, C]`). */
function typeText(i: LossSummary['inputs'][number]): string {
  const dims = i.list ? i.dims.slice(1) : i.dims;
  const elem = i.elem === 'index' ? `index[${dims.join(', ')}] of ${i.indexOf}` : `${i.elem}[${dims.join(', ')}]`;
  return i.list ? `list[${i.dims[0]}] of ${elem}` : elem;
}

export interface RunPane {
  /** Rebuilds the form for the selected loss. */
  rerun(): void;
  /** Runs now (Ctrl/Cmd+Enter). */
  runNow(): void;
  /** The editor's text changed: the shown result no longer matches it until the next run. */
  invalidate(): void;
  /** The settings came from a link or the saved work: they belong to their loss, nothing is reset. */
  adoptSettings(): void;
  /** Another file or loss is opening: nothing of the previous result stays on screen. */
  clearResult(): void;
}

export function mountRun(root: HTMLElement, onSettings: () => void): RunPane {
  const form = h('div', { class: 'run-form' });
  const note = h('div', { class: 'run-note', id: 'run-note', role: 'status' });
  const out = h('div', { class: 'run-output', id: 'run-output' });
  clear(root, form, note, out);
  let shape = '';
  let runId = 0;
  /** The last per-backend line and the loss and inputs it is for. */
  let comparison: { key: string; line: HTMLElement } | undefined;
  /** The loss the form was last built for: its per-loss settings are reset when it changes. */
  let formLoss: string | undefined;

  /** Marks the shown result as not matching the settings any more; the next run replaces it. */
  const markStale = (): void => {
    if (out.dataset.state === 'done' || out.dataset.state === 'stale') {
      out.dataset.state = 'stale';
      out.classList.add('stale');
    }
  };

  const changed = (): void => {
    onSettings();
    markStale();
    schedule();
  };

  const run = async (): Promise<void> => {
    const loss = selectedLoss();
    if (!loss) return;
    const id = ++runId;
    const r = resolveInputs(loss, app.settings);
    const inputsText = inputsJson(r);
    // A reduction is an option of losses that have one; another loss never receives it.
    const reduction = loss.reduction ? app.settings.reduction : '';
    // The backend is part of what made a result: another backend's value is out of date.
    const key = resultKey(loss, reduction, `${inputsText}|${app.settings.backend}`);
    const sameInputs = resultKey(loss, reduction, inputsText);
    const json = h('details', { class: 'json' }, h('summary', {}, 'Inputs as JSON (for lossc eval --inputs)'),
      fileButtons('inputs', () => `${loss.name}.inputs.json`, () => inputsText, 'application/json'), h('pre', { id: 'run-inputs-json' }, inputsText));
    const finish = (...children: (HTMLElement | HTMLElement[] | null)[]): void => {
      clear(out, ...children);
      // The per-backend line outlives a rerun of the same loss and inputs (on another backend).
      if (comparison?.key === sameInputs) (out.querySelector('#run-used') ?? out).after(comparison.line);
      out.dataset.state = 'done';
      out.dataset.loss = loss.name;
      out.dataset.key = key;
      out.classList.remove('stale');
    };
    if (r.problems.length) return finish(r.problems.map((p) => problem(p.code, p.message)), json);
    // An old value stays visible while the new one is computed, dimmed and marked as such.
    const previous = out.dataset.key;
    if (previous !== key) markStale();
    if (!out.querySelector('#run-value') || out.dataset.loss !== loss.name) {
      clear(out, h('span', { class: 'spinner' }), ` Running ${loss.name} on TensorFlow.js…`);
      delete out.dataset.loss;
    }
    out.dataset.state = out.dataset.state === 'stale' ? 'stale' : 'running';
    try {
      const res = await app.runner.call<EvaluateResult>('run', {
        req: { ref: { text: app.text, file: app.file, loss: loss.name }, inputs: r.raw, hypers: r.hypers, grad: true },
        ...(reduction ? { reduction } : {}),
      });
      if (id !== runId) return;
      finish(...show(loss, reduction, res, json));
    } catch (err) {
      if (id !== runId) return;
      const d = internalProblem('running the loss', err);
      finish(problem(d.code, d.message), json);
    }
  };
  const schedule = debounce(200, () => void run());

  async function chooseBackend(choice: typeof app.settings.backend): Promise<void> {
    app.settings.backend = choice;
    const b = await app.runner.call<{ using: string }>('backend', { choice });
    const status = document.getElementById('backend');
    if (status) status.textContent = `TensorFlow.js: ${b.using}`;
    changed();
    void run();
  }

  /** The Run pane's loss and inputs on every backend of the browser, in one line under the value. */
  async function compare(): Promise<void> {
    const loss = selectedLoss();
    if (!loss) return;
    const r = resolveInputs(loss, app.settings);
    const reduction = loss.reduction ? app.settings.reduction : '';
    const line = h('div', { id: 'run-backends', class: 'backends', 'data-state': 'running' }, h('span', { class: 'spinner' }), ' Evaluating on cpu, wasm and webgl…');
    comparison = { key: resultKey(loss, reduction, inputsJson(r)), line };
    out.querySelector('#run-backends')?.remove();
    out.querySelector('#run-used')?.after(line);
    if (!line.isConnected) out.append(line);
    const values = await app.runner.call<BackendValue[]>('compare', {
      req: { ref: { text: app.text, file: app.file, loss: loss.name }, inputs: r.raw, hypers: r.hypers, grad: false },
      ...(reduction ? { reduction } : {}),
    });
    const numbers = values.filter((v) => v.loss !== undefined).map((v) => flatten(v.loss));
    const spread = numbers.length > 1 ? Math.max(...numbers[0]!.map((_, i) => {
      const at = numbers.map((n) => n[i]!);
      return (Math.max(...at) - Math.min(...at)) / Math.max(Math.abs(at[0]!), 1e-30);
    })) : NaN;
    clear(line, values.map((v, i) => h('span', { class: v.error ? 'backend bad' : 'backend', 'data-backend': v.backend, title: v.error ?? '' },
      i ? ' · ' : '', h('b', {}, v.backend), ' ', v.error ? `failed (${v.error})` : formatNested(v.loss))),
      Number.isFinite(spread) ? h('span', { class: 'muted' }, ` — largest difference ${formatValue(spread, 2)} of the value`) : null);
    line.dataset.state = 'done';
  }

  function show(loss: LossSummary, reduction: string, res: EvaluateResult, json: HTMLElement): (HTMLElement | null)[] {
    const errors = res.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length || res.loss === undefined) return [...errors.map((d) => problem(d.code, d.message)), json];
    const value = formatNested(res.loss);
    const rows = Object.entries(res.grads ?? {}).map(([name, g]) => {
      const flat = flatten(g);
      const norm = l2(flat);
      const bad = flat.filter((x) => !Number.isFinite(x)).length;
      return h('tr', { class: bad ? 'bad' : '' }, h('td', {}, name), h('td', { class: 'num', 'data-grad': name }, formatValue(norm)),
        h('td', { class: 'num' }, flat.length ? formatValue(Math.max(...flat.map(Math.abs))) : '—'), h('td', {}, bad ? `${bad} not finite` : 'finite'));
    });
    const hyperText = Object.entries(resolveInputs(loss, app.settings).hypers).map(([k, v]) => `${k} = ${v}`);
    const used = [reduction ? `reduction '${reduction}'` : loss.reduction ? `reduction '${loss.reduction}' (default)` : '', ...hyperText].filter(Boolean).join(', ');
    return [
      h('div', { class: 'value-line' }, h('span', { class: 'label', id: 'run-label' }, `${loss.name} =`), h('span', { class: 'value', id: 'run-value' }, value)),
      h('div', { class: 'muted', id: 'run-used' }, `on ${res.backend ?? '?'} (float32)${used ? `, ${used}` : ''}`),
      rows.length ? h('table', { class: 'grads', id: 'run-grads' }, h('tr', {}, h('th', {}, 'input'), h('th', {}, '‖∇‖₂'), h('th', {}, 'max |∇|'), h('th', {}, '')), rows) : null,
      perElement(loss, res, resolveInputs(loss, app.settings).dense ?? {}),
      json];
  }

  /** d loss / d input for every element, beside its value, when the inputs are small. */
  function perElement(loss: LossSummary, res: EvaluateResult, values: Readonly<Record<string, Dense>>): HTMLElement | null {
    const grads = Object.entries(res.grads ?? {}).map(([name, g]) => ({ name, flat: flatten(g), shape: values[name]?.shape ?? [], list: loss.inputs.some((i) => i.name === name && i.list) }));
    if (grads.length === 0) return null;
    const total = grads.reduce((n, g) => n + g.flat.length, 0);
    if (total > ELEMENT_ROWS) return h('p', { class: 'hint', id: 'run-elements-note' }, `Per-element gradients are listed for inputs of up to ${ELEMENT_ROWS} elements in all (these have ${total}); the norms above cover every element.`);
    // A list input's element first, then the position inside it: preds[1][0, 2].
    const label = (name: string, at: number[], list: boolean): string => (list ? `${name}[${at[0]}][${at.slice(1).join(', ')}]` : `${name}[${at.join(', ')}]`);
    const rows = grads.flatMap(({ name, flat, shape, list }) => flat.map((g, i) => h('tr', { class: Number.isFinite(g) ? '' : 'bad', 'data-input': name, 'data-index': i },
      h('td', {}, label(name, unravel(i, shape), list)),
      h('td', { class: 'num' }, values[name] ? formatValue(values[name].data[i]!) : ''),
      h('td', { class: 'num', 'data-grad-element': `${name}:${i}` }, formatValue(g)))));
    return h('details', { class: 'elements', id: 'run-elements', open: true }, h('summary', {}, 'd loss / d input, per element'),
      h('table', { class: 'grads' }, h('tr', {}, h('th', {}, 'element'), h('th', {}, 'value'), h('th', {}, 'd loss / d element')), rows));
  }

  /** Per-loss settings do not travel to another loss silently: reset, with a note saying so. */
  function resetPerLoss(loss: LossSummary): void {
    const s = app.settings;
    const notes: string[] = [];
    if (formLoss !== undefined && formLoss !== loss.name) {
      if (s.reduction) notes.push(`reduction '${s.reduction}' of ${formLoss}`);
      const hyperNames = Object.entries(s.hypers).filter(([, v]) => v.trim() !== '').map(([k]) => k);
      if (hyperNames.length) notes.push(`${hyperNames.join(', ')} of ${formLoss}`);
      s.reduction = '';
      s.hypers = {};
      clearResult();
    }
    formLoss = loss.name;
    if (notes.length) clear(note, [`Reset to ${loss.name}'s defaults: ${notes.join('; ')}.`, h('button', { class: 'link', onclick: () => clear(note) }, 'OK')]);
  }

  function clearResult(): void {
    clear(out);
    out.classList.remove('stale');
    out.dataset.state = 'pending';
    delete out.dataset.key;
    delete out.dataset.loss;
  }

  function build(loss: LossSummary | undefined): void {
    const losses = app.analysis?.losses ?? [];
    if (!loss) {
      clear(form, h('div', { class: 'empty' }, 'No loss in the file checks yet. Fix the problems under the editor to run one.'));
      // A run still in flight belongs to a loss that is gone: its value must not appear here.
      runId++;
      clearResult();
      return;
    }
    resetPerLoss(loss);
    const s = app.settings;
    s.sizes = { ...defaultSizes(loss, s.sizes) };
    const field = (label: string, input: HTMLElement): HTMLElement => h('label', { class: 'field' }, h('span', {}, label), input);
    const sizes = dimsOf(loss).map((d) => field(d === '...' ? '… (leading dims)' : d, h('input', {
      type: 'text', value: s.sizes[d] ?? '', size: 4, 'data-dim': d, disabled: loss.fixedDims[d] !== undefined,
      oninput: (e: Event) => ((s.sizes[d] = (e.target as HTMLInputElement).value), changed()),
    })));
    const hypers = loss.hypers.map((hp) => field(`${hp.name}${hp.values ? ` ∈ ${hp.values.map((v) => `'${v}'`).join(' | ')}` : hp.domain ? ` ∈ ${hp.domain.text}` : ''}`, h('input', {
      type: 'text', value: s.hypers[hp.name] ?? '', placeholder: hp.default === undefined ? 'required' : hp.values ? (hp.values[hp.default] ?? String(hp.default)) : String(hp.default), size: 6, 'data-hyper': hp.name,
      oninput: (e: Event) => ((s.hypers[hp.name] = (e.target as HTMLInputElement).value), changed()),
    })));
    const mode = (m: 'random' | 'json', label: string): HTMLElement => h('label', { class: 'radio' }, h('input', {
      type: 'radio', name: 'run-mode', id: `run-mode-${m}`, checked: s.mode === m,
      onchange: () => ((s.mode = m), build(selectedLoss()), changed()),
    }), label);
    clear(form,
      h('div', { class: 'row' },
        field('Loss', h('select', { id: 'run-loss', onchange: (e: Event) => ((s.loss = (e.target as HTMLSelectElement).value), build(selectedLoss()), changed()) },
          losses.map((l) => h('option', { value: l.name, selected: l.name === loss.name }, l.name)))),
        loss.reduction ? field('Reduction', h('select', { id: 'run-reduction', onchange: (e: Event) => ((s.reduction = (e.target as HTMLSelectElement).value as typeof s.reduction), changed()) },
          ['', ...REDUCTION_NAMES].map((r) => h('option', { value: r, selected: s.reduction === r }, r || `default (${loss.reduction})`)))) : null,
        field('Backend', h('select', { id: 'run-backend', title: 'The TensorFlow.js backend the Run pane evaluates on', onchange: (e: Event) => void chooseBackend((e.target as HTMLSelectElement).value as typeof s.backend) },
          (['auto', 'wasm', 'webgl', 'cpu'] as const).map((b) => h('option', { value: b, selected: s.backend === b }, b === 'auto' ? 'auto (wasm)' : b)))),
        h('button', { id: 'run-button', class: 'primary', onclick: () => void run() }, '▶ Run'),
        h('button', { id: 'run-compare', title: 'The value on cpu, wasm and webgl, one after the other', onclick: () => void compare() }, 'Compare backends')),
      loss.doc ? h('p', { class: 'doc' }, loss.doc) : null,
      h('div', { class: 'signature' }, loss.inputs.map((i) => h('code', {}, `${i.name}: ${typeText(i)}${i.domain ? ` in ${i.domain.text}` : ''}${i.defaultsTo !== undefined ? ` (optional: ${i.defaultsTo} when left out)` : i.optional ? ' (optional)' : ''}`))),
      h('div', { class: 'row' }, mode('random', 'Random values'), mode('json', 'JSON')),
      s.mode === 'random'
        ? h('div', { class: 'row' }, sizes, field('seed', h('input', { type: 'number', id: 'run-seed', value: s.seed, oninput: (e: Event) => ((s.seed = Number((e.target as HTMLInputElement).value) || 0), changed()) })))
        : h('textarea', { id: 'run-json', rows: 6, spellcheck: false, placeholder: '{"pred": [2.5, 0, 2.1], "target": [3, -0.5, 2]}', value: s.json,
          oninput: (e: Event) => ((s.json = (e.target as HTMLTextAreaElement).value), changed()) }),
      hypers.length ? h('fieldset', { class: 'hypers' }, h('legend', {}, 'Hyperparameters (empty = default)'), h('div', { class: 'row' }, hypers)) : null);
  }

  app.onAnalysis((a) => {
    const loss = selectedLoss();
    const key = JSON.stringify([a.losses.map((l) => l.name), loss]);
    if (key !== shape) {
      shape = key;
      build(loss);
    }
    // Runs again as the source changes, while the pane is shown.
    if (loss && app.settings.tab === 'run') schedule();
  });
  return {
    // Built from the analysis of the current text only: an older one would name another file's loss.
    rerun: () => {
      if (app.analysis?.version === app.version) build(selectedLoss());
    },
    adoptSettings: () => {
      formLoss = app.settings.loss;
      clear(note);
    },
    runNow: () => void run(),
    invalidate: markStale,
    clearResult,
  };
}
