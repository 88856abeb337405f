// Compiler speed: the phases in a fresh process (speed-worker.ts), and the cold start of the
// `lossc` command itself, `compile` and `check` over the stdlib, as separate processes.
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../stats.js';
import type { CompilerSpeed, ProcessTimes } from './types.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const WORKER = fileURLToPath(new URL('./speed-worker.ts', import.meta.url));

export function compilerSpeed(): Promise<CompilerSpeed> {
  const execArgv = process.execArgv.some((a) => a.includes('tsx')) ? process.execArgv : [...process.execArgv, '--import', 'tsx'];
  return new Promise((done, fail) => {
    const child = fork(WORKER, [], { cwd: ROOT, execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
    child.on('message', (m: { ok: boolean; result?: CompilerSpeed; error?: string }) => (m.ok ? done(m.result!) : fail(new Error(m.error))));
    child.on('exit', (code) => {
      if (code !== 0) fail(new Error(`compiler speed worker exited with ${code}: ${err}`));
    });
  });
}

/** Wall time of `node <args>` from spawn to exit, `runs` times. */
function timeProcess(label: string, args: readonly string[], runs: number): ProcessTimes {
  const times: number[] = [];
  let ok = true;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
    times.push(performance.now() - t0);
    ok &&= r.status === 0;
  }
  return { command: label, runs, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), ok };
}

/** `node -e 0` for reference, then `lossc check stdlib` and `lossc compile stdlib`. */
export function cliColdStarts(runs: number): ProcessTimes[] {
  const out = mkdtempSync(join(tmpdir(), 'lossc-bench-'));
  try {
    return [
      timeProcess('node -e 0 (Node start alone)', ['-e', '0'], runs),
      timeProcess('lossc check stdlib', ['bin/lossc.js', 'check', 'stdlib'], runs),
      timeProcess('lossc compile stdlib --out DIR', ['bin/lossc.js', 'compile', 'stdlib', '--out', out], runs),
    ];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
