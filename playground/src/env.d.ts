/** The compiler's version, from package.json at build time (vite.config.ts `define`). */
declare const __LOSSC_VERSION__: string;
