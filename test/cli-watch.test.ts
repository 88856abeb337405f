// `lossc check|compile --watch` as a real process on the built dist/ (npm test builds first):
// started, its files changed under it, its output read as it comes, stopped with SIGINT.
// Every wait is bounded, and the process is killed whatever happens.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

/** The line after each run. */
const RUN_LINE = /^lossc: \[\d\d:\d\d:\d\d\] (checked|compiled) (\d+) files? in \d+ ms: (\d+) errors?, (\d+) warnings?; watching for changes$/;

class Watcher {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly listeners = new Set<() => void>();

  constructor(args: readonly string[], cwd: string) {
    const { FORCE_COLOR: _force, ...env } = process.env;
    this.child = spawn(process.execPath, [join(process.cwd(), 'bin/lossc.js'), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (t: string) => ((this.stdout += t), this.notify()));
    this.child.stderr!.setEncoding('utf8').on('data', (t: string) => ((this.stderr += t), this.notify()));
    this.exit = new Promise((resolve) => this.child.on('exit', (code, signal) => (resolve({ code, signal }), this.notify())));
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  /** The lines after each run so far, parsed. */
  runs(): { files: number; errors: number; warnings: number }[] {
    return this.stderr
      .split('\n')
      .map((l) => RUN_LINE.exec(l))
      .filter((m) => m !== null)
      .map((m) => ({ files: Number(m[2]), errors: Number(m[3]), warnings: Number(m[4]) }));
  }

  /** Waits until `ready()` holds, at most `ms`; fails with what was printed so far. */
  waitFor(what: string, ready: () => boolean, ms = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!ready()) {
          if (this.child.exitCode !== null || this.child.signalCode !== null) finish(new Error(`lossc exited while waiting for ${what}`));
          return;
        }
        finish();
      };
      const timer = setTimeout(() => finish(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        if (error) reject(new Error(`${error.message}\n--- stderr:\n${this.stderr}\n--- stdout:\n${this.stdout}`));
        else resolve();
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Waits for the run after the `n`-th and returns it. */
  async nextRun(n: number, what: string): Promise<{ files: number; errors: number; warnings: number }> {
    await this.waitFor(what, () => this.runs().length > n);
    return this.runs()[n]!;
  }

  /** SIGINT, then the exit (bounded). */
  async interrupt(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill('SIGINT');
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit 10 s after SIGINT\n${this.stderr}`)), 10_000));
    return Promise.race([this.exit, timeout]);
  }
}

let root: string;
const started: Watcher[] = [];
const write = (path: string, text: string): void => writeFileSync(join(root, path), text);
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

beforeAll(() => {
  expect(existsSync('dist/src/cli/main.js'), 'run `npm run build` first (npm test does)').toBe(true);
});

afterEach(() => {
  for (const w of started.splice(0)) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function start(...args: string[]): Watcher {
  const w = new Watcher(args, root);
  started.push(w);
  return w;
}

describe('lossc compile --watch', () => {
  it('recompiles on a change to a source or to a file it imports, reports errors and keeps going, keeps the no-overwrite rule, stops on SIGINT', async () => {
    root = mkdtempSync(join(tmpdir(), 'lossc-watch-'));
    mkdirSync(join(root, 'src'));
    mkdirSync(join(root, 'lib'));
    mkdirSync(join(root, 'out'));
    // The helper lives outside the watched folder: only its import makes it watched.
    write('lib/helpers.loss', 'def sq(x) = x^2\n');
    write('src/a.loss', 'import { sq } from "../lib/helpers"\nloss a(p: [N], t: [N]) = mean(sq(p - t))\n');
    const w = start('compile', 'src', '--out', 'out', '--watch');

    expect(await w.nextRun(0, 'the first run')).toEqual({ files: 1, errors: 0, warnings: 0 });
    expect(w.stderr.split('\n')[0]).toBe('lossc: watching src/ and the files they import (Ctrl-C to stop)');
    expect(read('out/a.ts')).toMatch(/export function a\(/);

    // A second loss in the source: it is compiled.
    write('src/a.loss', `${read('src/a.loss')}loss total(x: [N]) = sum(x)\n`);
    expect(await w.nextRun(1, 'the run after editing a.loss')).toEqual({ files: 1, errors: 0, warnings: 0 });
    expect(w.stderr).toContain('lossc: changed: src/a.loss');
    expect(read('out/a.ts')).toMatch(/export function total\(/);

    // An error in the imported file: printed as ever, the output left as it was, still watching.
    write('lib/helpers.loss', 'def sq(x) = x^2 + nope\n');
    expect(await w.nextRun(2, 'the run after breaking the import')).toEqual({ files: 1, errors: 1, warnings: 0 });
    expect(w.stderr).toMatch(/lib\/helpers\.loss:1:19: error E2001: unknown name 'nope'/);
    expect(read('out/a.ts')).toMatch(/export function total\(/);

    // Fixed: compiled again.
    write('lib/helpers.loss', 'def sq(x) = x^2\n');
    expect(await w.nextRun(3, 'the run after fixing the import')).toEqual({ files: 1, errors: 0, warnings: 0 });

    // A file of the user's where a new module would go: refused, nothing written, still watching.
    write('out/b.ts', 'my own code\n');
    write('src/b.loss', 'loss b(x: [N]) = mean(x)\n');
    expect(await w.nextRun(4, 'the run after adding b.loss')).toEqual({ files: 2, errors: 1, warnings: 0 });
    expect(w.stderr).toMatch(/error E7007: out\/b\.ts exists and was not written by lossc/);
    expect(read('out/b.ts')).toBe('my own code\n');
    expect(existsSync(join(root, 'out', 'index.ts'))).toBe(false);

    expect(await w.interrupt()).toEqual({ code: 0, signal: null });
    expect(w.stderr.trimEnd().split('\n').at(-1)).toBe('lossc: stopped watching');
    expect(w.stdout).toBe('');
  }, 40_000);
});

describe('lossc check --watch', () => {
  it('gathers a burst of changes into one run, sees new folders and files that did not exist yet', async () => {
    root = mkdtempSync(join(tmpdir(), 'lossc-watch-'));
    mkdirSync(join(root, 'src'));
    write('src/a.loss', 'loss a(x: [N]) = mean(x)\n');
    const w = start('check', 'src', 'later.loss', '--watch');

    // later.loss is missing: an error, and the watch goes on.
    expect(await w.nextRun(0, 'the first run')).toEqual({ files: 1, errors: 1, warnings: 0 });
    expect(w.stderr).toContain('lossc: error E7006: cannot read later.loss: no such file or directory');

    // Five saves in a row: one run.
    for (let i = 1; i <= 5; i++) write('src/a.loss', `loss a(x: [N]) = mean(x) * ${i}\n`);
    expect(await w.nextRun(1, 'the run after a burst of saves')).toEqual({ files: 1, errors: 1, warnings: 0 });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(w.runs()).toHaveLength(2);

    // The missing file appears; then a folder with a source in it.
    write('later.loss', 'loss later(x: [N]) = sum(x)\n  where unused = x\n');
    expect(await w.nextRun(2, 'the run after creating later.loss')).toEqual({ files: 2, errors: 0, warnings: 1 });
    mkdirSync(join(root, 'src', 'sub'));
    write('src/sub/c.loss', 'loss c(x: [N]) = mean(y)\n');
    await w.waitFor('a run that checks src/sub/c.loss', () => w.runs().some((r) => r.files === 3));
    expect(w.runs().at(-1)).toEqual({ files: 3, errors: 1, warnings: 1 });
    expect(w.stderr).toMatch(/src\/sub\/c\.loss:1:23: error E2001: unknown name 'y'/);

    // And a change in the new folder is seen.
    write('src/sub/c.loss', 'loss c(x: [N]) = mean(x)\n');
    await w.waitFor('the run after fixing src/sub/c.loss', () => w.runs().at(-1)!.errors === 0);
    expect(w.runs().at(-1)).toEqual({ files: 3, errors: 0, warnings: 1 });

    expect(await w.interrupt()).toEqual({ code: 0, signal: null });
  }, 30_000);
});
