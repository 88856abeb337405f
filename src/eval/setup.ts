// Backend selection for TensorFlow.js in Node (no tfjs-node): 'wasm' is ~10x faster than
// 'cpu' and works in Node once '@tensorflow/tfjs-backend-wasm' is imported (it registers the
// backend; its .wasm binary is found next to the package). 'cpu' always works.
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'wasm' | 'cpu';

export interface InitOptions {
  /** Called with a message when the requested backend fails and another one is used. */
  onFallback?: (message: string) => void;
}

/** The active backend's name, without tf.getBackend()'s side effect of starting one. */
function current(): string | null {
  return tf.engine().backendName ?? null;
}

let wasmLoaded: Promise<boolean> | undefined;

function loadWasm(): Promise<boolean> {
  wasmLoaded ??= import('@tensorflow/tfjs-backend-wasm').then(
    () => true,
    () => false,
  );
  return wasmLoaded;
}

/**
 * Makes `name` the active backend (idempotent; switching between backends is allowed) and
 * returns the backend actually in use: 'cpu' when wasm cannot start. A fallback is silent
 * unless `onFallback` is given.
 */
export async function initBackend(name: BackendName = 'wasm', options: InitOptions = {}): Promise<BackendName> {
  // Only a failure of wasm falls back to cpu; a name outside the type is refused, not run on cpu.
  if (name !== 'wasm' && name !== 'cpu') throw new Error(`TensorFlow.js backend ${JSON.stringify(name)} is not one lossc starts: 'wasm' or 'cpu'`);
  if (name === 'wasm') {
    if (current() === 'wasm') return 'wasm';
    let reason = 'the @tensorflow/tfjs-backend-wasm package could not be loaded';
    if (await loadWasm()) {
      try {
        if ((await tf.setBackend('wasm')) && tf.getBackend() === 'wasm') {
          await tf.ready();
          return 'wasm';
        }
        reason = 'tf.setBackend("wasm") failed';
      } catch (e) {
        reason = `tf.setBackend("wasm") failed: ${(e as Error).message}`;
      }
    }
    options.onFallback?.(`TensorFlow.js wasm backend unavailable (${reason}); using cpu`);
  }
  if (current() !== 'cpu') {
    if (!(await tf.setBackend('cpu'))) throw new Error('TensorFlow.js: the cpu backend could not be started');
  }
  await tf.ready();
  return 'cpu';
}

/**
 * `f` run on backend `name` (started as initBackend does), then the backend the caller had
 * active made active again, so an app's own tensors and models keep running where they did.
 * A process that had none keeps the one started here.
 */
export async function onBackend<T>(name: BackendName, f: (backend: BackendName) => Promise<T>): Promise<T> {
  const before = current();
  const backend = await initBackend(name);
  try {
    return await f(backend);
  } finally {
    if (before !== null && current() !== before) await tf.setBackend(before);
  }
}
