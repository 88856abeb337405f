// `compile` as the tests call it, its results kept on disk for the rest of the run (and the
// next): the stdlib alone costs ~12 s of CPU to compile, and a dozen test files compile it.
// An entry is used only when everything the result depends on is byte for byte the same: the
// compiler (every file under src/ and grammar/), the emitter's TypeScript and ts-morph, the
// source, its file name, the options, and the text of every file the compile read through the
// host (imports). Entries are v8-serialized, which keeps NaN, ±Infinity and -0 in constants.
// A test that mocks a module of the compiler (vi.mock) must call src/api.js's compile: the
// cache knows the files, not the mocks. LOSSC_TEST_CACHE=0 compiles every time;
// test/compile-cache.test.ts compares entries with fresh compiles.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { compile as compileNow, type CompileOptions, type CompileResult } from '../../src/api.js';
import type { SourceHost } from '../../src/check/program.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** Bumped when what an entry holds changes. */
const FORMAT = 1;

const sha = (...parts: readonly string[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:`).update(p);
  return h.digest('hex');
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

let compilerHash: string | undefined;
/** The compiler as it is on disk: its sources and the versions of what it emits with. */
function compiler(): string {
  if (compilerHash === undefined) {
    const sources = ['src', 'grammar'].flatMap((d) => filesUnder(join(ROOT, d)));
    const versions = ['ts-morph', 'typescript'].map((p) => readFileSync(join(ROOT, 'node_modules', p, 'package.json'), 'utf8'));
    compilerHash = sha(String(FORMAT), ...versions, ...sources.flatMap((f) => [f.slice(ROOT.length), readFileSync(f, 'utf8')]));
  }
  return compilerHash;
}

const DIR = join(tmpdir(), `lossc-test-compile-${process.getuid?.() ?? 'user'}`);

interface Entry {
  /** The files the compile read through the host, with their text (undefined: missing). */
  readonly reads: readonly (readonly [string, string | undefined])[];
  readonly result: CompileResult;
}

export const cacheEnabled = (): boolean => process.env.LOSSC_TEST_CACHE !== '0';

/** compile(text, file, options), or its result from an earlier identical compile. */
export async function compile(text: string, file = 'input.loss', options: CompileOptions = {}): Promise<CompileResult> {
  if (!cacheEnabled()) return compileNow(text, file, options);
  const { host, ...rest } = options;
  const key = sha(compiler(), file, text, JSON.stringify(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1))), host ? 'host' : 'no host');
  const path = join(DIR, `${key}.bin`);
  const hit = read(path);
  if (hit && host && hit.reads.every(([f, t]) => host.readFile(f) === t)) return hit.result;
  if (hit && !host) return hit.result;
  const reads: [string, string | undefined][] = [];
  const recording: SourceHost | undefined = host && {
    readFile: (f) => {
      const t = host.readFile(f);
      reads.push([f, t]);
      return t;
    },
  };
  const result = await compileNow(text, file, { ...rest, ...(recording ? { host: recording } : {}) });
  write(path, { reads, result });
  return result;
}

function read(path: string): Entry | undefined {
  try {
    return deserialize(readFileSync(path)) as Entry;
  } catch {
    return undefined;
  }
}

/** Written whole under a name of its own, then renamed: a reader never sees half an entry. */
function write(path: string, entry: Entry): void {
  mkdirSync(DIR, { recursive: true });
  const part = `${path}.${process.pid}.part`;
  writeFileSync(part, serialize(entry));
  renameSync(part, path);
}
