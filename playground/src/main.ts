// The playground page: the editor on the left, the panes on the right, examples and share
// links in the header. Nothing here may blank the page: failures become a banner or a problem
// inside the pane that failed.
import './style.css';
import { app, DEFAULT_SETTINGS, internalProblem, showBanner, type Settings, type Tab } from './app.js';
import { clear, debounce, h, $ } from './dom.js';
import { createEditor, setMarkers } from './editor.js';
import { DEMOS, exampleGroups } from './examples.js';
import { mountCode } from './panes/code.js';
import { mountIr, mountStability } from './panes/ir.js';
import { mountPlots } from './panes/plots.js';
import { mountProblems } from './panes/problems.js';
import { mountRun } from './panes/run.js';
import { DEFAULT_PLOT, type PlotSpec } from './plot/specs.js';
import { decodeState, encodeState } from './share.js';
import { STDLIB } from './stdlib.js';
import { monaco } from './monaco.js';
import { fileButtons } from './files.js';
import { keepPrevious, loadPrevious, loadSaved, save, type Saved } from './autosave.js';

const STARTER = `// Write a loss: problems are marked as you type.
// Examples (top left) opens every stdlib loss; running it, plots,
// the generated TypeScript and the IR are on the right.

/// Huber loss: quadratic for errors up to delta, linear beyond.
loss huber(pred: [...], target: [...], delta: real in (0, inf) = 1.0) =
  mean(if a <= delta then 0.5 * a^2 else delta * (a - 0.5 * delta))
  where a = abs(pred - target)
`;

type Shared = Saved;

/** The compiler version this page was built from (vite.config.ts reads package.json). */
const VERSION = __LOSSC_VERSION__;

window.addEventListener('error', (e) => showBanner(internalProblem('running the page', e.error ?? e.message)));
window.addEventListener('unhandledrejection', (e) => showBanner(internalProblem('running the page', e.reason)));
$('#banner .close').addEventListener('click', () => ($('#banner').hidden = true));

const editor = createEditor($('#editor'), STARTER);
const model = editor.getModel()!;

// Keystroke-to-markers latency, read by bench/playground-latency.ts.
// `markers`: the first markers (names, types, shapes); `complete`: with the stability findings.
const latency: { version: number; key: number; markers?: number; check?: number; complete?: number; stabilityCheck?: number }[] = [];
let lastKey = 0;
editor.onKeyDown((e) => (lastKey = e.browserEvent.timeStamp));
// Also the editor's text and the settings, for the browser tests to compare with what they typed.
(window as unknown as { __lossc: unknown }).__lossc = { latency, get version() { return app.version; }, get text() { return model.getValue(); }, get settings() { return app.settings; } };

/** True while the page itself replaces the text (a link, the saved work): not a user's edit. */
let restoring = false;

editor.onDidChangeModelContent(() => {
  app.update(model.getValue());
  run.invalidate();
  if (!restoring) edited();
  latency.push({ version: app.version, key: lastKey || performance.now() });
  if (latency.length > 500) latency.shift();
});

app.onAnalysis((a) => {
  setMarkers(model, a.diagnostics, a.complete);
  const entry = latency.find((l) => l.version === a.version);
  if (entry && !a.complete) Object.assign(entry, { markers: performance.now(), check: a.checkMs });
  if (entry && a.complete) Object.assign(entry, { complete: performance.now(), stabilityCheck: a.checkMs }, entry.markers === undefined ? { markers: performance.now(), check: a.checkMs } : {});
  if (a.complete) $('#check-time').textContent = `checked in ${a.checkMs.toFixed(1)} ms`;
});

mountProblems($('#problems'), editor);
// Settings live in app.settings and travel in share links; a change is saved like an edit.
const run = mountRun($('#pane-run'), () => edited());
const plots = mountPlots($('#pane-plots'), () => edited());
const code = mountCode($('#pane-code'), () => app.settings.tab === 'code');
const ir = mountIr($('#pane-ir'), () => app.settings.tab === 'ir');
mountStability($('#pane-stability'));

function selectTab(tab: Tab): void {
  app.settings.tab = tab;
  for (const el of document.querySelectorAll<HTMLElement>('[data-tab]')) el.classList.toggle('active', el.dataset.tab === tab);
  for (const el of document.querySelectorAll<HTMLElement>('.pane')) el.hidden = el.id !== `pane-${tab}`;
  if (tab === 'code') code.refresh();
  if (tab === 'ir') ir.refresh();
  if (tab === 'run') run.rerun();
}
for (const el of document.querySelectorAll<HTMLElement>('[data-tab]')) el.addEventListener('click', () => selectTab(el.dataset.tab as Tab));

