// `lossc check|compile --watch`: run, then run again whenever a watched file changes, until
// stopped. Watched: the directories given (every .loss file and folder under them), the files
// given, and every file a run read through imports; a path that does not exist yet is watched
// for from its nearest existing folder. Bursts of changes (an editor saving in several steps,
// a checkout) are gathered into one run; a change during a run starts another after it.
//
// Folders are watched one by one with node:fs.watch (inotify on Linux): Node 20's recursive
// watch on Linux polls every file (a StatWatcher per file), so it is used only where the
// platform watches trees itself (macOS, Windows). A file is watched through its folder, so an
// editor that saves by replacing the file is seen too.

import { readdirSync, statSync, watch as fsWatch, type FSWatcher } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { diagnostic } from '../diagnostics/diagnostic.js';
import { fsReason, UsageError } from './files.js';
import { EXIT, type Io } from './io.js';
import { paintCounts, paintDiagnostic, painter } from './style.js';

/** What one run reports to the watcher. */
export interface WatchedRun {
  readonly files: number;
  readonly errors: number;
  readonly warnings: number;
  /** Files the run read besides the sources found from the arguments: imports. */
  readonly reads: readonly string[];
}

export interface WatchOptions {
  /** `checked` or `compiled`: the verb of the line after each run. */
  readonly verb: string;
  /** The file and directory arguments. */
  readonly paths: readonly string[];
  /** A folder whose changes are the run's own (compile's --out). */
  readonly ignore?: string;
  readonly run: () => Promise<WatchedRun>;
  readonly io: Io;
  /** Stops watching; the promise then resolves with 0. */
  readonly signal: AbortSignal;
  /** Quiet time after the last change before a run (ms). */
  readonly debounceMs?: number;
}

const TREES_NATIVELY = process.platform === 'darwin' || process.platform === 'win32';

/** A folder to watch and which of its entries matter. */
interface Target {
  /** Under a directory argument: every .loss file and every folder. */
  tree: boolean;
  /** Entries that matter whatever their name (files given or imported, a missing path's next part). */
  readonly names: Set<string>;
  /** The watcher covers the folders below too. */
  recursive: boolean;
}

