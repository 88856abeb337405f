// Where the docs the page links to live: pages rendered from docs/*.md into the site at build
// time (playground/docs/markdown.ts), beside index.html, so they work offline.

/** The page for a diagnostic code: its section of the diagnostics guide. */
export function diagnosticDocsUrl(code: string): string {
  return new URL(`diagnostics.html#${code.toLowerCase()}`, pageBase()).href;
}

export function languageDocsUrl(): string {
  return new URL('language.html', pageBase()).href;
}

// The site's folder, whatever the page's file name and hash.
const pageBase = (): string => new URL('.', location.href).href;
