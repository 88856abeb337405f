// A long-lived Python process running one of the torch drivers (test/torch/*.py): torch is
// imported once per test file, and requests (JSON lines) are answered in order. The tests
// skip, with the reason, only when `/usr/bin/python3 -c 'import torch'` fails; `.ci/run`
// installs python3-torch so that CI never skips. `/usr/bin/python3` explicitly: the python3
// first on PATH may be another interpreter without torch.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import type { F64Tensor } from '../oracle/tensor.js';

export const PYTHON = '/usr/bin/python3';

let probed: string | undefined | null = null;
/** Why torch cannot be used here, or undefined when it can. */
export function torchMissing(): string | undefined {
  if (probed !== null) return probed;
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  probed = r.status === 0 ? undefined : `PyTorch cannot be imported by ${PYTHON} (${(r.stderr || String(r.error ?? '')).trim().split('\n').pop()}); .ci/run installs python3-torch and liblapack3`;
  if (probed) console.warn(`skipping the PyTorch tests: ${probed}`);
  return probed;
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
