// The playground's build. `base: './'` makes every asset URL relative, so the static site in
// playground/dist works from any folder (a file server root, a sub-path, a CI artifact).
import { defineConfig, type Plugin } from 'vite';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

// The compiler version, written into share links so a link from another version says so.
const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export default defineConfig({
  root,
  base: './',
  define: { __LOSSC_VERSION__: JSON.stringify(version) },
  plugins: [stubNodeBuiltins()],
  worker: { format: 'es', plugins: () => [stubNodeBuiltins()] },
  server: { fs: { allow: [repo] } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 12_000,
    reportCompressedSize: false,
  },
});
