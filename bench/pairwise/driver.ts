// The parent side of the pairwise bench: one worker process per implementation of a (loss, N,
// backend), started one after the other (their untimed calls do not compete), then timed in
// rounds that alternate between the processes, the first of each round rotating, so that a
// machine whose load changes slows every implementation alike. A process that aborts (the wasm
// heap), fails or stops answering is recorded with what it said; the others go on.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { median } from '../stats.js';
import { TAG, type Check, type Command, type Message, type WorkerSpec } from './protocol.js';

const WORKER = new URL('./worker.ts', import.meta.url).pathname;

export type ImplResult =
  | {
      readonly impl: string;
      readonly ok: true;
      /** Median of the rounds, ms. */
      readonly ms: number;
      readonly samples: readonly number[];
      /** CPU time of each timed call, ms: what a quiet machine's wall time would be near. */
      readonly cpuSamples: readonly number[];
      readonly peakMB: number;
      readonly kernels: number;
      readonly leakedTensors: number;
      readonly maxRssMB?: number;
      readonly check: Check;
      readonly setupMs: number;
      readonly setupCpuMs: number;
    }
  | {
      readonly impl: string;
      readonly ok: false;
      /** What the table says: "aborts: <message>", "fails: <message>" or "timed out ...". */
      readonly failure: string;
      readonly phase: string;
      /** Rounds timed before the failure, if it came during the rounds. */
      readonly samples: readonly number[];
      readonly check?: Check;
      readonly peakMB?: number;
    };

type Answer = Message | { readonly kind: 'exit'; readonly code: number | null; readonly signal: string | null } | { readonly kind: 'timeout' };

/** Lines tfjs prints on every start in Node: not the reason a process died. */
const NOISE = [/^=+$/, /Hi there/, /Looks like you are running TensorFlow\.js in Node\.js/, /install our node backend/, /tfjs-node/, /^https?:\/\//, /Platform node has already been set/, /^\s*at /, /^Node\.js v\d/];

/**
 * The line of a dead process's stderr that says why it died, with how it ended: the last line
 * naming an error or an abort, else the last line that is not tfjs's start-up banner or a stack frame.
 */
export function deathReason(stderr: string, code: number | null, signal: string | null): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !NOISE.some((re) => re.test(l)));
  const named = lines.filter((l) => /error|abort|out of bounds|out of memory|heap|killed|RangeError/i.test(l));
  const line = (named.at(-1) ?? lines.at(-1) ?? '').replace(/\s+/g, ' ').slice(0, 160);
  const how = signal ? `signal ${signal}` : `exit code ${code}`;
  return line ? `${line} (${how})` : how;
}

class Worker {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly inbox: Answer[] = [];
  private waiting: ((a: Answer) => void) | undefined;
  private stderr = '';
  exited: { code: number | null; signal: string | null } | undefined;

  constructor(readonly spec: WorkerSpec) {
    this.child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin.on('error', () => {}); // a write to a process that just died: its exit says why
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (line.startsWith(TAG)) this.deliver(JSON.parse(line.slice(TAG.length)) as Message);
    });
    this.child.stderr.on('data', (d: Buffer) => {
      // The end is what says why a process died; keep the last 64 kB.
      this.stderr = (this.stderr + d.toString()).slice(-65536);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = { code, signal };
      this.deliver({ kind: 'exit', code, signal });
    });
  }

  private deliver(a: Answer): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w(a);
    } else {
      this.inbox.push(a);
    }
  }

  /** The next message, the process's exit, or a timeout (which kills the process). */
  next(timeoutMs: number): Promise<Answer> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((done) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        this.kill();
        done({ kind: 'timeout' });
      }, timeoutMs);
      this.waiting = (a) => {
        clearTimeout(timer);
        done(a);
      };
    });
  }

  send(c: Command): void {
    if (!this.exited) this.child.stdin.write(`${c}\n`);
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** Resolves once the process has exited (after an error message it exits by itself). */
  async ended(timeoutMs: number): Promise<void> {
    while (!this.exited) {
      const a = await this.next(timeoutMs);
      if (a.kind === 'timeout') return;
    }
  }

  reason(code: number | null, signal: string | null): string {
    return deathReason(this.stderr, code, signal);
  }
}

/** Workers alive now, to be killed if the bench itself is interrupted. */
const live = new Set<Worker>();
let interruptHandled = false;
function killOnInterrupt(): void {
  if (interruptHandled) return;
  interruptHandled = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      for (const w of live) w.kill();
      process.exit(130);
    });
  }
}

