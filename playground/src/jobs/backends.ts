// A loss on the browser's own TensorFlow.js backends, cpu, wasm and webgl, one after the other
// in the run worker. The library's `evaluate` starts only wasm or cpu (it is written for Node,
// where there is no WebGL), so this runs its evaluator (evaluateTfjs / valueAndGradsTfjs) on
// whichever backend is made active here, with the inputs prepared as `evaluate` prepares them.
import * as tf from '@tensorflow/tfjs';
import type { NestedArray } from '../../../src/eval/inputs.js';
import { denseDtype, prepareInputs } from '../../../src/eval/inputs.js';
import { evaluateTfjs, valueAndGradsTfjs } from '../../../src/eval/evaluate.js';
import type { ReductionMode } from '../../../src/ir/reduction.js';
import { frontEnd } from '../../../src/pipeline.js';
import type { EvaluateResult } from '../../../src/index.js';
import type { SourceHost } from '../../../src/check/program.js';
import type { EvalRequest } from './types.js';

export const BROWSER_BACKENDS = ['cpu', 'wasm', 'webgl'] as const;
export type BrowserBackend = (typeof BROWSER_BACKENDS)[number];

export interface BackendValue {
  readonly backend: BrowserBackend;
  readonly loss?: NestedArray;
  readonly error?: string;
}

/** Makes `name` the active backend, or says why it cannot start here. */
async function activate(name: BrowserBackend): Promise<void> {
  if (tf.getBackend() === name) return;
  let started = false;
  try {
    started = await tf.setBackend(name);
  } catch (err) {
    throw new Error(`TensorFlow.js could not start ${name} here: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!started) throw new Error(`TensorFlow.js could not start ${name} here`);
  await tf.ready();
}

/** The loss (and its gradients with `req.grad`) on one backend, as `evaluate` reports it. */
export async function evaluateOn(backend: BrowserBackend, req: EvalRequest, host: SourceHost, reduction?: ReductionMode): Promise<EvaluateResult> {
  const checked = frontEnd(req.ref.text, req.ref.file, { host, target: backend === 'cpu' ? 'cpu' : 'wasm', gradients: true });
  const fn = checked.losses.find((l) => l.name === req.ref.loss);
  if (!fn || checked.diagnostics.some((d) => d.severity === 'error')) return { diagnostics: checked.diagnostics };
  const prepared = prepareInputs(fn, req.inputs, req.hypers);
  if (prepared.diagnostics.length > 0) return { diagnostics: [...checked.diagnostics, ...prepared.diagnostics] };
  const before = tf.getBackend();
  await activate(backend);
  const tensors: Record<string, tf.Tensor> = {};
  try {
    const shapes = Object.fromEntries(Object.entries(prepared.tensors).map(([k, v]) => [k, v.shape]));
    for (const input of fn.inputs) {
      const v = prepared.tensors[input.name];
      if (!v) continue;
      tensors[input.name] = tf.tensor(v.data, v.shape, denseDtype(fn, input, shapes, v.data));
    }
    const options = reduction ? { reduction } : {};
    if (req.grad) {
      // A union given as class indices has no gradient (its probabilities form has one).
      const wrt = fn.inputs.filter((i) => i.elem === 'real' && tensors[i.name] && !(i.orIndices && tensors[i.name]!.dtype === 'int32')).map((i) => i.name);
      const { value, grads } = valueAndGradsTfjs(fn, tensors, prepared.hypers, wrt, options);
      const out: Record<string, NestedArray> = {};
      for (const [name, g] of Object.entries(grads)) out[name] = (await g.array()) as NestedArray;
      const loss = (await value.array()) as NestedArray;
      tf.dispose([value, ...Object.values(grads)]);
      return { loss, grads: out, diagnostics: checked.diagnostics, backend };
    }
    const value = evaluateTfjs(fn, tensors, prepared.hypers, options);
    const loss = (await value.array()) as NestedArray;
    value.dispose();
    return { loss, diagnostics: checked.diagnostics, backend };
  } finally {
    tf.dispose(Object.values(tensors));
    if (before && tf.getBackend() !== before) await tf.setBackend(before);
  }
}

/** The value on each backend in turn; a backend that fails gives its reason instead. */
export async function valueOnBackends(req: EvalRequest, host: SourceHost, reduction?: ReductionMode): Promise<BackendValue[]> {
  const out: BackendValue[] = [];
  for (const backend of BROWSER_BACKENDS) {
    try {
      const r = await evaluateOn(backend, { ...req, grad: false }, host, reduction);
      const error = r.diagnostics.find((d) => d.severity === 'error');
      out.push(error || r.loss === undefined ? { backend, error: error ? `${error.code}: ${error.message}` : 'no value' } : { backend, loss: r.loss });
    } catch (err) {
      out.push({ backend, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}