// Stability findings get a count on their tab.
app.onAnalysis((a) => {
  const n = a.diagnostics.filter((d) => d.code.startsWith('W6')).length;
  $('[data-tab="stability"] .badge').textContent = n ? String(n) : '';
});

/** Replaces the editor's text as one undoable edit. */
function setText(text: string): void {
  model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null);
  model.pushStackElement();
}

function openExample(file: string, loss?: string): void {
  const text = STDLIB.get(file) ?? DEMOS[file];
  if (text === undefined) return;
  app.settings.loss = loss;
  app.settings.hypers = {};
  // The old result is the old loss's: it goes now, not when the new one has run.
  run.clearResult();
  setText(text);
  const line = loss ? text.split('\n').findIndex((l) => new RegExp(`^loss\\s+${loss}\\b`).test(l)) : -1;
  if (line >= 0) editor.revealLineInCenter(line + 1);
  closeExamples();
}

function renderExamples(): void {
  clear($('#examples'),
    exampleGroups().map((g) => h('section', {}, h('h3', {}, g.task), g.examples.map((e) => h('button', {
      class: 'example', 'data-example': `${e.file}#${e.name}`, title: e.doc ?? '', onclick: () => openExample(e.file, e.name),
    }, h('span', { class: 'line' }, h('span', { class: 'name' }, e.name), h('span', { class: 'file' }, e.file)), e.when ? h('span', { class: 'when' }, e.when) : null)))),
    h('section', {}, h('h3', {}, 'Playground demos'), Object.keys(DEMOS).map((file) => h('button', { class: 'example', 'data-example': file, onclick: () => openExample(file) },
      h('span', { class: 'line' }, h('span', { class: 'name' }, file.replace(/\.loss$/, '')), h('span', { class: 'file' }, 'for the plots'))))));
}
function closeExamples(): void {
  $('#examples').hidden = true;
  $('#examples-button').setAttribute('aria-expanded', 'false');
}
$('#examples-button').addEventListener('click', () => {
  const panel = $('#examples');
  if (panel.hidden) renderExamples();
  // Under the header, however many rows it wraps into on a narrow screen.
  panel.style.top = `${Math.round($('header').getBoundingClientRect().bottom + 4)}px`;
  panel.hidden = !panel.hidden;
  $('#examples-button').setAttribute('aria-expanded', String(!panel.hidden));
});
// The panel closes like a menu: on Escape, or on a click anywhere outside it.
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !$('#examples').hidden) closeExamples();
});
document.addEventListener('mousedown', (e) => {
  const target = e.target as Node;
  if (!$('#examples').hidden && !$('#examples').contains(target) && !$('#examples-button').contains(target)) closeExamples();
});

// Ctrl/Cmd+Enter runs the selected loss, from the editor or anywhere in the page.
function runFromKeyboard(): void {
  if (app.settings.tab !== 'run') selectTab('run');
  run.runNow();
}
editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, runFromKeyboard);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !(e.target instanceof Element && e.target.closest('#editor'))) {
    e.preventDefault();
    runFromKeyboard();
  }
});

// The split between the editor and the panes: dragged, or moved with the arrow keys, between
// 20% and 80% of the width. Below 800 px the panes stack and the splitter is hidden.
function setSplit(percent: number): void {
  const p = Math.min(80, Math.max(20, percent));
  $('section.left').style.flexBasis = `${p}%`;
  $('section.right').style.flexBasis = `${100 - p}%`;
  $('#splitter').setAttribute('aria-valuenow', String(Math.round(p)));
}
const splitter = $('#splitter');
splitter.addEventListener('pointerdown', (e) => {
  splitter.setPointerCapture(e.pointerId);
  document.body.classList.add('resizing');
});
splitter.addEventListener('pointermove', (e) => {
  if (!splitter.hasPointerCapture(e.pointerId)) return;
  const box = $('main').getBoundingClientRect();
  setSplit(((e.clientX - box.left) / box.width) * 100);
});
splitter.addEventListener('pointerup', (e) => {
  splitter.releasePointerCapture(e.pointerId);
  document.body.classList.remove('resizing');
});
splitter.addEventListener('keydown', (e) => {
  const now = Number(splitter.getAttribute('aria-valuenow') ?? 52);
  if (e.key === 'ArrowLeft') setSplit(now - 5);
  if (e.key === 'ArrowRight') setSplit(now + 5);
});
setSplit(52);