export interface RunOptions {
  readonly rounds: number;
  /** Longest wait for one timed call, ms; the setup (two untimed calls and loading) gets three times this. */
  readonly timeoutMs: number;
  readonly progress?: (line: string) => void;
}

/** What a failed answer means for the table. */
function failureOf(w: Worker, a: Answer, phase: string, timeoutMs: number): { failure: string; phase: string } {
  // The worker names the setup's steps; the driver knows which round.
  if (a.kind === 'error') return { failure: `${a.aborted ? 'aborts' : 'fails'}: ${a.message}`, phase: a.phase === 'round' ? phase : a.phase };
  if (a.kind === 'timeout') return { failure: `timed out: no answer in ${Math.round(timeoutMs / 1000)} s`, phase };
  if (a.kind === 'exit') return { failure: `aborts: ${w.reason(a.code, a.signal)}`, phase };
  return { failure: `fails: unexpected message '${a.kind}'`, phase };
}

/** Times every implementation of one (loss, N, backend), each in its own process. */
export async function runGroup(specs: readonly WorkerSpec[], o: RunOptions): Promise<ImplResult[]> {
  killOnInterrupt();
  const say = o.progress ?? (() => {});
  interface Slot {
    readonly w: Worker;
    ready?: Extract<Message, { kind: 'ready' }>;
    samples: number[];
    cpuSamples: number[];
    failed?: { failure: string; phase: string };
  }
  const slots: Slot[] = [];
  for (const spec of specs) {
    const w = new Worker(spec);
    live.add(w);
    const slot: Slot = { w, samples: [], cpuSamples: [] };
    slots.push(slot);
    const a = await w.next(3 * o.timeoutMs);
    if (a.kind === 'ready') {
      slot.ready = a;
      say(`${spec.impl} ready in ${(a.setupMs / 1000).toFixed(1)} s, peak ${a.peakMB.toFixed(0)} MB`);
    } else {
      slot.failed = failureOf(w, a, 'setup', 3 * o.timeoutMs);
      say(`${spec.impl}: ${slot.failed.failure}`);
      await w.ended(10_000);
      w.kill();
      live.delete(w);
    }
  }
  for (let r = 0; r < o.rounds; r++) {
    const alive = slots.filter((s) => !s.failed);
    if (alive.length === 0) break;
    // Rotate who goes first, so no implementation always runs right after another's call.
    const order = alive.map((_, k) => alive[(k + r) % alive.length]!);
    for (const s of order) {
      s.w.send('round');
      const a = await s.w.next(o.timeoutMs);
      if (a.kind === 'time') {
        s.samples.push(a.ms);
        s.cpuSamples.push(a.cpuMs);
      } else {
        s.failed = failureOf(s.w, a, `round ${r + 1}`, o.timeoutMs);
        say(`${s.w.spec.impl}: ${s.failed.failure}`);
        await s.w.ended(10_000);
        s.w.kill();
        live.delete(s.w);
      }
    }
    say(`round ${r + 1}/${o.rounds}: ${order.map((s) => `${s.w.spec.impl} ${s.samples.at(-1)?.toFixed(0) ?? '–'} ms`).join(', ')}`);
  }
  const results: ImplResult[] = [];
  for (const s of slots) {
    let maxRssMB: number | undefined;
    if (!s.failed) {
      s.w.send('exit');
      const a = await s.w.next(60_000);
      if (a.kind === 'done') maxRssMB = a.maxRssMB;
      await s.w.ended(10_000);
    }
    s.w.kill();
    live.delete(s.w);
    const impl = s.w.spec.impl;
    if (s.failed || !s.ready) {
      const f = s.failed ?? { failure: 'fails: never ready', phase: 'setup' };
      results.push({ impl, ok: false, ...f, samples: s.samples, ...(s.ready ? { check: s.ready.check, peakMB: s.ready.peakMB } : {}) });
    } else {
      const { check, peakMB, kernels, leakedTensors, setupMs, setupCpuMs } = s.ready;
      results.push({ impl, ok: true, ms: median(s.samples), samples: s.samples, cpuSamples: s.cpuSamples, peakMB, kernels, leakedTensors, check, setupMs, setupCpuMs, ...(maxRssMB !== undefined ? { maxRssMB } : {}) });
    }
  }
  return results;
}
