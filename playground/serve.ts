// A tiny static file server for the built playground, used by the browser tests and the
// latency bench: the site is served from a sub-path (/lossc/) to show that it works from any
// folder, as a static host would serve it.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm',
  '.ttf': 'font/ttf', '.json': 'application/json', '.svg': 'image/svg+xml',
};

export const SUBPATH = '/lossc/';

export interface StaticSite {
  readonly url: string;
  close(): Promise<void>;
}

export async function serveStatic(root: string): Promise<StaticSite> {
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (!path.startsWith(SUBPATH)) return void res.writeHead(404).end('not found');
    const rel = normalize(path.slice(SUBPATH.length) || 'index.html');
    if (rel.startsWith('..')) return void res.writeHead(403).end();
    try {
      const body = await readFile(join(root, rel.endsWith('/') ? `${rel}index.html` : rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}${SUBPATH}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
