// A runtime worker: one backend, one task (loss, size) at a time, on request from the parent
// (bench/runtime/pool.ts). Each task times every variant of the loss forward and
// forward+backward (bench/runtime/measure.ts).
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { caseOf } from '../cases/index.js';
import { mulberry32 } from '../cases/random.js';
import type { GeneratedModule, LossFn } from '../cases/types.js';
import { initBackend } from '../../src/eval/setup.js';
import { aborted, callOf, measureGroup, type Timed } from './measure.js';
import type { BackendInfo, FromWorker, InitMessage, TaskMessage, ToWorker } from './protocol.js';
import type { MeasureSettings, Mode, ModeResult, TaskResult, VariantName } from './types.js';

const MODES: readonly Mode[] = ['forward', 'forward+backward'];
/** compiled-nocheck is timed only where the input scan could matter against the call. */
const NOCHECK_MAX_MS = 250;

let init: InitMessage | undefined;
/** The mode in which the wasm heap aborted, reported with the task's result. */
let abortedIn: Mode | undefined;
const modules = new Map<string, { mod: GeneratedModule; checkValues: boolean }>();

function send(m: FromWorker): void {
  process.send!(m);
}

/** The generated module of `file` from `dir` (build/stdlib, or build/stdlib-autodiff). */
async function moduleOf(file: string, dir = init!.stdlibDir): Promise<{ mod: GeneratedModule; checkValues: boolean }> {
  const path = resolve(dir, `${file}.ts`);
  let m = modules.get(path);
  if (!m) {
    const mod = (await import(pathToFileURL(path).href)) as GeneratedModule;
    m = { mod, checkValues: readFileSync(path, 'utf8').includes('checkValues') };
    modules.set(path, m);
  }
  return m;
}

/** A seed per (loss, size), the same on every backend. */
function seedOf(loss: string, size: number): number {
  let h = 2166136261;
  for (const ch of `${loss}@${size}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

async function runTask({ loss, size, exclude = [], modes: only = MODES, variants, profile = true }: TaskMessage, settings: MeasureSettings): Promise<TaskResult> {
  const t0 = performance.now();
  const c = caseOf(loss);
  const dims = c.dims(size);
  const { mod, checkValues } = await moduleOf(c.file);
  // The same loss without the derived backward pass: only gradients differ, so forward+backward only.
  const autodiff = init!.autodiffDir ? (await moduleOf(c.file, init!.autodiffDir)).mod : undefined;
  const x = c.inputs(dims, mulberry32(seedOf(loss, size)));
  const modes: ModeResult[] = [];
  try {
    for (const mode of MODES.filter((m) => only.includes(m))) {
      const fns: [VariantName, LossFn, number?][] = [
        ['compiled', (y) => c.compiled(mod, y, {})],
        ...(checkValues ? [['compiled-nocheck', (y) => c.compiled(mod, y, { checkValues: false }), NOCHECK_MAX_MS] as [VariantName, LossFn, number]] : []),
        ...(autodiff && mode === 'forward+backward' ? [['autodiff', (y) => c.compiled(autodiff, y, {})] as [VariantName, LossFn]] : []),
        ['baseline', c.baseline],
        ...(c.tfLosses ? [['tf.losses', c.tfLosses] as [VariantName, LossFn]] : []),
        ...(c.loop && size <= ((mode === 'forward' ? c.loopMaxSize?.forward : c.loopMaxSize?.backward) ?? Infinity) ? [['loop', c.loop] as [VariantName, LossFn]] : []),
      ];
      const timed: Timed[] = fns
        .filter(([name]) => !exclude.some((e) => e.mode === mode && e.variant === name) && (!variants || variants.includes(name)))
        .map(([name, fn, skipAboveMs]) => ({ name, call: callOf(fn, mode, x, c.wrt), ...(skipAboveMs ? { skipAboveMs } : {}) }));
      modes.push({ mode, variants: await measureGroup(timed, settings, profile) });
      if (aborted()) abortedIn ??= mode;
    }
  } finally {
    if (!aborted()) tf.dispose(Object.values(x));
  }
  return {
    backend: init!.backend,
    loss,
    file: c.file,
    size,
    elements: c.elements(dims),
    dims,
    unit: c.unit,
    modes,
    seconds: (performance.now() - t0) / 1000,
  };
}

async function onMessage(m: ToWorker): Promise<void> {
  if (m.type === 'exit') process.exit(0);
  if (m.type === 'init') {
    init = m;
    let fellBack: string | undefined;
    const backend = await initBackend(m.backend, { onFallback: (msg) => (fellBack = msg) });
    if (backend !== m.backend) {
      send({ type: 'failed', error: fellBack ?? `backend ${m.backend} unavailable`, id: m.id });
      return;
    }
    const flag = async (name: string): Promise<boolean | undefined> => {
      try {
        return Boolean(await tf.env().getAsync(name));
      } catch {
        return undefined;
      }
    };
    const info: BackendInfo = {
      backend: tf.getBackend(),
      tfjs: tf.version.tfjs,
      ...(backend === 'wasm' ? { wasmSimd: await flag('WASM_HAS_SIMD_SUPPORT'), wasmThreads: await flag('WASM_HAS_MULTITHREAD_SUPPORT') } : {}),
    };
    send({ type: 'ready', info, id: m.id });
    return;
  }
  try {
    const result = await runTask(m, init!.settings);
    const variant = aborted();
    send({ type: 'result', result, id: m.id, ...(variant && abortedIn ? { aborted: { mode: abortedIn, variant } } : {}) });
    // The wasm module is dead after an abort: the parent starts a fresh worker.
    if (variant) setTimeout(() => process.exit(3), 100);
  } catch (e) {
    send({ type: 'failed', error: e instanceof Error ? (e.stack ?? e.message) : String(e), id: m.id });
  }
}

process.on('message', (m: ToWorker) => {
  void onMessage(m);
});
