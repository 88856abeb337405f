// One implementation of one pairwise loss at one N on one backend, in its own process (started
// by bench/pairwise/driver.ts): when it runs out of the wasm heap, only its own numbers are lost.
// It starts the backend, makes the inputs, makes one call that checks the value and gradients
// (also the warm-up) and one under tf.profile (peak memory), reports ready, and then makes one
// timed forward+backward call per 'round' line on stdin until 'exit'.
//
//   node --import tsx bench/pairwise/worker.ts '{"loss":"info_nce","n":256,"backend":"wasm","impl":"expert"}'
import * as tf from '@tensorflow/tfjs';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { initBackend } from '../../src/eval/setup.js';
import { CASES, type CompiledModule, type Impl, type PairwiseCase } from './cases.js';
import { TAG, type Check, type Message, type WorkerSpec } from './protocol.js';

function send(m: Message): void {
  process.stdout.write(`${TAG}${JSON.stringify(m)}\n`);
}

/** Reports the failure and ends the process: after a wasm abort the backend is not usable again. */
function fail(phase: string, e: unknown): never {
  const message = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  // A WebAssembly trap is a RuntimeError (WebAssembly.RuntimeError).
  const aborted = (e instanceof Error && e.name === 'RuntimeError') || /\bAborted\(/.test(message);
  send({ kind: 'error', phase, message: message.split('\n')[0]!, aborted });
  process.exit(1);
}

/** The loss as a function of the differentiated inputs, the others fixed. */
function lossOf(c: PairwiseCase, impl: Impl, x: Record<string, tf.Tensor>) {
  return (...ws: tf.Tensor[]): tf.Scalar => impl({ ...x, ...Object.fromEntries(c.wrt.map((k, i) => [k, ws[i]!])) });
}

/** Forward+backward as a training step makes it: value and gradients summed on the device, one number read. */
function step(c: PairwiseCase, impl: Impl, x: Record<string, tf.Tensor>): number {
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads(lossOf(c, impl, x))(c.wrt.map((k) => x[k]!));
    return grads.reduce<tf.Tensor>((s, g) => tf.add(s, tf.sum(g)), value).dataSync()[0]!;
  });
}

/** The value and each gradient's norm, read back together. */
function check(c: PairwiseCase, impl: Impl, x: Record<string, tf.Tensor>): Check {
  const read = tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads(lossOf(c, impl, x))(c.wrt.map((k) => x[k]!));
    return tf.stack([value, ...grads.map((g) => tf.norm(g))]).dataSync();
  });
  return { value: read[0]!, gradNorms: Array.from(read.slice(1)) };
}

async function main(spec: WorkerSpec): Promise<void> {
  const t0 = performance.now();
  const c = CASES[spec.loss];
  if (!c) fail('setup', new Error(`no pairwise case '${spec.loss}'`));
  let impl: Impl;
  let x: Record<string, tf.Tensor>;
  try {
    const running = await initBackend(spec.backend);
    // initBackend falls back to cpu when wasm cannot start: numbers labelled wasm must be wasm's.
    if (running !== spec.backend) throw new Error(`the ${spec.backend} backend did not start (tfjs fell back to ${running})`);
    impl = spec.dir === undefined ? c.expert : c.compiled((await import(pathToFileURL(resolve(spec.dir, `${c.module}.ts`)).href)) as CompiledModule);
    x = c.inputs(spec.n);
  } catch (e) {
    fail('setup', e);
  }
  let checked: Check;
  try {
    checked = check(c, impl, x);
  } catch (e) {
    fail('warm-up', e);
  }
  let profile: Awaited<ReturnType<typeof tf.profile>>;
  let leakedTensors: number;
  try {
    const before = tf.memory().numTensors;
    profile = await tf.profile(() => void step(c, impl, x));
    leakedTensors = tf.memory().numTensors - before;
  } catch (e) {
    fail('profile', e);
  }
  send({ kind: 'ready', check: checked, peakMB: profile.peakBytes / 2 ** 20, kernels: profile.kernels.length, leakedTensors, setupMs: performance.now() - t0, setupCpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'round') {
      try {
        const start = performance.now();
        const cpu = process.cpuUsage();
        step(c, impl, x);
        const used = process.cpuUsage(cpu);
        send({ kind: 'time', ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 });
      } catch (e) {
        fail('round', e);
      }
    } else if (line === 'exit') {
      break;
    }
  }
  // resourceUsage's maxRSS is in kilobytes.
  send({ kind: 'done', maxRssMB: process.resourceUsage().maxRSS / 1024 });
  process.exit(0);
}

await main(JSON.parse(process.argv[2] ?? '{}') as WorkerSpec);
