// A long-lived Python process running one of the torch drivers (test/torch/*.py): torch is
// imported once per test file, and requests (JSON lines) are answered in order. The tests
// skip, with the reason, only when `/usr/bin/python3 -c 'import torch'` fails; `.ci/run`
// installs python3-torch so that CI never skips. `/usr/bin/python3` explicitly: the python3
// first on PATH may be another interpreter without torch.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { emitPytorchModule, TORCH_RUNTIME_FILE } from '../../src/emit/pytorch.js';
import type { ReductionMode } from '../../src/ir/reduction.js';
import { TORCH_RUNTIME_SOURCE } from '../../src/runtime/python/source.js';
import { compile } from './compile-cache.js';
import type { F64Tensor } from '../oracle/tensor.js';
import type { Hypers, Inputs } from './grad-stdlib-cases.js';

export const PYTHON = '/usr/bin/python3';

/** The losses compared, by stdlib file, with the torch function each claims. */
export const TORCH_OF: Readonly<Record<string, { file: string; torch: string }>> = {
  mse: { file: 'regression', torch: 'F.mse_loss' },
  mae: { file: 'regression', torch: 'F.l1_loss' },
  huber: { file: 'regression', torch: 'F.huber_loss' },
  smooth_l1: { file: 'regression', torch: 'F.smooth_l1_loss' },
  bce: { file: 'classification', torch: 'F.binary_cross_entropy' },
  bce_with_logits: { file: 'classification', torch: 'F.binary_cross_entropy_with_logits' },
  cross_entropy: { file: 'classification', torch: 'F.cross_entropy' },
  nll: { file: 'classification', torch: 'F.nll_loss' },
  focal: { file: 'classification', torch: "tutorial's FocalLoss (F.cross_entropy)" },
  label_smoothing_ce: { file: 'classification', torch: "tutorial's LabelSmoothingCrossEntropy" },
  binary_focal: { file: 'classification', torch: "tutorial's BinaryFocalLoss (= torchvision sigmoid_focal_loss)" },
  triplet_margin: { file: 'metric', torch: 'F.triplet_margin_loss' },
  contrastive: { file: 'metric', torch: "tutorial's ContrastiveLoss (F.pairwise_distance)" },
  batch_hard_triplet: { file: 'metric', torch: "tutorial's OnlineTripletLoss (torch.cdist)" },
  info_nce: { file: 'metric', torch: "tutorial's InfoNCELoss as intended (F.normalize, F.cross_entropy)" },
  nt_xent_simple: { file: 'metric', torch: "tutorial's NTXentLoss (F.normalize, F.cross_entropy)" },
  gan_discriminator: { file: 'generative', torch: 'F.binary_cross_entropy_with_logits' },
  gan_generator: { file: 'generative', torch: 'F.binary_cross_entropy_with_logits' },
  vae: { file: 'generative', torch: "F.binary_cross_entropy(reduction='sum') + KL" },
  margin_ranking: { file: 'metric', torch: 'F.margin_ranking_loss' },
  hinge_embedding: { file: 'metric', torch: 'F.hinge_embedding_loss' },
  cosine_embedding: { file: 'metric', torch: 'F.cosine_embedding_loss' },
  soft_margin: { file: 'classification', torch: 'F.soft_margin_loss' },
  multilabel_soft_margin: { file: 'classification', torch: 'F.multilabel_soft_margin_loss' },
  multi_margin: { file: 'classification', torch: 'F.multi_margin_loss' },
  poisson_nll: { file: 'regression', torch: 'F.poisson_nll_loss' },
  gaussian_nll: { file: 'regression', torch: 'F.gaussian_nll_loss' },
  kl_div: { file: 'classification', torch: "F.kl_div (reduction 'batchmean' for the mean)" },
};


let probed: string | undefined | null = null;
/** Why torch cannot be used here, or undefined when it can. */
export function torchMissing(): string | undefined {
  if (probed !== null) return probed;
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  probed = r.status === 0 ? undefined : `PyTorch cannot be imported by ${PYTHON} (${(r.stderr || String(r.error ?? '')).trim().split('\n').pop()}); .ci/run installs python3-torch and liblapack3`;
  if (probed) console.warn(`skipping the PyTorch tests: ${probed}`);
  return probed;
}

