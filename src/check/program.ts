// Loading modules and resolving their imports. No file system here: the caller supplies a
// `SourceHost` (the CLI reads files, the playground serves the stdlib from memory).
// `lossc/stdlib/<file>` names the standard library shipped with the package, from any folder.

import type { DimDecl, Definition, Module } from '../../grammar/ast.js';
import { parseModule } from '../../grammar/index.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

export interface SourceHost {
  /**
   * The text of a file, or undefined when it does not exist. Paths are as imports resolve
   * them (`resolveImport`): relative to the importing file, and the package's stdlib files
   * under `STDLIB_DIR`.
   */
  readFile(path: string): string | undefined;
}

export interface ModuleInfo {
  readonly file: string;
  readonly text: string;
  readonly ast: Module;
  /** Own `def`s and `loss`es by name (the first of duplicates). */
  readonly definitions: ReadonlyMap<string, Definition>;
  /** Dimensions declared with named components (`dim Box = {x1, y1, x2, y2}`). */
  readonly componentDims: ReadonlyMap<string, DimDecl>;
  readonly parseDiagnostics: readonly Diagnostic[];
  /** Definitions holding a syntax error: not checked further, so one typo is one error. */
  readonly broken: ReadonlySet<string>;
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : path.slice(0, i);
}

/** POSIX-style join and normalisation, usable in the browser too. */
export function joinPath(dir: string, rel: string): string {
  const absolute = rel.startsWith('/') || (dir.startsWith('/') && !rel.startsWith('/'));
  const parts = (rel.startsWith('/') ? rel : `${dir}/${rel}`).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(part);
  }
  const joined = out.join('/');
  return absolute ? `/${joined}` : joined || '.';
}

/** How a .loss file imports the package's own standard library: `lossc/stdlib/classification`. */
export const STDLIB_IMPORT_PREFIX = 'lossc/stdlib/';

/**
 * The folder the `lossc/stdlib/<file>` imports are read from: the package's own stdlib/, found
 * from this module's location (src/check/ in a checkout, dist/src/check/ once built), wherever
 * the package is installed. Where this module has no such file path (bundled into a web page),
 * it is `lossc/stdlib` itself, a name the host serves (the playground's host does).
 */
export const STDLIB_DIR: string = packageStdlibDir(import.meta.url) ?? 'lossc/stdlib';

/** `<root>/stdlib` for `<root>/src/check/program.ts` or `<root>/dist/src/check/program.js`, as a path. */
export function packageStdlibDir(moduleUrl: string): string | undefined {
  const m = /^file:\/\/([^/]*)(\/.*?)\/(?:dist\/src\/check\/program\.js|src\/check\/program\.ts)(?:[?#].*)?$/.exec(moduleUrl);
  if (!m) return undefined;
  let root: string;
  try {
    root = decodeURIComponent(m[2]!);
  } catch {
    return undefined;
  }
  if (/^\/[A-Za-z]:\//.test(root)) root = root.slice(1); // file:///C:/x → C:/x
  else if (m[1] && m[1] !== 'localhost') root = `//${m[1]}${root}`; // file://server/share → //server/share
  return `${root}/stdlib`;
}

/**
 * `./classification` imported from `stdlib/segmentation.loss` → `stdlib/classification.loss`;
 * `lossc/stdlib/classification` from anywhere → `classification.loss` in {@link STDLIB_DIR}.
 */
export function resolveImport(fromFile: string, spec: string): string {
  const withExt = spec.endsWith('.loss') ? spec : `${spec}.loss`;
  const stdlibFile = withExt.startsWith(STDLIB_IMPORT_PREFIX) ? withExt.slice(STDLIB_IMPORT_PREFIX.length) : undefined;
  if (stdlibFile && !stdlibFile.includes('/')) return `${STDLIB_DIR}/${stdlibFile}`;
  return joinPath(dirname(fromFile), withExt);
}

export function moduleInfo(file: string, text: string): ModuleInfo {
  const { module, diagnostics } = parseModule(text, file);
  const definitions = new Map<string, Definition>();
  for (const def of module.definitions) {
    if (!definitions.has(def.name.name)) definitions.set(def.name.name, def);
  }
  const componentDims = new Map<string, DimDecl>();
  for (const dim of module.dims) {
    if (!componentDims.has(dim.name.name)) componentDims.set(dim.name.name, dim);
  }
  const errorOffsets = diagnostics.filter((d) => d.severity === 'error' && d.span).map((d) => d.span!.start.offset);
  const broken = new Set(
    module.definitions
      .filter((def) => errorOffsets.some((o) => o >= def.span.start.offset && o <= def.span.end.offset))
      .map((def) => def.name.name),
  );
  return { file, text, ast: module, definitions, componentDims, parseDiagnostics: diagnostics, broken };
}

/** Caches parsed modules for one check, so a module imported twice is parsed once. */
export class ModuleLoader {
  private readonly cache = new Map<string, ModuleInfo | null>();

  constructor(private readonly host: SourceHost) {}

  add(file: string, text: string): ModuleInfo {
    const info = moduleInfo(file, text);
    this.cache.set(file, info);
    return info;
  }

  load(file: string): ModuleInfo | undefined {
    const cached = this.cache.get(file);
    if (cached !== undefined) return cached ?? undefined;
    const text = this.host.readFile(file);
    if (text === undefined) {
      this.cache.set(file, null);
      return undefined;
    }
    return this.add(file, text);
  }
}
