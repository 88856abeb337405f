// TensorFlow.js in the browser. src/eval/setup.ts is written for Node (the wasm
// binary sits next to the package there); here the .wasm files are build assets whose URLs
// Vite knows, so they are registered with setWasmPaths before the backend starts.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export type Backend = 'wasm' | 'cpu';

let started: Promise<Backend> | undefined;

const absolute = (url: string): string => new URL(url, self.location.href).href;

/** Starts wasm, or cpu when wasm cannot start (no WebAssembly, a blocked fetch). */
export function initBrowserBackend(): Promise<Backend> {
  started ??= (async () => {
    setWasmPaths({
      'tfjs-backend-wasm.wasm': absolute(plain),
      'tfjs-backend-wasm-simd.wasm': absolute(simd),
      'tfjs-backend-wasm-threaded-simd.wasm': absolute(threaded),
    });
    try {
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return 'wasm';
      }
    } catch {
      // fall through to cpu, reported as the backend in use
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return 'cpu';
  })();
  return started;
}
