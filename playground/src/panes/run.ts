// Run: pick a loss of the file, fill its inputs (sizes and a seed, or pasted JSON), and see the
// loss value and the gradient norm of each input, computed by `evaluate` on TensorFlow.js.
import type { EvaluateResult } from '../../../src/index.js';
import { app, internalProblem } from '../app.js';
import { clear, debounce, h, problem } from '../dom.js';
import { inputsJson, resolveInputs } from '../inputs-state.js';
import type { LossSummary } from '../protocol.js';
import { defaultSizes, dimsOf, flatten, l2 } from '../values.js';

export function selectedLoss(): LossSummary | undefined {
  const losses = app.analysis?.losses ?? [];
  return losses.find((l) => l.name === app.settings.loss) ?? losses[0];
}

export function mountRun(root: HTMLElement, onSettings: () => void): { rerun(): void } {
  const form = h('div', { class: 'run-form' });
  const out = h('div', { class: 'run-output', id: 'run-output' });
  clear(root, form, out);
  let shape = '';
  let runId = 0;

  const changed = (): void => {
    onSettings();
    schedule();
  };

  const run = async (): Promise<void> => {
    const loss = selectedLoss();
    if (!loss) return;
    const id = ++runId;
    const r = resolveInputs(loss, app.settings);
    const json = h('details', { class: 'json' }, h('summary', {}, 'Inputs as JSON (for lossc eval --inputs)'), h('pre', { id: 'run-inputs-json' }, inputsJson(r)));
    if (r.problems.length) return clear(out, r.problems.map((p) => problem(p.code, p.message)), json);
    out.dataset.state = 'running';
    if (!out.querySelector('#run-value')) clear(out, h('span', { class: 'spinner' }), ' Running on TensorFlow.js…');
    try {
      const reduction = app.settings.reduction || undefined;
      const res = await app.runner.call<EvaluateResult>('run', {
        req: { ref: { text: app.text, file: app.file, loss: loss.name }, inputs: r.raw, hypers: r.hypers, grad: true },
        ...(reduction ? { reduction } : {}),
      });
      if (id !== runId) return;
      show(loss, res, json);
    } catch (err) {
      const d = internalProblem('running the loss', err);
      clear(out, problem(d.code, d.message), json);
    }
    out.dataset.state = 'done';
  };
  const schedule = debounce(200, () => void run());

  function show(loss: LossSummary, res: EvaluateResult, json: HTMLElement): void {
    const errors = res.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length || res.loss === undefined) {
      clear(out, errors.map((d) => problem(d.code, d.message)), json);
      return;
    }
    const value = typeof res.loss === 'number' ? String(res.loss) : JSON.stringify(res.loss);
    const rows = Object.entries(res.grads ?? {}).map(([name, g]) => {
      const flat = flatten(g);
      const norm = l2(flat);
      const bad = flat.filter((x) => !Number.isFinite(x)).length;
      return h('tr', { class: bad ? 'bad' : '' }, h('td', {}, name), h('td', { class: 'num', 'data-grad': name }, Number.isFinite(norm) ? norm.toPrecision(6) : String(norm)),
        h('td', { class: 'num' }, flat.length ? Math.max(...flat.map(Math.abs)).toPrecision(4) : '—'), h('td', {}, bad ? `${bad} not finite` : 'finite'));
    });
    clear(out,
      h('div', { class: 'value-line' }, h('span', { class: 'label' }, `${loss.name} =`), h('span', { class: 'value', id: 'run-value' }, value)),
      h('div', { class: 'muted' }, `on ${res.backend ?? '?'} (float32)`),
      rows.length ? h('table', { class: 'grads', id: 'run-grads' }, h('tr', {}, h('th', {}, 'input'), h('th', {}, '‖∇‖₂'), h('th', {}, 'max |∇|'), h('th', {}, '')), rows) : null,
      json);
  }

  function build(loss: LossSummary | undefined): void {
    const losses = app.analysis?.losses ?? [];
    if (!loss) {
      clear(form, h('div', { class: 'empty' }, 'No loss in the file checks yet. Fix the problems under the editor to run one.'));
      clear(out);
      return;
    }
    const s = app.settings;
    s.sizes = { ...defaultSizes(loss, s.sizes) };
    const field = (label: string, input: HTMLElement): HTMLElement => h('label', { class: 'field' }, h('span', {}, label), input);
    const sizes = dimsOf(loss).map((d) => field(d === '...' ? '… (leading dims)' : d, h('input', {
      type: 'text', value: s.sizes[d] ?? '', size: 4, 'data-dim': d, disabled: loss.fixedDims[d] !== undefined,
      oninput: (e: Event) => ((s.sizes[d] = (e.target as HTMLInputElement).value), changed()),
    })));
    const hypers = loss.hypers.map((hp) => field(`${hp.name}${hp.domain ? ` ∈ ${hp.domain.text}` : ''}`, h('input', {
      type: 'text', value: s.hypers[hp.name] ?? '', placeholder: hp.default !== undefined ? String(hp.default) : 'required', size: 6, 'data-hyper': hp.name,
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
          ['', 'mean', 'sum', 'none'].map((r) => h('option', { value: r, selected: s.reduction === r }, r || `default (${loss.reduction})`)))) : null,
        h('button', { id: 'run-button', class: 'primary', onclick: () => void run() }, '▶ Run')),
      loss.doc ? h('p', { class: 'doc' }, loss.doc) : null,
      h('div', { class: 'signature' }, loss.inputs.map((i) => h('code', {}, `${i.name}: ${i.elem === 'index' ? `index[${i.dims.join(', ')}] of ${i.indexOf}` : `${i.elem}[${i.dims.join(', ')}]`}${i.domain ? ` in ${i.domain.text}` : ''}${i.optional ? ' (optional)' : ''}`))),
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
  return { rerun: () => build(selectedLoss()) };
}
