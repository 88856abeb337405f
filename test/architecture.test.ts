// The layering of the compiler, as the imports between its folders: no folder depends on
// itself through another (no cycles), and the few rules that keep the phases apart hold.
// A new import that breaks one fails here with the file that made it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/** Every .ts file under `dir`. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** A file's folder, as the layering names it: `src/lower`, `grammar`, `src` for src's own files. */
const folderOf = (file: string): string => {
  const rel = relative(ROOT, file);
  const parts = rel.split('/');
  return parts[0] === 'src' && parts.length > 2 ? `src/${parts[1]}` : parts[0]!;
};

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly file: string;
  readonly spec: string;
  /** `import type`: a dependency of the code's meaning, but nothing is loaded. */
  readonly typeOnly: boolean;
}

/** Imports (static, re-exports and dynamic `import()`) of every source file. */
function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of [...files(join(ROOT, 'src')), ...files(join(ROOT, 'grammar'))]) {
    const text = readFileSync(file, 'utf8');
    // Static imports and re-exports (statements, not text inside a string), and import().
    const specs = [...text.matchAll(/^\s*(?:import|export)\b[^;'"]*?(?:from\s+)?'([^']+)'/gm), ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)];
    for (const m of specs) {
      const spec = m[1]!;
      const typeOnly = /^\s*(?:import|export)\s+type\b/.test(m[0]);
      const to = spec.startsWith('.') ? folderOf(resolve(dirname(file), spec)) : `npm:${spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/')}`;
      out.push({ from: folderOf(file), to, file: relative(ROOT, file), spec, typeOnly });
    }
  }
  return out;
}

const EDGES = edges();

/** The folder graph: folder → folders it imports (npm packages left out). */
function graph(): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const e of EDGES) {
    if (e.to.startsWith('npm:') || e.from === e.to) continue;
    g.set(e.from, new Set([...(g.get(e.from) ?? []), e.to]));
  }
  return g;
}

describe('the folder import graph', () => {
  it('has no cycles', () => {
    const g = graph();
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (node: string, path: string[]): void => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'open') {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' → '));
        return;
      }
      state.set(node, 'open');
      for (const next of g.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of g.keys()) visit(node, []);
    const culprits = (cycle: string): string[] => {
      const hops = cycle.split(' → ');
      return hops.slice(1).flatMap((to, i) => EDGES.filter((e) => e.from === hops[i] && e.to === to).map((e) => `${e.file} imports ${e.spec}`));
    };
    expect(cycles.map((c) => `${c}\n  ${culprits(c).join('\n  ')}`)).toEqual([]);
  });

  // Which folder may not import which, and why.
  const FORBIDDEN: readonly [from: string, to: string, why: string][] = [
    ['src/diagnostics', '*', 'the diagnostics table and Span are the bottom of the graph'],
    ['grammar', 'src/check', 'syntax knows nothing of checking'],
    ['src/ir', 'src/check', 'the IR is what the checker produces, not the other way round'],
    ['src/check', 'src/emit', 'the checker and the emitter share only src/ir/option-keys.ts'],
    ['src/check', 'src/lower', 'checking needs no lowering'],
    ['src/stability', 'src/eval', 'the static analysis runs nothing; the sampled check is src/sample'],
    ['src/stability', 'src/reference', 'the static analysis runs nothing; the sampled check is src/sample'],
    ['src/lower', 'src/emit', 'the lowering is read by the interpreters, it does not know them'],
    ['src/lower', 'src/eval', 'the lowering is read by the interpreters, it does not know them'],
    ['src/emit', 'src/eval', 'generated code is text; it runs nothing'],
    ['src/eval', 'src/emit', 'the evaluator runs the lowering, not the emitter'],
    ['src/reference', 'src/lower', 'the float64 oracle shares no code with what it checks'],
    ['src/reference', 'src/eval', 'the float64 oracle shares no code with what it checks'],
    ['src/reference', 'src/emit', 'the float64 oracle shares no code with what it checks'],
  ];
  it.each(FORBIDDEN)('%s does not import %s (%s)', (from, to) => {
    const bad = EDGES.filter((e) => e.from === from && !e.to.startsWith('npm:') && e.to !== from && (to === '*' || e.to === to));
    expect(bad.map((e) => `${e.file} imports ${e.spec}`)).toEqual([]);
  });

  // Packages that are slow to load or heavy stay out of the paths that must be fast.
  const PACKAGES: readonly [folder: string, pkg: string, why: string][] = [
    ['src/lower', 'npm:@tensorflow/tfjs', 'the lowering is interpreter-neutral: the emitter must not load tfjs'],
    ['src/emit', 'npm:@tensorflow/tfjs', 'compiling loads no tfjs'],
    ['src/check', 'npm:ts-morph', 'ts-morph costs ~1.7 s to load: only the emitter may'],
    ['src/lower', 'npm:ts-morph', 'ts-morph costs ~1.7 s to load: only the emitter may'],
    ['src/eval', 'npm:ts-morph', 'ts-morph costs ~1.7 s to load: only the emitter may'],
    ['src/stability', 'npm:@tensorflow/tfjs', 'the static analysis runs nothing'],
  ];
  it.each(PACKAGES)('%s does not load %s (%s)', (folder, pkg) => {
    const bad = EDGES.filter((e) => e.from === folder && e.to === pkg && !e.typeOnly);
    expect(bad.map((e) => `${e.file} imports ${e.spec}`)).toEqual([]);
  });

  it('only src/emit/module.ts loads ts-morph, and lazily', () => {
    const users = EDGES.filter((e) => e.to === 'npm:ts-morph' && !e.typeOnly).map((e) => e.file);
    expect([...new Set(users)]).toEqual(['src/emit/module.ts']);
    expect(readFileSync(join(ROOT, 'src/emit/module.ts'), 'utf8')).not.toMatch(/^import .* from 'ts-morph'/m);
  });
});
