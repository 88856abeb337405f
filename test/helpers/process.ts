// Child processes awaited rather than waited for: a test file runs its CLI processes side by
// side (Promise.all, describe.concurrent) where each check is about a process's output, not
// about its start-up, so that they use the machine's other core (vitest runs one test file
// at a time on two cores). No more run at once than there are cores: more would only make
// each slower, and a test's timeout counts while its processes wait for the machine.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

export interface ProcessResult {
  /** The exit code, or null when the process was ended by a signal (the timeout's). */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Ends the process (SIGTERM) after this long, as spawnSync's timeout does. */
  readonly timeoutMs?: number;
}

const MAX_RUNNING = Math.max(2, availableParallelism());
let running = 0;
const waiting: (() => void)[] = [];

/** Runs `command args` to its end; never rejects for a non-zero exit (the test reads `status`). */
export async function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
  // A finished process hands its place to the first waiting one.
  if (running < MAX_RUNNING) running++;
  else await new Promise<void>((start) => waiting.push(start));
  try {
    return await runNow(command, args, options);
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

function runNow(command: string, args: readonly string[], options: RunOptions): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code, stdout, stderr }));
  });
}

/** `node bin/lossc.js args` (it runs dist/: `npm run build` first). */
export function lossc(args: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
  return run(process.execPath, ['bin/lossc.js', ...args], options);
}
