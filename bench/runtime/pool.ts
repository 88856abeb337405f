// The parent side of a runtime worker: start it (under the same TypeScript loader as the
// bench), hand it one task at a time, and start a fresh one after a crash, a timeout or a wasm
// abort. Replies are matched to requests by id, so nothing from a killed worker is misread.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BackendInfo, FromWorker, InitMessage, TaskMessage } from './protocol.js';
import type { TaskResult } from './types.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const TAIL = 4000;

/** The loader flags of this process (tsx), which the worker needs to load .ts files. */
export function tsxExecArgv(): string[] {
  const argv = [...process.execArgv];
  return argv.some((a) => a.includes('tsx')) ? argv : [...argv, '--import', 'tsx'];
}

interface Pending {
  readonly id: number;
  readonly resolve: (m: FromWorker) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class RuntimeWorker {
  private child?: ChildProcess;
  private pending?: Pending;
  private tail = '';
  private seq = 0;
  info?: BackendInfo;

  constructor(private readonly init: Omit<InitMessage, 'id'>) {}

  private async start(): Promise<void> {
    this.tail = '';
    const child = fork(WORKER, [], { execArgv: tsxExecArgv(), stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
    const keep = (chunk: Buffer): void => {
      if (this.child === child) this.tail = (this.tail + chunk.toString()).slice(-TAIL);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('message', (m: FromWorker) => {
      const p = this.pending;
      if (this.child !== child || !p || m.id !== p.id) return;
      this.settle(p);
      p.resolve(m);
    });
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      const p = this.pending;
      if (!p) return;
      this.settle(p);
      p.reject(new Error(`worker exited (${signal ?? `code ${code}`}): ${lastLines(this.tail)}`));
    });
    this.child = child;
    const ready = await this.request({ ...this.init }, 120_000);
    if (ready.type === 'failed') throw new Error(ready.error);
    if (ready.type === 'ready') this.info = ready.info;
  }

  private settle(p: Pending): void {
    clearTimeout(p.timer);
    if (this.pending === p) this.pending = undefined;
  }

  private request(message: Omit<InitMessage, 'id'> | Omit<TaskMessage, 'id'>, timeoutMs: number): Promise<FromWorker> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(p);
        this.kill();
        reject(new Error(`timed out after ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const p: Pending = { id, resolve, reject, timer };
      this.pending = p;
      this.child!.send({ ...message, id });
    });
  }

  /** Runs one task; a crash or a timeout rejects, and the next task starts a fresh worker. */
  async run(task: Omit<TaskMessage, 'id' | 'type'>, timeoutMs: number): Promise<Extract<FromWorker, { type: 'result' }>> {
    if (!this.child) await this.start();
    const reply = await this.request({ type: 'task', ...task }, timeoutMs);
    if (reply.type === 'failed') throw new Error(reply.error.split('\n')[0]);
    if (reply.type !== 'result') throw new Error(`unexpected reply ${reply.type}`);
    if (reply.aborted) this.kill();
    return reply;
  }

  /** Ends the worker now; the next task starts a fresh one (an empty wasm heap). */
  kill(): void {
    const child = this.child;
    this.child = undefined;
    child?.kill('SIGKILL');
  }

  stop(): void {
    const child = this.child;
    this.child = undefined;
    if (child?.connected) child.send({ type: 'exit', id: ++this.seq });
    setTimeout(() => child?.kill('SIGKILL'), 2000).unref();
  }
}

/** The last meaningful lines of a worker's output (the wasm glue prints its whole source on abort). */
function lastLines(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && l.length < 400)
    .slice(-3)
    .join(' | ');
}

export type { TaskResult };
