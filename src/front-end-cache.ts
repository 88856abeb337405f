// The front end's results kept for callers that evaluate one source many times: a playground
// sweep, training run or loss landscape calls `evaluate` once per point, and checking,
// optimizing and differentiating classification.loss anew took ~200 ms of each. A result is
// reused only while the source, the options that shape it, and the text of every file its
// imports read are the same: the host is asked again for each of those files on every use.

import type { SourceHost } from './check/program.js';
import { frontEnd, type FrontEndResult, type PipelineOptions } from './pipeline.js';

/** Results kept per host (and one set without a host), the most recently used last. */
const KEPT = 8;

interface Entry {
  readonly result: FrontEndResult;
  /** Each file the front end read through the host, with the text it read (undefined: absent). */
  readonly read: ReadonlyMap<string, string | undefined>;
}

const byHost = new WeakMap<SourceHost, Map<string, Entry>>();
const hostless = new Map<string, Entry>();

/** frontEnd(text, file, options), or the same result again when nothing it read has changed. */
export function cachedFrontEnd(text: string, file: string, options: PipelineOptions = {}): FrontEndResult {
  const { host } = options;
  const entries = host ? byHost.get(host) ?? new Map<string, Entry>() : hostless;
  if (host && !byHost.has(host)) byHost.set(host, entries);
  const key = JSON.stringify([text, file, options.optimize ?? true, options.stability ?? true, options.target ?? 'wasm', options.gradients ?? false, options.specialise ?? options.gradients === true, options.notes ?? true]);
  const kept = entries.get(key);
  if (kept && [...kept.read].every(([path, was]) => host?.readFile(path) === was)) {
    // Most recently used last.
    entries.delete(key);
    entries.set(key, kept);
    return copied(kept.result);
  }
  const read = new Map<string, string | undefined>();
  const recording: SourceHost | undefined = host && {
    readFile: (path) => {
      const got = host.readFile(path);
      if (!read.has(path)) read.set(path, got);
      return got;
    },
  };
  const result = frontEnd(text, file, { ...options, ...(recording ? { host: recording } : {}) });
  entries.delete(key);
  entries.set(key, { result, read });
  while (entries.size > KEPT) entries.delete(entries.keys().next().value!);
  return copied(result);
}

/** The result with its diagnostics a list of the caller's own, which it may add to. */
function copied(result: FrontEndResult): FrontEndResult {
  return { ...result, diagnostics: [...result.diagnostics] };
}