/**
 * One comparison with torch (test/torch-functional, test/torch-module): a stdlib loss on
 * inputs, with its hyperparameters, a reduction where it has one, and per-sample weights.
 */
export interface TorchLossCase<Reduction extends ReductionMode = ReductionMode> {
  readonly name: string;
  readonly loss: string;
  readonly x: Inputs;
  readonly hypers: Hypers;
  readonly reduction?: Reduction;
  /** Per-sample weights given to the module. */
  readonly weights?: F64Tensor;
}

/** A loss's value and its gradient along each real input, by name. */
export interface LossAnswer {
  readonly value: F64Tensor;
  readonly grads: Record<string, F64Tensor>;
}

/** A tensor on the wire: data with NaN and ±Infinity as strings. */
export interface WireTensor {
  readonly shape: readonly number[];
  readonly data: readonly (number | string)[];
  readonly dtype?: 'float' | 'int' | 'bool';
}

export const encodeNumber = (v: number): number | string => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');
export const decodeNumber = (v: number | string): number => (typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity);

export function wire(t: F64Tensor, dtype: WireTensor['dtype'] = 'float'): WireTensor {
  return { shape: [...t.shape], data: Array.from(t.data, encodeNumber), dtype };
}

export function unwire(t: WireTensor): F64Tensor {
  return { shape: [...t.shape], data: Float64Array.from(t.data, decodeNumber) };
}

interface Pending {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
}

export class TorchDriver {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private stderr = '';

  /** Starts `test/torch/<script>` (extra environment in `env`). */
  constructor(script: string, env: Record<string, string> = {}) {
    this.child = spawn(PYTHON, [resolve('test/torch', script)], { cwd: resolve('test/torch'), env: { ...process.env, ...env, PYTHONDONTWRITEBYTECODE: '1' } });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const answer = JSON.parse(line) as { id: number; result?: unknown; error?: string; trace?: string };
      const p = this.pending.get(answer.id);
      if (!p) return;
      this.pending.delete(answer.id);
      if (answer.error !== undefined) p.reject(new Error(`${script}: ${answer.error}\n${answer.trace ?? ''}`));
      else p.resolve(answer.result);
    });
    this.child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`${script} exited with ${code}: ${this.stderr}`));
      this.pending.clear();
    });
  }

  request<T>(body: Record<string, unknown>): Promise<T> {
    const id = this.next++;
    return new Promise<T>((res, rej) => {
      this.pending.set(id, { resolve: res as (v: unknown) => void, reject: rej });
      this.child.stdin.write(`${JSON.stringify({ ...body, id })}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}

/**
 * `source` compiled to a PyTorch module beside its runtime (test/.tmp/<folder>/<name>.py, as
 * `file` is <name>.loss), and `driver` run by the Python that imports torch with `input` as
 * JSON on stdin: the driver finds the module as `mod`, and prints its answer as JSON, which is
 * returned parsed once nothing was written to stderr.
 */
export async function runTorchDriver<T>(folder: string, file: string, source: string, driver: string, input: unknown, options: { readonly autodiff?: boolean } = {}): Promise<T> {
  const dir = resolve('test/.tmp', folder);
  const name = file.replace(/\.loss$/, '');
  mkdirSync(dir, { recursive: true });
  const r = await compile(source, file);
  writeFileSync(resolve(dir, `${name}.py`), emitPytorchModule({ file, losses: r.losses, ...(options.autodiff ? { autodiff: true } : {}) }));
  writeFileSync(resolve(dir, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
  const load = [
    'import json, sys, importlib.util, torch',
    'sys.path.insert(0, sys.argv[1])',
    `spec = importlib.util.spec_from_file_location("${name}_module", sys.argv[1] + "/${name}.py")`,
    'mod = importlib.util.module_from_spec(spec)',
    'spec.loader.exec_module(mod)',
  ].join('\n');
  const run = spawnSync(PYTHON, ['-c', `${load}\n${driver}`, dir], { input: JSON.stringify(input), encoding: 'utf8', timeout: 60_000 });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as T;
}