// --- share links ----------------------------------------------------------------------------
function snapshot(): Shared {
  return { v: 1, compiler: VERSION, text: model.getValue(), settings: { ...app.settings }, plot: plots.spec() };
}

/**
 * After an edit: the work is saved in this browser, and a share link in the address bar no
 * longer describes the page, so it goes (a reload then brings back the saved work, not the link).
 */
const saveSoon = debounce(300, () => save(snapshot()));
function edited(): void {
  if (restoring) return;
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  saveSoon();
}
window.addEventListener('pagehide', () => {
  if (!restoring) save(snapshot());
});

/** A note above the page that is not an error (a link from another version, work kept aside). */
function notice(...children: (Node | string)[]): void {
  const box = $('#notice');
  box.hidden = false;
  clear(box.querySelector('.text')!, ...children);
}
$('#notice .close').addEventListener('click', () => ($('#notice').hidden = true));

$('#share-button').addEventListener('click', async () => {
  const hash = await encodeState(snapshot());
  history.replaceState(null, '', hash);
  const url = location.href;
  const field = $('#share-url') as HTMLInputElement;
  field.value = url;
  $('#share-box').hidden = false;
  field.select();
  try {
    await navigator.clipboard.writeText(url);
    $('#share-note').textContent = 'Copied to the clipboard.';
  } catch {
    $('#share-note').textContent = 'Copy the link above.';
  }
});
// The .loss source itself, beside the share link.
$('#source-buttons').replaceWith(h('span', { id: 'source-buttons', title: 'the editor\u2019s .loss source' }, '.loss ', fileButtons('source', () => `${app.analysis?.losses[0]?.name ?? 'losses'}.loss`, () => model.getValue())));
$('#share-close').addEventListener('click', () => ($('#share-box').hidden = true));

function apply(s: Shared): void {
  restoring = true;
  try {
    app.settings = { ...DEFAULT_SETTINGS, ...s.settings };
    run.clearResult();
    run.adoptSettings();
    setText(String(s.text ?? ''));
    // A preset's plot needs nothing of the editor: the link draws it again.
    if (s.plot) plots.load({ ...DEFAULT_PLOT, ...s.plot }, s.plot.preset !== undefined);
    selectTab(app.settings.tab);
  } finally {
    restoring = false;
  }
}

/** The page's state from a share link, else from the work saved in this browser. */
async function restore(fromHashChange = false): Promise<void> {
  const state = await decodeState(location.hash);
  if (state instanceof Error) return showBanner(internalProblem('opening the link', state));
  if (state && typeof state === 'object' && (state as Shared).v === 1) {
    const s = state as Shared;
    // Opening a link replaces the editor: the work it replaces is kept aside, and the page says so.
    const saved = loadSaved();
    const mine = saved && saved.text !== s.text ? saved : undefined;
    if (mine) keepPrevious(mine);
    apply(s);
    save(snapshot());
    const parts: (Node | string)[] = [];
    if (s.compiler && s.compiler !== VERSION) parts.push(`This link was made with lossc ${s.compiler}; this page runs lossc ${VERSION}, so checks and values may differ. `);
    if (mine) parts.push('Your previous work in this browser was kept: ', h('button', { class: 'link', id: 'restore-previous', onclick: () => {
      const previous = loadPrevious();
      if (previous) {
        history.replaceState(null, '', location.pathname + location.search);
        apply(previous);
        save(snapshot());
      }
      $('#notice').hidden = true;
    } }, 'bring it back'));
    if (parts.length) notice(...parts);
    return;
  }
  if (fromHashChange) return;
  const saved = loadSaved();
  if (saved) apply(saved);
}

window.addEventListener('hashchange', () => void restore(true));
app.update(model.getValue());
selectTab('run');
void restore().finally(() => document.body.classList.add('ready'));

// The backend the run worker started, for the status bar.
void app.runner.call<{ using: string }>('backend', { choice: app.settings.backend }).then(
  (b) => ($('#backend').textContent = `TensorFlow.js: ${b.using}`),
  (err) => showBanner(internalProblem('starting TensorFlow.js', err)),
);
