// The playground's build. `base: './'` makes every asset URL relative, so the static site in
// playground/dist works from any folder (a file server root, a sub-path, a CI artifact).
import { defineConfig, type Plugin } from 'vite';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { docPage, type LinkMap } from './docs/markdown.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

// ts-morph's common package requires node:fs/os/path at load time, though an in-memory
// project never calls them. An empty module keeps the compile worker loadable in a browser.
const NODE_STUBS = /^(node:)?(fs|fs\/promises|os|path|perf_hooks|crypto|inspector|module|url)$/;
function stubNodeBuiltins(): Plugin {
  return {
    name: 'lossc-stub-node-builtins',
    enforce: 'pre',
    // Filters let the bundler skip the plugin for every other module.
    resolveId: { filter: { id: NODE_STUBS }, handler: () => '\0node-stub' },
    load: { filter: { id: /^\0node-stub$/ }, handler: () => 'export default {};' },
  };
}

// grammar/chevrotain.ts loads chevrotain's bundled file by its path in node_modules, which a
// browser has not: the page takes the package's entry point, bundled here like any other.
const CHEVROTAIN_SHIM = /[\\/]grammar[\\/]chevrotain\.ts$/;
function chevrotainEntry(): Plugin {
  return {
    name: 'lossc-chevrotain-entry',
    enforce: 'pre',
    load: {
      filter: { id: CHEVROTAIN_SHIM },
      handler: () => "export { createToken, CstParser, EOF, generateCstDts, Lexer, tokenMatcher } from 'chevrotain';",
    },
  };
}

// The docs the page links to, rendered into the site: the language reference from the header,
// the diagnostics guide from each diagnostic's code (docs/diagnostics-explained.md, one
// section per code). Served beside index.html, so they work offline and match this compiler.
const DOC_PAGES: Record<string, { readonly md: string; readonly title: string }> = {
  'language.html': { md: 'docs/language.md', title: 'The lossc language' },
  'diagnostics.html': { md: 'docs/diagnostics-explained.md', title: 'Diagnostics explained' },
};
const docLinks: LinkMap = (href) => {
  const [path, anchor] = href.split('#');
  const page = Object.keys(DOC_PAGES).find((p) => DOC_PAGES[p]!.md.endsWith(`/${path}`));
  return page === undefined ? undefined : `./${page}${anchor ? `#${anchor}` : ''}`;
};
function docPages(): Plugin {
  return {
    name: 'lossc-doc-pages',
    // The dev server renders them on each request, so an edit to a doc shows on reload.
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = (req.url ?? '').split(/[?#]/)[0]!.replace(/^.*\//, '');
        const page = DOC_PAGES[name];
        if (!page) return next();
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(docPage(page.title, readFileSync(`${repo}/${page.md}`, 'utf8'), docLinks));
      });
    },
    generateBundle() {
      for (const [fileName, { md, title }] of Object.entries(DOC_PAGES)) {
        this.emitFile({ type: 'asset', fileName, source: docPage(title, readFileSync(`${repo}/${md}`, 'utf8'), docLinks) });
      }
    },
  };
}

// The compiler version, written into share links so a link from another version says so.
const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export default defineConfig({
  root,
  base: './',
  define: { __LOSSC_VERSION__: JSON.stringify(version) },
  plugins: [stubNodeBuiltins(), chevrotainEntry(), docPages()],
  worker: { format: 'es', plugins: () => [stubNodeBuiltins(), chevrotainEntry()] },
  server: { fs: { allow: [repo] } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 12_000,
    reportCompressedSize: false,
  },
});