export async function watchSources(o: WatchOptions): Promise<number> {
  const { io, signal } = o;
  const paint = painter(io.colors?.err ?? false);
  const ignore = o.ignore === undefined ? undefined : resolve(o.ignore);
  const watchers = new Map<string, { watcher: FSWatcher; target: Target }>();
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const isIgnored = (path: string): boolean => ignore !== undefined && (path === ignore || path.startsWith(ignore + sep));
  // Paths as the user would type them: relative below the working folder, absolute elsewhere.
  const shown = (path: string): string => {
    const rel = relative(process.cwd(), path);
    return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
  };

  const onEvent = (dir: string, filename: string | null): void => {
    const entry = watchers.get(dir);
    if (stopped || !entry) return;
    const { target } = entry;
    if (filename === null) return trigger(dir);
    const path = join(dir, filename);
    const first = filename.split(/[\\/]/)[0]!;
    if (target.names.has(first)) return trigger(join(dir, first));
    if (!target.tree) return;
    if (filename.endsWith('.loss')) return trigger(path);
    // What the run writes is never a source; folders it makes are not worth a run.
    if (isIgnored(path)) return;
    // A folder made, removed or renamed: the sources may have changed, the folders have.
    if (watchers.has(path) || isDirectory(path)) trigger(path);
  };

  const trigger = (path: string): void => {
    changed.add(path);
    clearTimeout(timer);
    timer = setTimeout(() => void fire(), o.debounceMs ?? 100);
  };

  const fire = async (): Promise<void> => {
    if (stopped) return;
    if (running) return; // the run in progress schedules another when it ends
    const paths = [...changed].map(shown);
    changed.clear();
    const what = paths.length <= 3 ? paths.join(', ') : `${paths.slice(0, 3).join(', ')} and ${paths.length - 3} more`;
    io.err(`lossc: ${paint('cyan', `changed: ${what}`)}`);
    await cycle(false);
  };

  /** One run; changes seen meanwhile start another once it is over. */
  const cycle = async (first: boolean): Promise<void> => {
    running = runOnce(first);
    try {
      await running;
    } finally {
      running = undefined;
    }
    if (changed.size > 0 && !stopped) trigger([...changed][0]!);
  };

  const runOnce = async (first: boolean): Promise<void> => {
    const start = Date.now();
    let result: WatchedRun;
    try {
      result = await o.run();
    } catch (e) {
      if (first && e instanceof UsageError) throw e;
      const d = e instanceof UsageError ? diagnostic('BadUsage', undefined, { problem: e.message }) : diagnostic('InternalError', undefined, { phase: 'running it again', reason: e instanceof Error ? e.message : String(e) });
      io.err(paintDiagnostic(d, paint));
      result = { files: 0, errors: 1, warnings: 0, reads: [] };
    }
    const ms = Date.now() - start;
    rewatch(result.reads);
    const time = new Date().toTimeString().slice(0, 8);
    io.err(
      `lossc: ${paint('dim', `[${time}]`)} ${o.verb} ${result.files} file${result.files === 1 ? '' : 's'} in ${ms} ms: ${paintCounts(result.errors, result.warnings, paint)}; ${paint('bold', 'watching for changes')}`,
    );
  };

  /** Watches what the arguments and the last run's reads need, and nothing else. */
  const rewatch = (reads: readonly string[]): void => {
    if (stopped) return;
    const wanted = new Map<string, Target>();
    const want = (dir: string, how: Partial<Target> & { name?: string }): void => {
      const t = wanted.get(dir) ?? { tree: false, names: new Set<string>(), recursive: false };
      t.tree ||= how.tree ?? false;
      t.recursive ||= how.recursive ?? false;
      if (how.name !== undefined) t.names.add(how.name);
      wanted.set(dir, t);
    };
    const wantFile = (path: string): void => {
      // The nearest folder that exists, and the part of the path that would appear in it.
      let p = resolve(path);
      while (!isDirectory(dirname(p)) && dirname(p) !== p) p = dirname(p);
      want(dirname(p), { name: basename(p) });
    };
    for (const arg of o.paths) {
      const path = resolve(arg);
      if (!isDirectory(path)) wantFile(path);
      else if (TREES_NATIVELY) want(path, { tree: true, recursive: true });
      else for (const dir of folders(path, (p) => p === ignore)) want(dir, { tree: true });
    }
    for (const read of reads) wantFile(read);

    for (const [dir, entry] of watchers) {
      if (wanted.has(dir)) continue;
      entry.watcher.close();
      watchers.delete(dir);
    }
    for (const [dir, target] of wanted) {
      const entry = watchers.get(dir);
      if (entry && entry.target.recursive === target.recursive) {
        entry.target = target;
        continue;
      }
      entry?.watcher.close();
      try {
        const watcher = fsWatch(dir, { recursive: target.recursive }, (_event, filename) => onEvent(dir, filename === null ? null : String(filename)));
        // The folder removed, or the system refusing: watch again from what exists after the next run.
        watcher.on('error', () => {
          watcher.close();
          if (watchers.get(dir)?.watcher === watcher) watchers.delete(dir);
          trigger(dir);
        });
        watchers.set(dir, { watcher, target });
      } catch (e) {
        watchers.delete(dir);
        io.err(paintDiagnostic(diagnostic('FileNotFound', undefined, { path: shown(dir), reason: `${fsReason(e)} (it cannot be watched; changes in it are not seen)` }), paint));
      }
    }
  };

  const names = o.paths.map((p) => (isDirectory(p) ? `${p.replace(/[\\/]+$/, '')}/` : p));
  io.err(`lossc: ${paint('bold', `watching ${names.join(', ')} and the files they import`)} (Ctrl-C to stop)`);
  const stop = (): void => {
    stopped = true;
    clearTimeout(timer);
    for (const { watcher } of watchers.values()) watcher.close();
    watchers.clear();
  };
  try {
    rewatch([]);
    await cycle(true);
  } catch (e) {
    stop();
    throw e;
  }
  await new Promise<void>((resolveStop) => {
    if (signal.aborted) resolveStop();
    else signal.addEventListener('abort', () => resolveStop(), { once: true });
  });
  stop();
  await running;
  io.err('lossc: stopped watching');
  return EXIT.ok;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** `dir` and every folder under it (not through links, as collectSources), but not below a skipped one. */
function folders(dir: string, skip: (path: string) => boolean): string[] {
  const out = [dir];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory() && !skip(path)) out.push(...folders(path, skip));
  }
  return out;
}
