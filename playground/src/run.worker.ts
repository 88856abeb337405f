// The run worker: every evaluation on TensorFlow.js happens here (Run, sweeps, training,
// landscapes), so a long job never freezes the editor. A newer job of the same kind cancels
// the older one at its next evaluation.
import { evaluate, type EvaluateResult } from '../../src/index.js';
import type { ReductionMode } from '../../src/ir/reduction.js';
import { diagnostic } from '../../src/diagnostics/diagnostic.js';
import { evaluateOn, valueOnBackends } from './jobs/backends.js';
import { landscape, type LandscapeParams } from './jobs/landscape.js';
import { sweep, type SweepParams } from './jobs/sweep.js';
import { train, type TrainParams } from './jobs/train.js';
import type { EvalReply, EvalRequest, JobControl } from './jobs/types.js';
import { serve } from './rpc.js';
import { stdlibHost } from './stdlib.js';
import { initBrowserBackend, type Backend } from './tf-browser.js';
import { flatten } from './values.js';

// webgl is not a backend `evaluate` starts: the Run pane's value on it comes from evaluateOn.
let chosen: Backend | 'webgl' | 'auto' = 'auto';

async function backend(): Promise<Backend> {
  const started = await initBrowserBackend();
  return chosen === 'auto' || chosen === 'webgl' ? started : chosen;
}

// One evaluation at a time: evaluateOn and evaluate each make their backend the active one, and
// two interleaved at an await would run one on the other's backend (and label it wrongly).
let queue: Promise<unknown> = Promise.resolve();
function exclusive<T>(f: () => Promise<T>): Promise<T> {
  const next = queue.then(f, f);
  queue = next.catch(() => undefined);
  return next;
}

export interface RunParams {
  readonly req: EvalRequest;
  readonly reduction?: ReductionMode;
}

/** One evaluation with everything the Run pane shows. */
function run(p: RunParams): Promise<EvaluateResult> {
  return exclusive(() => runNow(p));
}

async function runNow(p: RunParams): Promise<EvaluateResult> {
  if (chosen === 'webgl') {
    await initBrowserBackend();
    try {
      return await evaluateOn('webgl', p.req, stdlibHost, p.reduction);
    } catch (err) {
      return { diagnostics: [diagnostic('EvaluationFailed', undefined, { reason: err instanceof Error ? err.message : String(err) })] };
    }
  }
  return evaluate(p.req.ref.text, p.req.ref.file, {
    host: stdlibHost,
    loss: p.req.ref.loss,
    inputs: p.req.inputs,
    set: p.req.hypers,
    grad: p.req.grad,
    backend: await backend(),
    ...(p.reduction ? { reduction: p.reduction } : {}),
  });
}

/** The evaluator of the plot jobs: no stability analysis (the checker pane shows it once). */
async function quick(req: EvalRequest): Promise<EvalReply> {
  const r = await exclusive(async () => evaluate(req.ref.text, req.ref.file, {
    host: stdlibHost, loss: req.ref.loss, inputs: req.inputs, set: req.hypers, grad: req.grad, backend: await backend(), stability: false,
  }));
  const grads: Record<string, number[]> = {};
  for (const [name, g] of Object.entries(r.grads ?? {})) grads[name] = flatten(g);
  const value = r.loss === undefined ? undefined : flatten(r.loss).reduce((a, b) => a + b, 0);
  return { ...(value !== undefined ? { value } : {}), grads, diagnostics: r.diagnostics };
}

const generation: Record<string, number> = {};

function control(kind: string, progress: (p: unknown) => void): JobControl {
  const mine = (generation[kind] = (generation[kind] ?? 0) + 1);
  return {
    cancelled: () => generation[kind] !== mine,
    progress,
    yieldNow: () => new Promise((r) => setTimeout(r, 0)),
  };
}

serve({
  backend: async (p: { choice: Backend | 'webgl' | 'auto' }) => {
    chosen = p.choice;
    const started = await initBrowserBackend();
    return { started, using: chosen === 'webgl' ? 'webgl' : await backend() };
  },
  // The Run pane's loss on cpu, wasm and webgl, for the per-backend line.
  compare: async (p: RunParams) => (await initBrowserBackend(), exclusive(() => valueOnBackends(p.req, stdlibHost, p.reduction))),
  run,
  sweep: (p: SweepParams, progress) => sweep(p, quick, control('sweep', progress)),
  train: (p: TrainParams, progress) => train(p, quick, control('train', progress)),
  landscape: (p: LandscapeParams, progress) => landscape(p, quick, control('landscape', progress)),
  cancel: (p: { kind: string }) => void (generation[p.kind] = (generation[p.kind] ?? 0) + 1),
});
